"""The one exception for a request the service refuses, raised by any layer, answered by web/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..fields import PRIVATE


class ApiError(Exception):
    """A request the service refuses, with what the client needs to put it right."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        # What was typed, for the form page; private fields (the email) never.
        self.values = {k: v for k, v in (values or {}).items() if k not in PRIVATE}

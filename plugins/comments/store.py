"""Read the published comments for the build from the comment service's store."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def database_url(settings: Mapping) -> str | None:
    """Return the store's URL: the COMMENTS_DATABASE_URL setting, else the environment's."""
    return settings.get("COMMENTS_DATABASE_URL") or os.environ.get("COMMENTS_DATABASE_URL")


def _find_service() -> None:
    # The service package sits beside plugins/ in the project; a build started from any
    # folder must still find it.
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.append(str(PROJECT_ROOT))


def honeypot_field() -> str:
    """Return the name of the form's trap field, as the comment service expects it."""
    _find_service()
    from comments_api.errors import HONEYPOT

    return HONEYPOT


def read_comments(settings: Mapping, threads: Sequence[str]) -> dict[str, list[dict]]:
    """Return the published comments of `threads`, or none when there is no store yet."""
    _find_service()
    from comments_api.storage import read_published

    try:
        return read_published(database_url(settings), threads)
    except Exception as error:  # noqa: BLE001 - a bad store must not stop the build
        log.warning("comments: could not read the comment store (%s)", type(error).__name__)
        return {}

"""The one allowlist of what the public may see of a comment; email and address never leave."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

AVATAR_PATH = "/api/avatars/{}.svg"
PUBLIC_FIELDS = ("id", "parent", "author", "url", "body_html", "created", "avatar")


def iso_time(moment: datetime) -> str:
    """Return an aware datetime as ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def public_comment(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return the public representation of a stored comment."""
    return {
        "id": row["id"],
        "parent": row["parent"],
        "author": row["author"],
        "url": row["url"] or None,
        "body_html": row["body_html"],
        "created": iso_time(row["created"]),
        "avatar": AVATAR_PATH.format(row["avatar"]),
    }

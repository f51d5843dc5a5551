"""The desk's audit log: who did what to which comment, when, and what it was before and after.

Every editor action writes one entry in the transaction that makes the change, so the log and
the store never disagree. CLI actions are entered as `system:<unix user>`.
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ..store import queries


def system_actor() -> str:
    """Return the actor name of a command run from the shell."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"system:{user}"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    moment: datetime,
    comment_id: int | None = None,
    thread: str | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Enter one action in the log (before/after: a status, or a dict of changed fields)."""
    queries.insert_log_entry(
        conn,
        {
            "moment": moment,
            "actor": actor,
            "action": action,
            "comment_id": comment_id,
            "thread": thread,
            "old_value": _text(before),
            "new_value": _text(after),
        },
    )

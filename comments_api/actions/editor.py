"""Editors' actions on stored comments: publish, hold, mark as spam, delete.

The desk and the CLI both act through here; each action enters the audit log (actions/audit.py)
in the transaction that makes it, under the editor's name or, from the shell, system:<user>.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from ..core.moderation import PENDING, PUBLISHED, SPAM, STATUSES
from ..extensions import get_db, now
from ..store import queries
from . import audit
from .publishing import published_changed, record

log = logging.getLogger(__name__)
# What the audit log calls giving a comment each status.
STATUS_ACTIONS = {PUBLISHED: "approve", PENDING: "hold", SPAM: "spam"}


@dataclass(frozen=True)
class Outcome:
    """What an editor's action did to one comment id."""

    comment_id: int
    thread: str | None
    before: str | None
    after: str | None

    @property
    def found(self) -> bool:
        """Return True when the comment existed."""
        return self.thread is not None


def set_status(
    app: Flask, ids: Iterable[int], status: str, actor: str | None = None
) -> list[Outcome]:
    """Give each comment `status` (published, pending or spam); report what changed.

    `actor` names who acts in the audit log (default: the system user).

    Raises:
        ValueError: for an unknown status.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")

    def change(conn: Any, row: dict) -> str:
        if row["status"] != status:
            queries.update_comment(conn, row["id"], {"status": status})
            log.info("comments: comment %s %s -> %s", row["id"], row["status"], status)
        return status

    return _apply(app, ids, change, STATUS_ACTIONS[status], actor)


def delete(app: Flask, ids: Iterable[int], actor: str | None = None) -> list[Outcome]:
    """Delete each comment (replies move up a level); report what was there."""

    def change(conn: Any, row: dict) -> None:
        queries.delete_comment(conn, row["id"])
        log.info("comments: deleted comment %s", row["id"])

    return _apply(app, ids, change, "delete", actor)


def _apply(
    app: Flask,
    ids: Iterable[int],
    change: Callable[[Any, dict], str | None],
    action: str,
    actor: str | None,
) -> list[Outcome]:
    # One transaction for the whole batch, which records the stale pages and the audit entries
    # with the change.
    outcomes = []
    actor = actor or audit.system_actor()
    with get_db(app).write() as conn:
        moment = now(app)
        for comment_id in ids:
            row = queries.get_comment(conn, comment_id)
            if row is None:
                outcomes.append(Outcome(comment_id, None, None, None))
                continue
            after = change(conn, row)
            outcomes.append(Outcome(comment_id, row["thread"], row["status"], after))
            if after != row["status"]:
                audit.record(
                    conn, actor=actor, action=action, moment=moment, comment_id=comment_id,
                    thread=row["thread"], before=row["status"], after=after,
                )  # fmt: skip
        changed = _changed_threads(outcomes)
        record(conn, changed)
    published_changed(app, changed)
    return outcomes


def _changed_threads(outcomes: Iterable[Outcome]) -> list[str]:
    return [
        o.thread
        for o in outcomes
        if o.found and o.before != o.after and PUBLISHED in (o.before, o.after)
    ]

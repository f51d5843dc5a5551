"""Editors' actions on stored comments, and the one place that announces published changes."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask

from . import storage
from .rules import PUBLISHED, STATUSES

log = logging.getLogger(__name__)


def published_changed(app: Flask, threads: Iterable[str]) -> None:
    """Call COMMENTS_ON_PUBLISH(app, thread) for each thread whose published comments changed.

    Called after the commit, whenever a comment is published (directly on posting, or
    approved), or a published comment is edited, deleted or taken down. A failing hook is
    logged and never undoes or breaks the change.
    """
    hook = app.config.get("COMMENTS_ON_PUBLISH")
    if hook is None:
        return
    for thread in sorted(set(threads)):
        try:
            hook(app, thread)
        except Exception:  # noqa: BLE001 - the comment is stored; the page catches up later
            log.exception("comments: publish hook failed for thread %s", thread)


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


def set_status(app: Flask, ids: Iterable[int], status: str) -> list[Outcome]:
    """Give each comment `status` (published, pending or spam); report what changed.

    Raises:
        ValueError: for an unknown status.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    outcomes = []
    with storage.get_db(app).write() as conn:
        for comment_id in ids:
            row = storage.get_comment(conn, comment_id)
            if row is None:
                outcomes.append(Outcome(comment_id, None, None, None))
                continue
            if row["status"] != status:
                storage.update_comment(conn, comment_id, {"status": status})
            outcomes.append(Outcome(comment_id, row["thread"], row["status"], status))
    for outcome in outcomes:
        if outcome.found and outcome.before != outcome.after:
            log.info(
                "comments: comment %s %s -> %s", outcome.comment_id, outcome.before, outcome.after
            )
    published_changed(app, _changed_threads(outcomes))
    return outcomes


def delete(app: Flask, ids: Iterable[int]) -> list[Outcome]:
    """Delete each comment (replies move up a level); report what was there."""
    outcomes = []
    with storage.get_db(app).write() as conn:
        for comment_id in ids:
            row = storage.get_comment(conn, comment_id)
            if row is None:
                outcomes.append(Outcome(comment_id, None, None, None))
                continue
            storage.delete_comment(conn, comment_id)
            outcomes.append(Outcome(comment_id, row["thread"], row["status"], None))
            log.info("comments: deleted comment %s", comment_id)
    published_changed(app, _changed_threads(outcomes))
    return outcomes


def _changed_threads(outcomes: Iterable[Outcome]) -> list[str]:
    return [
        o.thread
        for o in outcomes
        if o.found and o.before != o.after and PUBLISHED in (o.before, o.after)
    ]

"""Editors' actions on stored comments: publish, hold, spam, delete and restore, edit, reply
as the newsroom, feature; rules on commenters; opening and closing an article.

The desk, the mail links and the CLI all act through here; each action enters the audit log
(actions/audit.py) in the transaction that makes it, under the editor's name or, from the
shell, system:<user>. A change to what a page shows is recorded in the same transaction, and
the page worker brings the static page up to date after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask

from ..core.errors import ApiError
from ..core.keys import avatar_hash, keyed_hash
from ..core.moderation import BLOCK, DELETED, HOLD, PENDING, PUBLISHED, SPAM, STATUSES, TRUST
from ..core.rendering import render_body
from ..core.validation import check_field, validate_comment
from ..extensions import get_db, get_manifest, now
from ..fields import EDITABLE, STORED_INPUTS
from ..store import queries
from . import audit
from .publishing import published_changed, record

log = logging.getLogger(__name__)
# What the audit log calls giving a comment each status.
STATUS_ACTIONS = {PUBLISHED: "approve", PENDING: "hold", SPAM: "spam"}
# The longest editor's note kept with an edit.
NOTE_LIMIT = 500
# Who a staff reply is from when the build named no site.
NEWSROOM = "The editors"


@dataclass(frozen=True)
class Outcome:
    """What an editor's action did to one comment id (before and after: its status)."""

    comment_id: int
    thread: str | None
    before: str | None
    after: str | None
    # Whether the action changed anything at all (a status, a text, a flag).
    changed: bool = False

    @property
    def found(self) -> bool:
        """Return True when the comment existed."""
        return self.thread is not None


@dataclass(frozen=True)
class _Change:
    """What one action did to one row: the new values, and the audit's before and after."""

    values: dict[str, Any]
    before: Any
    after: Any


def set_status(
    app: Flask, ids: Iterable[int], status: str, actor: str | None = None
) -> list[Outcome]:
    """Give each comment `status` (published, pending or spam); report what changed.

    Any decision closes the comment's open readers' reports; a deleted comment given a
    status is restored with it. `actor` names who acts in the audit log (default: the system
    user).

    Raises:
        ValueError: for an unknown status.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")

    def change(conn: Any, row: dict) -> _Change | None:
        reports = queries.resolve_reports(conn, row["id"])
        if row["status"] == status:
            return _Change({}, {"reports": reports}, "dismissed") if reports else None
        values: dict[str, Any] = {"status": status, "deleted": None, "restore_status": None}
        if status == PUBLISHED:
            values["held_reason"] = None
        return _Change(values, row["status"], status)

    return _apply(app, ids, change, STATUS_ACTIONS[status], actor)


def delete(app: Flask, ids: Iterable[int], actor: str | None = None) -> list[Outcome]:
    """Delete each comment: it leaves every page and queue but Deleted, where it can be
    restored for COMMENTS_DELETED_DAYS; then purge_deleted removes it for good."""
    moment = now(app)

    def change(conn: Any, row: dict) -> _Change | None:
        if row["status"] == DELETED:
            return None
        queries.resolve_reports(conn, row["id"])
        values = {"status": DELETED, "deleted": moment, "restore_status": row["status"]}
        return _Change(values, row["status"], DELETED)

    return _apply(app, ids, change, "delete", actor)


def restore(app: Flask, ids: Iterable[int], actor: str | None = None) -> list[Outcome]:
    """Give each deleted comment back the status it had when it was deleted."""

    def change(conn: Any, row: dict) -> _Change | None:
        if row["status"] != DELETED:
            return None
        status = row["restore_status"] if row["restore_status"] in STATUSES else PENDING
        values = {"status": status, "deleted": None, "restore_status": None}
        return _Change(values, DELETED, status)

    return _apply(app, ids, change, "restore", actor)


def purge_deleted(app: Flask, actor: str | None = None) -> int:
    """Remove for good the comments deleted more than COMMENTS_DELETED_DAYS ago; return
    how many (their replies move up a level)."""
    cutoff = now(app) - timedelta(days=app.config["COMMENTS_DELETED_DAYS"])
    purged = 0
    actor = actor or audit.system_actor()
    while True:
        with get_db(app).write() as conn:
            ids = queries.deleted_before(conn, cutoff)
            moment = now(app)
            for comment_id in ids:
                thread = queries.get_comment(conn, comment_id)["thread"]
                queries.delete_comment(conn, comment_id)
                audit.record(
                    conn, actor=actor, action="purge", moment=moment, comment_id=comment_id,
                    thread=thread, before=DELETED,
                )  # fmt: skip
        purged += len(ids)
        if len(ids) < 500:
            break
    if purged:
        log.info("comments: purged %s comments deleted before %s", purged, cutoff.date())
    return purged


def feature(app: Flask, ids: Iterable[int], on: bool, actor: str | None = None) -> list[Outcome]:
    """Pin each comment at the top of its thread (on) or unpin it."""

    def change(conn: Any, row: dict) -> _Change | None:
        if bool(row["featured"]) == on:
            return None
        return _Change({"featured": int(on)}, {"featured": not on}, {"featured": on})

    return _apply(app, ids, change, "feature" if on else "unfeature", actor)


def edit(
    app: Flask, comment_id: int, changes: dict[str, Any], note: str, actor: str
) -> dict[str, Any]:
    """Change a comment's editable fields (text, name, website) as an editor, keeping the
    editor's note; return the stored comment. Its status stays: the editor saw the text.

    Raises:
        ApiError: 404 no such comment, 422 bad fields (errors name them), nothing changed.
    """
    note = " ".join(note.split())[:NOTE_LIMIT]
    result: dict[str, Any] = {}

    def change(conn: Any, row: dict) -> _Change | None:
        merged = {f.name: row[f.name] for f in STORED_INPUTS}
        merged.update({name: changes[name] for name in EDITABLE if name in changes})
        submission, errors = validate_comment(merged)
        if errors:
            raise ApiError(422, "The comment was not changed.", errors=errors, values=changes)
        before = {n: row[n] for n in EDITABLE if row[n] != submission[n]}
        if not before:
            raise ApiError(422, "Nothing was changed.", errors={"body": "Change something first."},
                           values=changes)  # fmt: skip
        after = {n: submission[n] for n in before}
        values = {**after, "editor_note": note or None, "edited_by": actor, "modified": now(app)}
        if "body" in after:
            values["body_html"] = render_body(after["body"])
        result.update(row, **values)
        return _Change(values, before, {**after, "note": note})

    outcomes = _apply(app, [comment_id], change, "edit", actor)
    if not outcomes[0].found:
        raise ApiError(404, "There is no such comment.")
    return result


def reply(app: Flask, parent_id: int, body: str, actor: str) -> dict[str, Any]:
    """Publish a reply from the newsroom (with the site's name and a Staff badge) to a
    published comment; return the stored reply.

    Raises:
        ApiError: 404 no such published comment, 422 an empty or too long text.
    """
    text, message = check_field("body", body)
    if message:
        raise ApiError(422, "The reply was not posted.", errors={"body": message},
                       values={"body": body})  # fmt: skip
    secret = app.config["COMMENTS_SECRET_KEY"]
    author = get_manifest(app, required=False).site_name or NEWSROOM
    with get_db(app).write() as conn:
        parent = queries.get_comment(conn, parent_id)
        if parent is None or parent["status"] != PUBLISHED:
            raise ApiError(404, "Replies go to published comments only.")
        moment = now(app)
        row = queries.new_row(
            {
                "thread": parent["thread"],
                "parent": parent_id,
                "status": PUBLISHED,
                "author": author[:245],
                "email": "",
                "email_key": "",
                "url": "",
                "body": text,
                "body_html": render_body(text),
                "created": moment,
                "modified": None,
                "address_hash": keyed_hash(secret, "desk", actor),
                "avatar": avatar_hash(secret, "staff"),
                "held_reason": None,
                "staff": 1,
                "edited_by": actor,
            }
        )
        row["id"] = queries.insert_comment(conn, row)
        audit.record(
            conn, actor=actor, action="reply", moment=moment, comment_id=row["id"],
            thread=row["thread"], after={"parent": parent_id, "body": row["body"]},
        )  # fmt: skip
        record(conn, [row["thread"]])
    log.info("comments: staff reply %s by %s on %s", row["id"], actor, row["thread"])
    published_changed(app, [row["thread"]])
    return row


# The rules each desk action on a commenter sets, and by what: an email can be typed by
# anyone, so blocking also covers the address the comment came from.
COMMENTER_ACTIONS = {
    "trust": (TRUST, ("email",)),
    "always-hold": (HOLD, ("email",)),
    "block": (BLOCK, ("email", "address")),
    "clear-rule": (None, ("email", "address")),
}


def rule_commenter(
    app: Flask, ids: Iterable[int], action: str, actor: str | None = None
) -> list[Outcome]:
    """Apply a standing decision to the commenter of each comment: trust (publish their
    comments directly, and this one now), always hold, block (this comment and later ones
    become spam, silently) or clear the rule.

    Raises:
        ValueError: for an unknown action.
    """
    rule, kinds = COMMENTER_ACTIONS[action]
    moment = now(app)
    actor = actor or audit.system_actor()

    def change(conn: Any, row: dict) -> _Change | None:
        if row["staff"] or row["status"] == DELETED:
            return None
        keys = {"email": row["email_key"], "address": row["address_hash"]}
        for kind in kinds:
            queries.set_commenter_rule(conn, kind, keys[kind], rule, actor, moment)
        status = {TRUST: PUBLISHED, BLOCK: SPAM}.get(rule, row["status"])
        if rule == TRUST and row["status"] == SPAM:
            status = row["status"]
        values = {"status": status} if status != row["status"] else {}
        return _Change(values, row["status"], {"rule": rule or "none", "status": status})

    return _apply(app, ids, change, action, actor)


def set_thread_open(app: Flask, thread: str, is_open: bool, actor: str | None = None) -> bool:
    """Open or close comments on an article, over what the article itself says; return
    whether it changed. The article's page follows (the form comes or goes)."""
    actor = actor or audit.system_actor()
    with get_db(app).write() as conn:
        before = queries.thread_rules_of(conn, [thread]).get(thread)
        if before is is_open:
            return False
        moment = now(app)
        queries.set_thread_rule(conn, thread, is_open, actor, moment)
        audit.record(
            conn, actor=actor, action="open" if is_open else "close", moment=moment,
            thread=thread, before=None if before is None else ("open" if before else "closed"),
            after="open" if is_open else "closed",
        )  # fmt: skip
        record(conn, [thread])
    published_changed(app, [thread])
    return True


def _apply(
    app: Flask,
    ids: Iterable[int],
    change: Callable[[Any, dict], _Change | None],
    action: str,
    actor: str | None,
) -> list[Outcome]:
    # One transaction for the whole batch, which records the stale pages and the audit entries
    # with the change.
    outcomes = []
    stale: set[str] = set()
    actor = actor or audit.system_actor()
    with get_db(app).write() as conn:
        moment = now(app)
        for comment_id in ids:
            row = queries.get_comment(conn, comment_id)
            if row is None:
                outcomes.append(Outcome(comment_id, None, None, None))
                continue
            done = change(conn, row)
            if done is None:
                outcomes.append(Outcome(comment_id, row["thread"], row["status"], row["status"]))
                continue
            if done.values:
                queries.update_comment(conn, comment_id, done.values)
            after = done.values.get("status", row["status"])
            outcomes.append(Outcome(comment_id, row["thread"], row["status"], after, True))
            if PUBLISHED in (row["status"], after) and (row["status"] != after or done.values):
                stale.add(row["thread"])
            audit.record(
                conn, actor=actor, action=action, moment=moment, comment_id=comment_id,
                thread=row["thread"], before=done.before, after=done.after,
            )  # fmt: skip
            log.info("comments: %s comment %s (%s -> %s)", action, comment_id, row["status"], after)
        record(conn, stale)
    published_changed(app, stale)
    return outcomes

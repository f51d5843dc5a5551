"""A commenter's actions: post a comment, then edit or delete it while the edit token is valid."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from ..bake.manifest import Thread
from ..core.errors import ApiError
from ..core.keys import avatar_hash
from ..core.moderation import (
    BLOCK,
    HOLD,
    PENDING,
    PUBLISHED,
    SPAM,
    TRUST,
    Policy,
    decide_status,
    status_after_edit,
)
from ..core.rendering import render_body
from ..core.tokens import (
    TokenError,
    check_token,
    make_commenter_token,
    make_token,
    proves_commenter,
)
from ..core.validation import Submission, validate_comment
from ..extensions import get_db, get_manifest, now
from ..fields import EDITABLE, FIXED, LABELS, STORED_INPUTS, TEXT_KINDS, iso_time, public_view
from ..store import queries
from . import mail
from .publishing import published_changed, record

log = logging.getLogger(__name__)
FLOOD_MESSAGE = "You are posting comments too quickly."
# What a reader asking for a comment that is not theirs is told, whatever the reason: no
# such comment, held, someone else's, or the edit time over.
NOT_YOURS = "No comment of yours is here, or the time to change it has passed."
# Screened for moderation words besides the body (thread and parent are not text).
SCREENED = tuple(f.name for f in STORED_INPUTS if f.kind in TEXT_KINDS and f.name != "body")


@dataclass(frozen=True)
class Posted:
    """A stored comment, as the request that created it describes it."""

    row: dict[str, Any]
    status: str
    # None when the edit window is off: no edit token is handed out at all.
    token: str | None
    edit_until: datetime | None
    thread_url: str
    # Proof for this browser's next comments that it posted as this email.
    commenter_token: str
    # The page-update change that will show it (None while it is held).
    change: int | None = None


def policy(app: Flask) -> Policy:
    """Return the moderation settings of `app`."""
    config = app.config
    return Policy(
        moderation=config["COMMENTS_MODERATION"],
        max_links=config["COMMENTS_MAX_LINKS"],
        moderation_words=config["COMMENTS_MODERATION_WORDS"],
        disallowed_words=config["COMMENTS_DISALLOWED_WORDS"],
    )


def public_status(status: str) -> str:
    """Return the status a commenter is told: spam looks like any held comment."""
    return "pending" if status == SPAM else status


def wait_words(seconds: int) -> str:
    """Return a wait as a reader reads it: "1 second", "40 seconds", "2 minutes"."""
    if seconds < 60:
        return f"{seconds} second" + ("" if seconds == 1 else "s")
    minutes = -(-seconds // 60)
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def please_wait(seconds: int, doing: str = "posting") -> str:
    """Return the sentence that tells a client how long to wait (from its Retry-After)."""
    return f"Please wait {wait_words(seconds)} before {doing} again."


def _screened(submission: Submission) -> dict[str, str]:
    return {name: submission[name] for name in SCREENED}


def _check_thread(app: Flask, submission: Submission, values: dict[str, Any]) -> Thread:
    thread = get_manifest(app).threads.get(submission["thread"])
    if thread is None:
        raise ApiError(
            422,
            "This article does not take comments.",
            errors={"thread": "There is no article with comments at this address."},
            values=values,
        )
    return thread


def _check_open(thread: Thread, desk_word: bool | None, moment: datetime, values: dict) -> None:
    # The desk's word (an admin closed or reopened the article) over the article's own.
    if not thread.state.with_desk_word(desk_word).is_open(moment):
        raise ApiError(
            403, "Comments are closed.", errors={"thread": "Comments are closed."}, values=values
        )


def commenter_rule(by_email: str | None, by_address: str | None, proven: bool) -> str | None:
    """Return the editors' rule that applies to a post: a block on the email or the address,
    else a hold on the email, else trust in the email when this browser proved it."""
    if BLOCK in (by_email, by_address):
        return BLOCK
    if by_email == HOLD:
        return HOLD
    return TRUST if by_email == TRUST and proven else None


def create(
    app: Flask,
    submission: Submission,
    address_hash: str,
    values: dict,
    commenter_token: str | None = None,
) -> Posted:
    """Store a new comment and return it as stored.

    The parent, duplicate and flood checks and the insert run in one serialised
    transaction, so concurrent posts cannot both slip past a check, and the answer is
    built from this transaction's own insert.

    No answer tells this client anything about other people's comments: a refusal (409
    duplicate, 429 too fast) only ever concerns this client's own earlier posts. The same
    text or a burst under the same email from elsewhere is held for an editor, which looks
    like any first comment. Skipping moderation as a returning commenter needs the commenter
    token this browser got with an earlier comment from that email, not the email alone.

    Raises:
        ApiError: 422 unknown thread or bad parent, 403 closed, 409 duplicate, 429 flood.
    """
    thread = _check_thread(app, submission, values)
    body_html = render_body(submission["body"])
    email_key = submission["email"].lower()
    flood = app.config["COMMENTS_FLOOD_SECONDS"]
    secret = app.config["COMMENTS_SECRET_KEY"]
    with get_db(app).write() as conn:
        moment = now(app)
        body = submission["body"]
        checks = queries.post_checks(
            conn, thread.slug, body, address_hash=address_hash, email_key=email_key
        )
        _check_open(thread, checks.desk_word, moment, values)
        if submission["parent"] is not None:
            parent = queries.get_comment(conn, submission["parent"])
            if not parent or parent["status"] != PUBLISHED or parent["thread"] != thread.slug:
                raise ApiError(
                    422,
                    "The comment replied to is not on this article.",
                    errors={"parent": "Reply to a published comment of this article."},
                    values=values,
                )
        if checks.same_by_client:
            raise ApiError(409, "Duplicate comment: you have already said that.", values=values)
        held = "the same text came from this email before" if checks.same_by_email else None
        if flood:
            since = moment - timedelta(seconds=flood)
            latest, by_email = queries.latest_since(
                conn, since, address_hash=address_hash, email_key=email_key
            )
            if latest is not None:
                wait = max(1, int((latest + timedelta(seconds=flood) - moment).total_seconds()) + 1)
                raise ApiError(
                    429,
                    f"{FLOOD_MESSAGE} {please_wait(wait)}",
                    headers={"Retry-After": str(wait)},
                    values=values,
                )
            if by_email is not None:
                held = held or "this email posted moments ago from elsewhere"
        proven = proves_commenter(secret, commenter_token, email_key)
        status, reason = decide_status(
            policy(app),
            body=body,
            returning=proven and queries.has_published(conn, email_key),
            rule=commenter_rule(checks.email_rule, checks.address_rule, proven),
            **_screened(submission),
        )
        if held and status == PUBLISHED:
            status, reason = PENDING, held
        row = queries.new_row(
            {
                **submission,
                "status": status,
                "email_key": email_key,
                "body_html": body_html,
                "created": moment,
                "modified": None,
                "address_hash": address_hash,
                "avatar": avatar_hash(secret, email_key),
                "held_reason": None if status == PUBLISHED else reason[:200],
            }
        )
        row["id"] = queries.insert_comment(conn, row)
        change = record(conn, [row["thread"]]) if status == PUBLISHED else None
        if status == PENDING:
            mail.queue_notice(conn, app, mail.HELD, row["id"])
    log.info(
        "comments: stored comment %s on %s as %s (%s)", row["id"], row["thread"], status, reason
    )
    if status == PUBLISHED:
        published_changed(app, [row["thread"]])
    edit_seconds = app.config["COMMENTS_EDIT_SECONDS"]
    return Posted(
        row=row,
        status=public_status(status),
        token=make_token(secret, row["id"], moment) if edit_seconds else None,
        edit_until=moment + timedelta(seconds=edit_seconds) if edit_seconds else None,
        thread_url=thread.url,
        commenter_token=make_commenter_token(secret, email_key),
        change=change,
    )


def _authorised_row(conn, app: Flask, comment_id: int, token: str | None) -> dict[str, Any]:
    row = queries.get_comment(conn, comment_id)
    if row is None:
        raise ApiError(404, "There is no such comment.")
    try:
        check_token(
            app.config["COMMENTS_SECRET_KEY"],
            token,
            comment_id,
            row["created"],
            app.config["COMMENTS_EDIT_SECONDS"],
            now(app),
        )
    except TokenError as error:
        raise ApiError(403, str(error)) from None
    return row


def _editable_message() -> str:
    names = [LABELS[name].lower() for name in EDITABLE]
    return f"Only the {', '.join(names[:-1])} and {names[-1]} can be changed."


def edit(app: Flask, comment_id: int, token: str | None, changes: dict[str, Any]) -> dict:
    """Apply the author's changes to the editable fields and return the stored comment.

    Raises:
        ApiError: 404 unknown, 403 not the author or too late, 422 bad or unchangeable fields.
    """
    fixed = sorted(set(changes) & set(FIXED))
    if fixed:
        raise ApiError(
            422,
            _editable_message(),
            errors={name: "This cannot be changed." for name in fixed},
        )
    with get_db(app).write() as conn:
        row = _authorised_row(conn, app, comment_id, token)
        old_status = row["status"]
        merged = {f.name: row[f.name] for f in STORED_INPUTS}
        merged.update({name: changes[name] for name in EDITABLE if name in changes})
        submission, errors = validate_comment(merged)
        if errors:
            raise ApiError(422, "The comment was not changed.", errors=errors)
        fields = {name: submission[name] for name in EDITABLE}
        rules = policy(app)
        status = status_after_edit(
            rules, row["status"], body=submission["body"], **_screened(submission)
        )
        if status == PUBLISHED and rules.moderation != "none":
            # A published comment was let through by an editor or by the rules; its new text
            # has not been, so it waits for an editor again.
            status = PENDING
        update: dict[str, Any] = {}
        if status == PENDING and old_status == PUBLISHED:
            update["held_reason"] = "edited after approval"
        update = {
            **update,
            **fields,
            "body_html": render_body(submission["body"]),
            "status": status,
            "modified": now(app),
        }
        queries.update_comment(conn, comment_id, update)
        row.update(update)
        if PUBLISHED in (status, old_status):
            record(conn, [row["thread"]])
        if status == PENDING and old_status == PUBLISHED:
            mail.queue_notice(conn, app, mail.HELD, comment_id)
    log.info("comments: comment %s edited by its author", comment_id)
    if PUBLISHED in (status, old_status):
        published_changed(app, [row["thread"]])
    return row


def own(app: Flask, comment_id: int, token: str | None) -> dict[str, Any]:
    """Return the author's own comment, whatever its status, to the holder of its edit token
    within the edit window.

    Raises:
        ApiError: 404 with the same message for everyone else, so that nobody learns
            whether a comment exists, is held or is someone else's.
    """
    with get_db(app).read() as conn:
        try:
            return _authorised_row(conn, app, comment_id, token)
        except ApiError:
            raise ApiError(404, NOT_YOURS) from None


def own_view(row: dict[str, Any], edit_seconds: int) -> dict[str, Any]:
    """Return what its author sees of their own comment: the public comment, the status they
    are told, the text as typed (to edit it) and the end of the edit window."""
    return {
        **public_view(row),
        "thread": row["thread"],
        "status": public_status(row["status"]),
        "body": row["body"],
        "edit_until": iso_time(row["created"] + timedelta(seconds=edit_seconds)),
    }


def remove(app: Flask, comment_id: int, token: str | None) -> dict[str, Any]:
    """Delete a comment at its author's request and return it as it was.

    Raises:
        ApiError: 404 unknown, 403 not the author or too late.
    """
    with get_db(app).write() as conn:
        row = _authorised_row(conn, app, comment_id, token)
        queries.delete_comment(conn, comment_id)
        if row["status"] == PUBLISHED:
            record(conn, [row["thread"]])
    log.info("comments: comment %s deleted by its author", comment_id)
    if row["status"] == PUBLISHED:
        published_changed(app, [row["thread"]])
    return row

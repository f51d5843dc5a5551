"""A reader's report of a published comment: counted once per client, never telling who.

A comment with COMMENTS_REPORTS_TO_HIDE open reports leaves the page and waits in the desk's
Reported queue (held, with the reason "readers' reports") until an editor decides; any
decision closes its reports (actions/editor.py).
"""

from __future__ import annotations

import logging

from flask import Flask

from ..core.errors import ApiError
from ..core.moderation import PENDING, PUBLISHED
from ..extensions import get_db, now
from ..store import queries
from . import mail
from .publishing import published_changed, record

log = logging.getLogger(__name__)
# What a reader may say is wrong, in the form's order.
REASONS = {
    "spam": "Spam or advertising",
    "abuse": "Abusive, hateful or threatening",
    "personal": "Shares someone's personal information",
    "off-topic": "Off topic",
    "other": "Something else",
}
NOTE_LIMIT = 500
HIDDEN_REASON = "readers' reports"


def check_report(reason: object, note: object) -> tuple[str, str]:
    """Return the report's reason and note, cleaned.

    Raises:
        ApiError: 422 naming the field when the reason is not one of REASONS or the note is
            too long.
    """
    values = {"reason": reason if isinstance(reason, str) else "",
              "note": note if isinstance(note, str) else ""}  # fmt: skip
    if values["reason"] not in REASONS:
        raise ApiError(422, "Please say what is wrong with this comment.",
                       errors={"reason": "Choose one of the reasons."}, values=values)  # fmt: skip
    clean = " ".join(values["note"].split())
    if len(clean) > NOTE_LIMIT:
        raise ApiError(422, "Please shorten your note.",
                       errors={"note": f"At most {NOTE_LIMIT} characters."},
                       values=values)  # fmt: skip
    return values["reason"], clean


def report(app: Flask, comment_id: int, key_hash: str, reason: str, note: str) -> None:
    """Count one client's report of a published comment; hide the comment once it has
    COMMENTS_REPORTS_TO_HIDE open reports. A second report from the same client changes
    nothing and is answered alike.

    Raises:
        ApiError: 404 when no published comment has this id (held ones look the same).
    """
    hide_at = app.config["COMMENTS_REPORTS_TO_HIDE"]
    hidden = False
    with get_db(app).write() as conn:
        row = queries.get_comment(conn, comment_id)
        if row is None or row["status"] != PUBLISHED:
            raise ApiError(404, "There is no such comment.")
        moment = now(app)
        new = queries.add_report(
            conn,
            {"comment_id": comment_id, "key_hash": key_hash, "reason": reason, "note": note,
             "moment": moment},
        )  # fmt: skip
        if not new:
            return
        count = queries.open_report_count(conn, comment_id)
        if hide_at and count >= hide_at and not row["staff"]:
            queries.update_comment(
                conn, comment_id, {"status": PENDING, "held_reason": f"{HIDDEN_REASON} ({count})"}
            )
            record(conn, [row["thread"]])
            hidden = True
        mail.queue_notice(conn, app, mail.REPORTED, comment_id)
    log.info("comments: comment %s reported (%s)%s", comment_id, reason,
             "; taken off the page" if hidden else "")  # fmt: skip
    if hidden:
        published_changed(app, [row["thread"]])

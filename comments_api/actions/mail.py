"""Mail to moderators: a held comment or a reader's report queues a notice in the outbox.

Queuing is one insert in the transaction of the change that caused it, so a notice is stored
exactly when its comment or report is, and costs a post no network: the mail worker
(actions/mail_worker.py) composes and sends it later, off the request path.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Connection

from ..core.notices import HELD, REPORTED, digest_due
from ..extensions import now
from ..store import mail as outbox

__all__ = ["EVENTS", "HELD", "REPORTED", "WORKER", "mail_on", "queue_notice"]

# What a notice is about: HELD (a comment held for moderation) or REPORTED (by readers).
EVENTS = (HELD, REPORTED)
# Where an app keeps its mail worker (app.extensions).
WORKER = "comments_mail_worker"


def mail_on(app: Flask) -> bool:
    """Return True when the app sends mail to moderators (load_config checked that the
    server, the sender and the moderators are all set when one is)."""
    return bool(app.config.get("COMMENTS_SMTP_HOST") and app.config.get("COMMENTS_MAIL_TO"))


def queue_notice(conn: Connection, app: Flask, event: str, comment_id: int) -> None:
    """Queue a notice to the moderators about `comment_id`, in the caller's writing
    transaction (so it is stored with the change that caused it).

    Does nothing when mail is off; a notice of the same comment and event still waiting is not
    queued twice.

    Raises:
        ValueError: for an event that is not one of EVENTS.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown mail notice {event!r}")
    if not mail_on(app):
        return
    moment = now(app)
    added = outbox.add_notices(
        conn,
        event=event,
        comment_id=comment_id,
        recipients=app.config["COMMENTS_MAIL_TO"],
        created=moment,
        next_try=digest_due(moment, app.config["COMMENTS_MAIL_DIGEST"]),
    )
    worker = app.extensions.get(WORKER)
    if added and worker is not None:
        # The worker looks a moment later (this transaction commits first) rather than at
        # its next poll.
        worker.wake()

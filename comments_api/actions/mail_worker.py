"""The sender of the moderators' mail: takes due notices from the outbox, reads each comment
as it is now, and hands one mail per moderator (per notice, or per digest) to the SMTP server.

It runs off the request path, as a thread of each service process (started by its first
request, as the page worker is), or, where COMMENTS_PAGE_WORKER=off, in the
`comments-api update-pages` process. Several may run at once: each takes its rows in a
writing transaction, so a notice is sent by one of them. A failed try (an SMTP error, a
refused login, a server that does not answer within COMMENTS_SMTP_TIMEOUT) leaves the rows in
the outbox and tries again after 1 minute, doubling up to an hour; a restart loses nothing.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Connection

from ..bake.manifest import Manifest
from ..core.mail_links import APPROVE, SPAM, make_link_token
from ..core.moderation import DELETED, PENDING
from ..core.moderation import SPAM as SPAM_STATUS
from ..core.notices import HELD, REPORTED, Notice, compose, retry_wait
from ..extensions import get_db, get_manifest, now, site_url
from ..store import mail as outbox
from ..store import queries
from .background import BackgroundWorker
from .mail import WORKER, mail_on
from .reports import REASONS

log = logging.getLogger(__name__)
# Rows one round takes at most; the next round takes the rest.
BATCH = 200
# Sent and dropped rows are kept this long (what went out, and when), then deleted.
KEEP_SENT = timedelta(days=30)
PURGE_EVERY = 3600.0
# How long after a wake-up the worker looks: the notice's transaction commits first.
WAKE_DELAY = 0.2
SITE_NAME = "News site"
QUEUES = {HELD: "pending", REPORTED: "reported"}


@dataclass(frozen=True)
class Batch:
    """One mail to send: its outbox rows, its moderator and its notices."""

    ids: tuple[int, ...]
    recipient: str
    attempts: int
    notices: tuple[Notice, ...]


def get_mail_worker(app: Flask) -> MailWorker:
    """Return the mail worker of `app`, attached by create_app."""
    return app.extensions[WORKER]


def _absolute(site: str | None, path: str) -> str:
    return f"{(site or '').rstrip('/')}/{path.lstrip('/')}"


def read_notice(
    app: Flask, conn: Connection, row: dict[str, Any], manifest: Manifest, moment: datetime
) -> Notice | None:
    """Return the notice of an outbox row, from its comment as it is now; None when the
    comment waits for no one any more (gone, decided, or its reports closed)."""
    comment = queries.get_comment(conn, row["comment_id"])
    if comment is None or comment["status"] in (DELETED, SPAM_STATUS):
        return None
    reports: tuple[tuple[str, str], ...] = ()
    if row["event"] == HELD and comment["status"] != PENDING:
        return None
    if row["event"] == REPORTED:
        found = queries.open_reports(conn, [comment["id"]]).get(comment["id"], [])
        if not found:
            return None
        reports = tuple((REASONS.get(r["reason"], r["reason"]), r["note"]) for r in found)
    site = site_url(app)
    thread = manifest.threads.get(comment["thread"])
    secret = app.config["COMMENTS_SECRET_KEY"]
    until = moment + timedelta(hours=app.config["COMMENTS_MAIL_LINK_HOURS"])

    def link(action: str) -> str:
        return _absolute(site, f"desk/mail/{make_link_token(secret, comment['id'], action, until)}")

    return Notice(
        event=row["event"],
        comment_id=comment["id"],
        article_title=(thread.title if thread else "") or comment["thread"],
        article_url=_absolute(site, thread.url) + f"#comment-{comment['id']}" if thread else "",
        author=comment["author"],
        website=comment["url"],
        posted=comment["created"],
        held_reason=comment["held_reason"] or "",
        reports=reports,
        text=comment["body"],
        approve_url=link(APPROVE),
        spam_url=link(SPAM),
        queue_url=_absolute(site, f"desk/{QUEUES[row['event']]}"),
        links_until=until,
    )


def read_batches(
    app: Flask, conn: Connection, rows: list[dict[str, Any]], moment: datetime
) -> tuple[list[Batch], list[int]]:
    """Return the mails that the taken rows make (one per row, or per moderator in digest
    mode) and the ids of the rows whose comment waits for no one."""
    manifest = get_manifest(app, required=False)
    digest = app.config["COMMENTS_MAIL_DIGEST"] != "off"
    groups: dict[Any, list[tuple[dict, Notice]]] = {}
    dropped = []
    for row in rows:
        notice = read_notice(app, conn, row, manifest, moment)
        if notice is None:
            dropped.append(row["id"])
            continue
        key = row["recipient"] if digest else row["id"]
        groups.setdefault(key, []).append((row, notice))
    batches = [
        Batch(
            ids=tuple(r["id"] for r, _ in group),
            recipient=group[0][0]["recipient"],
            attempts=max(r["attempts"] for r, _ in group),
            notices=tuple(n for _, n in group),
        )
        for group in groups.values()
    ]
    return batches, dropped


def describe(error: BaseException) -> str:
    """Return what went wrong with a try, as the outbox keeps it (no password in it)."""
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return f"{error.smtp_code} {' '.join(text.split())}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in error.recipients.values()})
        return f"recipient refused ({', '.join(codes)})"
    if isinstance(error, TimeoutError):
        return "the mail server did not answer in time"
    return f"{type(error).__name__}: {' '.join(str(error).split())}"


def _log_kind(error: BaseException) -> str:
    # The log gets the kind and code only: a server's reply may quote an address.
    if isinstance(error, smtplib.SMTPResponseException):
        return f"SMTP {error.smtp_code}"
    if isinstance(error, TimeoutError):
        return "timed out"
    return type(error).__name__


def connect(config: dict[str, Any]) -> smtplib.SMTP:
    """Return a connection to the configured mail server, secured and logged in.

    Raises:
        smtplib.SMTPException, OSError: when it cannot be had within the timeout.
    """
    host, port = config["COMMENTS_SMTP_HOST"], config["COMMENTS_SMTP_PORT"]
    timeout, security = config["COMMENTS_SMTP_TIMEOUT"], config["COMMENTS_SMTP_SECURITY"]
    if security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    try:
        server.ehlo()
        if security == "starttls":
            # Raises SMTPNotSupportedError when the server offers no STARTTLS: no mail leaves
            # in clear when encryption was asked for.
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if config["COMMENTS_SMTP_USER"]:
            server.login(config["COMMENTS_SMTP_USER"], config["COMMENTS_SMTP_PASSWORD"])
    except BaseException:
        server.close()
        raise
    return server


class MailWorker(BackgroundWorker):
    """Sends the due notices of one app: now (`send_due`) or from a background thread."""

    THREAD_NAME = "comments-mail-worker"

    @classmethod
    def attach(cls, app: Flask) -> MailWorker:
        """Give `app` its mail worker and return it."""
        worker = app.extensions[WORKER] = cls(app)
        return worker

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        self.enabled = mail_on(app)
        # COMMENTS_PAGE_WORKER=off: the service's processes leave the sending to update-pages.
        self.in_service = app.config["COMMENTS_PAGE_WORKER"] != "off"
        self.poll = app.config["COMMENTS_PAGE_POLL"]
        self._run_lock = threading.Lock()
        self._purged_at: float | None = None

    def wake(self) -> None:
        """Ask the thread to look at the outbox now rather than at its next poll."""
        self._woken.set()

    # The work -----------------------------------------------------------------------------

    def send_due(self, app: Flask | None = None) -> int:
        """Send every notice due now; return how many mails the server took.

        A failed try leaves its rows in the outbox, due again after the backoff.
        """
        app = app or self._app()
        if app is None or not mail_on(app):
            return 0
        with self._run_lock:
            sent = 0
            while True:
                done, more = self._round(app)
                sent += done
                if not more:
                    return sent

    def _round(self, app: Flask) -> tuple[int, bool]:
        config = app.config
        db = get_db(app)
        moment = now(app)
        # Taken rows stay this sender's while a try can last (each SMTP step is bounded by
        # the timeout); a sender that dies leaves them to the next after that.
        hold = timedelta(seconds=config["COMMENTS_SMTP_TIMEOUT"] * 8 + 60)
        # Every process looks every poll: a read, so an idle outbox never takes the write lock.
        with db.read() as conn:
            if not outbox.any_due(conn, moment):
                return 0, False
        with db.write() as conn:
            rows = outbox.claim_due(conn, moment, moment + hold, BATCH)
        if not rows:
            return 0, False
        with db.read() as conn:
            batches, dropped = read_batches(app, conn, rows, moment)
        if dropped:
            with db.write() as conn:
                outbox.mark_dropped(conn, dropped, now(app), "the comment waits for no one now")
        sent = 0
        server: smtplib.SMTP | None = None
        try:
            for index, batch in enumerate(batches):
                try:
                    if server is None:
                        server = connect(config)
                    message = compose(
                        get_manifest(app, required=False).site_name or SITE_NAME,
                        config["COMMENTS_MAIL_FROM"], batch.recipient, batch.notices, now(app),
                    )  # fmt: skip
                    server.send_message(
                        message, from_addr=config["COMMENTS_MAIL_FROM"], to_addrs=[batch.recipient]
                    )
                except (smtplib.SMTPException, OSError) as error:
                    connected = server is not None
                    self._close(server)
                    server = None
                    # The server could not be reached: the rest of this round fails alike.
                    failed = [batch] if connected else batches[index:]
                    self._failed(app, failed, error)
                    if not connected:
                        break
                    continue
                with db.write() as conn:
                    outbox.mark_sent(conn, batch.ids, now(app))
                sent += 1
                log.info(
                    "comments: mail about comments %s sent (outbox %s)",
                    ", ".join(str(n.comment_id) for n in batch.notices),
                    ", ".join(map(str, batch.ids)),
                )
        finally:
            self._close(server)
        return sent, len(rows) == BATCH

    def _failed(self, app: Flask, batches: list[Batch], error: BaseException) -> None:
        with get_db(app).write() as conn:
            for batch in batches:
                wait = retry_wait(batch.attempts + 1)
                outbox.mark_failed(
                    conn, batch.ids, now(app) + timedelta(seconds=wait), describe(error)
                )
        for batch in batches:
            log.warning(
                "comments: mail of outbox %s not sent (%s); trying again in %.0f s",
                ", ".join(map(str, batch.ids)), _log_kind(error), retry_wait(batch.attempts + 1),
            )  # fmt: skip

    @staticmethod
    def _close(server: smtplib.SMTP | None) -> None:
        if server is None:
            return
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()

    def _purge(self, app: Flask, moment: float) -> None:
        if self._purged_at is not None and moment - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = moment
        with get_db(app).write() as conn:
            outbox.purge_sent(conn, now(app) - KEEP_SENT)

    # The background thread ----------------------------------------------------------------

    def ensure_started(self, *, here: bool = False) -> None:
        """Start this process's mail thread, once per process (a forked worker too), when
        mail is on; `here` starts it also where COMMENTS_PAGE_WORKER=off (update-pages)."""
        if self.enabled and (self.in_service or here):
            self.start_thread()

    def serve(self) -> None:
        """Send due notices until stopped: at once, after each wake-up and every poll."""
        while not self._stopped.is_set():
            app = self._app()
            if app is None:
                return
            try:
                self.send_due(app)
                self._purge(app, time.monotonic())
            except Exception:  # a store that is down: the next round tries again
                log.exception("comments: mail worker round failed")
            del app
            if self._woken.wait(self.poll):
                self._woken.clear()
                self._stopped.wait(WAKE_DELAY)

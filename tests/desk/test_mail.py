"""Mail to moderators, end to end against a real SMTP server (aiosmtpd on loopback): a held or
reported comment is mailed with its text, its reason and signed links; the links show the
comment without changing it and act only when their button is pressed; a slow, failing or
hanging mail server never fails a post, and nothing queued is lost."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from comments_api.actions import mail, reports
from comments_api.actions.mail_worker import MailWorker, get_mail_worker
from comments_api.core.mail_links import make_link_token
from comments_api.core.moderation import PENDING, PUBLISHED, SPAM
from comments_api.extensions import get_db, now
from comments_api.store import mail as outbox
from comments_api.store import queries
from tests.api.conftest import postgres_server, postgres_url
from tests.support import (
    EMAIL,
    SECRET,
    SITE,
    THREAD,
    LiveServer,
    comment,
    free_port,
    write_manifest,
)

# The PostgreSQL server's fixtures, for the test on that store.
__all__ = ["postgres_server", "postgres_url"]

SITE_NAME = "The Alden Courier"
SENDER = "desk@news.example.org"
MODERATORS = ("ada.moderator@example.net", "bo.moderator@example.net")
LINK = re.compile(r"^(Approve|Spam):\s+(\S+)$", re.M)


@dataclass(frozen=True)
class Received:
    """One mail as the SMTP server took it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage

    @property
    def text(self) -> str:
        """Return the plain-text body."""
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    def links(self) -> dict[str, str]:
        """Return the mail's approve and spam links by name."""
        return {name.lower(): url for name, url in LINK.findall(self.text)}


class Inbox:
    """An aiosmtpd handler that keeps every mail, or answers DATA with the next of `replies`."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.replies: list[str] = []
        self.tries = 0

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        if self.replies:
            return self.replies.pop(0)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, parsed)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    """Yield (port, inbox) of an SMTP server on 127.0.0.1."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
def silent_port():
    """Yield the port of a socket that takes connections and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        # Never accepted: the kernel completes each connection, and nothing answers.
        sock.listen(16)
        yield sock.getsockname()[1]


@pytest.fixture
def manifest(tmp_path):
    """Return a manifest like the build's, with the site's name."""
    path = write_manifest(tmp_path / "output" / "comments" / "threads.json")
    data = json.loads(path.read_text())
    data["site_name"] = SITE_NAME
    path.write_text(json.dumps(data))
    return path


def mail_settings(port: int, **changes: str) -> dict[str, str]:
    """Return the settings of an app that mails MODERATORS through 127.0.0.1:`port`; no
    background thread (COMMENTS_PAGE_WORKER=off) unless changed."""
    return {
        "COMMENTS_SMTP_HOST": "127.0.0.1",
        "COMMENTS_SMTP_PORT": str(port),
        "COMMENTS_SMTP_SECURITY": "none",
        "COMMENTS_SMTP_TIMEOUT": "5",
        "COMMENTS_MAIL_FROM": SENDER,
        "COMMENTS_MAIL_TO": ", ".join(MODERATORS),
        "COMMENTS_MODERATION": "all",
        "COMMENTS_PAGE_WORKER": "off",
        "COMMENTS_PAGE_POLL": "0.05",
        **changes,
    }


def wait_until(condition, timeout: float = 30.0, what: str = "the condition"):
    """Wait for `condition()` to be true (generous deadline: the machine may be busy)."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return result


def store_comment(app, event: str = mail.HELD, **fields) -> int:
    """Store a comment as the service would (held unless `status` says otherwise) and queue
    its notice in the same transaction; return its id."""
    values = {
        "thread": THREAD, "parent": None, "status": PENDING, "author": "Ada Reader",
        "email": EMAIL, "email_key": EMAIL.lower(), "url": "https://ada.example.org/",
        "body": "A fair report.\n\nBut the second paragraph matters.", "body_html": "<p>x</p>",
        "created": now(app), "modified": None, "address_hash": "a" * 64, "avatar": "b" * 64,
        "held_reason": "first comment from this email", **fields,
    }  # fmt: skip
    with get_db(app).write() as conn:
        comment_id = queries.insert_comment(conn, queries.new_row(values))
        if event:
            mail.queue_notice(conn, app, event, comment_id)
    return comment_id


def stored(app, comment_id: int) -> dict:
    with get_db(app).read() as conn:
        return queries.get_comment(conn, comment_id)


def log_of(app, comment_id: int) -> list[dict]:
    with get_db(app).read() as conn:
        return queries.log_entries(conn, limit=10, comment_id=comment_id)


def rows_of(app, **kwargs) -> list[dict]:
    with get_db(app).read() as conn:
        return outbox.outbox_rows(conn, **kwargs)


def http(url: str, data: dict | None = None, headers: dict | None = None, json_body=None):
    """Send a GET (or a POST of a form or JSON); return (status, headers, text)."""
    body, kind = None, None
    if data is not None:
        body, kind = urllib.parse.urlencode(data).encode(), "application/x-www-form-urlencoded"
    if json_body is not None:
        body, kind = json.dumps(json_body).encode(), "application/json"
    request = urllib.request.Request(url, data=body, headers=dict(headers or {}))
    if kind:
        request.add_header("Content-Type", kind)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def path_of(url: str) -> str:
    assert url.startswith(SITE + "/desk/mail/"), url
    return url.removeprefix(SITE)


# A held comment, over real HTTP -------------------------------------------------------------


def test_a_held_comment_mails_each_moderator_and_its_links_work(make_app, smtp):
    port, inbox = smtp
    app = make_app(**mail_settings(port, COMMENTS_PAGE_WORKER="inline"))
    with LiveServer(app) as live:
        body = "Sources on the ground disagree.\n\nSee the second paragraph."
        status, _, answer = http(
            live.url + "/api/comments",
            json_body=comment(body=body, author="Nadia Reader", url="https://nadia.example.org"),
        )
        assert status == 201, answer
        comment_id = json.loads(answer)["id"]
        wait_until(lambda: len(inbox.messages) == 2, what="a mail to each moderator")

        row = stored(app, comment_id)
        assert row["status"] == PENDING
        assert sorted(r for m in inbox.messages for r in m.rcpt_tos) == sorted(MODERATORS)
        for received in inbox.messages:
            message, text = received.message, received.text
            assert received.mail_from == SENDER and message["From"] == SENDER
            assert message["To"] in MODERATORS and message["To"] == received.rcpt_tos[0]
            assert message["Subject"] == (
                f"[{SITE_NAME}] Held for moderation: Nadia Reader on “Rebels capture Hama”"
            )
            assert message.get_content_type() == "text/plain"
            for expected in (SITE_NAME, "Rebels capture Hama", "Nadia Reader",
                             f"{SITE}/rebels-capture-hama.html#comment-{comment_id}",
                             "https://nadia.example.org", row["held_reason"],
                             "> Sources on the ground disagree.", "> See the second paragraph.",
                             f"{SITE}/desk/pending", "UTC"):  # fmt: skip
                assert expected in text, expected
            # Never the commenter's email, in any part or header of the mail.
            assert EMAIL.encode() not in received.raw
            assert EMAIL.split("@")[0].encode() not in received.raw
        links = inbox.messages[0].links()
        assert set(links) == {"approve", "spam"}

        # Opening the link (as a mail scanner would) changes nothing.
        status, headers, page = http(live.url + path_of(links["approve"]))
        assert status == 200
        assert headers["Cache-Control"] == "no-store"
        assert "noindex" in headers["X-Robots-Tag"]
        assert "Approve this comment?" in page and "Sources on the ground disagree." in page
        assert EMAIL not in page
        assert stored(app, comment_id)["status"] == PENDING
        assert log_of(app, comment_id) == []

        # Its button approves: the audit log names the mail link.
        token = path_of(links["approve"]).rsplit("/", 1)[1]
        status, headers, page = http(
            live.url + path_of(links["approve"]), data={"token": token},
            headers={"Origin": live.url},
        )  # fmt: skip
        assert status == 200, page
        assert headers["Cache-Control"] == "no-store"
        assert "The comment is published." in page
        assert stored(app, comment_id)["status"] == PUBLISHED
        [entry] = log_of(app, comment_id)
        assert (entry["actor"], entry["action"], entry["old_value"], entry["new_value"]) == (
            "mail link", "approve", PENDING, PUBLISHED,
        )  # fmt: skip
        # A second press is harmless.
        status, _, page = http(live.url + path_of(links["approve"]), data={"token": token})
        assert status == 200 and "already published" in page
        assert len(log_of(app, comment_id)) == 1
    assert all(r["sent"] is not None and not r["dropped"] for r in rows_of(app))


def test_the_spam_link_marks_the_comment_as_spam(make_app, smtp):
    port, inbox = smtp
    app = make_app(**mail_settings(port))
    comment_id = store_comment(app)
    assert get_mail_worker(app).send_due() == 2
    url = inbox.messages[0].links()["spam"]
    client = app.test_client()
    page = client.get(path_of(url))
    assert page.status_code == 200 and "Mark this comment as spam?" in page.text
    assert stored(app, comment_id)["status"] == PENDING
    done = client.post(path_of(url), data={"token": path_of(url).rsplit("/", 1)[1]})
    assert done.status_code == 200 and "marked as spam" in done.text
    assert stored(app, comment_id)["status"] == SPAM
    assert [e["action"] for e in log_of(app, comment_id)] == ["spam"]


# Links that must not work -------------------------------------------------------------------


def _first_links(app, inbox) -> dict[str, str]:
    store_comment(app)
    get_mail_worker(app).send_due()
    return inbox.messages[0].links()


def test_an_expired_link_gives_410_and_changes_nothing(make_app, smtp, clock):
    port, inbox = smtp
    app = make_app(**mail_settings(port, COMMENTS_MAIL_LINK_HOURS="2"))
    path = path_of(_first_links(app, inbox)["approve"])
    clock.advance(hours=2, seconds=1)
    client = app.test_client()
    for answer in (client.get(path), client.post(path, data={"token": path.rsplit("/", 1)[1]})):
        assert answer.status_code == 410
        assert "This link has expired" in answer.text
        assert answer.headers["Cache-Control"] == "no-store"
    with get_db(app).read() as conn:
        assert queries.log_entries(conn, limit=5) == []
        assert queries.status_counts(conn).get(PUBLISHED, 0) == 0


def _tampered(token: str) -> str:
    payload, signature = token.rsplit(".", 1)
    return f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda token, cid: _tampered(token), id="changed-signature"),
        pytest.param(lambda token, cid: token[:-3], id="cut-short"),
        pytest.param(
            lambda token, cid: make_link_token(
                "another-secret-of-some-length", cid, "approve", datetime(2999, 1, 1, tzinfo=UTC)
            ),
            id="other-key",
        ),
        pytest.param(lambda token, cid: "not-a-token", id="garbage"),
        pytest.param(lambda token, cid: "x" * 400, id="too-long"),
    ],
)
def test_a_forged_or_tampered_link_gives_403(make_app, smtp, make_token):
    port, inbox = smtp
    app = make_app(**mail_settings(port))
    path = path_of(_first_links(app, inbox)["approve"])
    token = path.rsplit("/", 1)[1]
    comment_id = rows_of(app)[0]["comment_id"]
    bad = make_token(token, comment_id)
    client = app.test_client()
    for answer in (
        client.get(f"/desk/mail/{bad}"),
        client.post(f"/desk/mail/{bad}", data={"token": bad}),
    ):
        assert answer.status_code == 403, answer.text
        assert "This link is not valid" in answer.text
    assert stored(app, comment_id)["status"] == PENDING
    assert log_of(app, comment_id) == []


def test_a_post_needs_the_token_in_the_form_and_the_sites_origin(make_app, smtp):
    port, inbox = smtp
    app = make_app(**mail_settings(port))
    path = path_of(_first_links(app, inbox)["approve"])
    token = path.rsplit("/", 1)[1]
    client = app.test_client()
    assert client.post(path).status_code == 403
    assert client.post(path, data={"token": _tampered(token)}).status_code == 403
    foreign = client.post(path, data={"token": token}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    with get_db(app).read() as conn:
        assert queries.log_entries(conn, limit=5) == []
    assert client.post(path, data={"token": token}, headers={"Origin": SITE}).status_code == 200


# What the mail says, whatever commenters write ----------------------------------------------


def test_a_commenter_cannot_add_a_header_or_a_recipient(make_app, smtp, tmp_path):
    port, inbox = smtp
    app = make_app(**mail_settings(port, COMMENTS_MAIL_TO=MODERATORS[0]))
    # The form refuses line breaks in a name...
    refused = app.test_client().post(
        "/api/comments", json=comment(author="Eve\r\nBcc: x@example.com")
    )
    assert refused.status_code == 422
    # ...and a name stored by other means cannot add a header either.
    store_comment(
        app,
        author="Eve\r\nBcc: x@example.com\r\nX-Evil: 1\x00\x1b",
        url="https://e.example/\r\nCc: y@example.com",
        body="Hello\r\nBcc: z@example.com\r\n\r\nApprove: https://evil.example/",
    )
    assert get_mail_worker(app).send_due() == 1
    [received] = inbox.messages
    assert received.rcpt_tos == [MODERATORS[0]]
    head = received.raw.split(b"\r\n\r\n", 1)[0].decode()
    assert [name.lower() for name in received.message] == [
        "subject", "from", "to", "date", "message-id", "auto-submitted", "content-type",
        "content-transfer-encoding", "mime-version",
    ]  # fmt: skip
    names = [line.split(":")[0].lower() for line in head.split("\r\n") if line[:1] != " "]
    assert "bcc" not in names and "cc" not in names and "x-evil" not in names
    assert len(head.split("\r\n")) == 9  # one line per header: nothing folded in
    subject = received.message["Subject"]
    assert "\n" not in subject and "\r" not in subject and "\x00" not in subject
    assert subject.startswith(f"[{SITE_NAME}] Held for moderation: Eve Bcc: x@example.com")
    text = received.text
    # The commenter's text is quoted, so it cannot pass for the mail's own lines.
    assert "> Approve: https://evil.example/" in text
    assert received.links()["approve"].startswith(SITE + "/desk/mail/")
    assert "\x00" not in text and "\x1b" not in text


def test_a_report_mails_the_reasons_and_the_notes(make_app, smtp):
    port, inbox = smtp
    app = make_app(**mail_settings(port, COMMENTS_MODERATION="none"))
    comment_id = store_comment(app, event="", status=PUBLISHED, held_reason=None)
    answer = app.test_client().post(
        f"/api/comments/{comment_id}/report",
        json={"reason": "abuse", "note": "Calls a named neighbour a thief."},
    )
    assert answer.status_code == 202, answer.text
    assert get_mail_worker(app).send_due() == 2
    received = inbox.messages[0]
    assert received.message["Subject"] == (
        f"[{SITE_NAME}] Reported by readers: Ada Reader on “Rebels capture Hama”"
    )
    for expected in ("Readers reported this comment.", "Abusive, hateful or threatening",
                     "“Calls a named neighbour a thief.”", f"{SITE}/desk/reported"):  # fmt: skip
        assert expected in received.text, expected
    assert EMAIL.encode() not in received.raw
    page = app.test_client().get(path_of(received.links()["approve"]))
    assert "Abusive, hateful or threatening" in page.text and EMAIL not in page.text


def test_a_comment_decided_before_its_mail_goes_is_not_mailed(make_app, smtp):
    port, inbox = smtp
    app = make_app(**mail_settings(port))
    comment_id = store_comment(app)
    from comments_api.actions import editor

    editor.set_status(app, [comment_id], PUBLISHED, actor="ada")
    assert get_mail_worker(app).send_due() == 0
    assert inbox.messages == [] and inbox.tries == 0
    assert all(r["dropped"] and r["sent"] for r in rows_of(app))


def test_with_mail_off_nothing_is_queued_or_started(make_app):
    app = make_app(COMMENTS_MODERATION="all")
    answer = app.test_client().post("/api/comments", json=comment())
    assert answer.status_code == 201
    assert rows_of(app) == []
    assert get_mail_worker(app).send_due() == 0
    assert get_mail_worker(app)._thread is None


def test_the_same_notice_is_not_queued_twice_while_it_waits(make_app, smtp):
    port, _ = smtp
    app = make_app(**mail_settings(port))
    comment_id = store_comment(app)
    with get_db(app).write() as conn:
        mail.queue_notice(conn, app, mail.HELD, comment_id)
    assert len(rows_of(app)) == len(MODERATORS)
    with pytest.raises(ValueError), get_db(app).write() as conn:
        mail.queue_notice(conn, app, "liked", comment_id)


# Mail servers that hang or fail -------------------------------------------------------------


def test_a_hanging_mail_server_never_fails_a_post_and_the_mail_goes_after_a_restart(
    make_app, smtp, silent_port, clock
):
    port, inbox = smtp
    first = make_app(
        **mail_settings(silent_port, COMMENTS_SMTP_TIMEOUT="0.5", COMMENTS_PAGE_WORKER="inline")
    )
    with LiveServer(first) as live:
        status, _, answer = http(live.url + "/api/comments", json_body=comment(body="Kept."))
        assert status == 201, answer
        comment_id = json.loads(answer)["id"]
        # The worker thread tried, timed out, and keeps the notices for later.
        rows = wait_until(
            lambda: (
                [r for r in rows_of(first) if r["attempts"] >= 1] == rows_of(first)
                and rows_of(first)
            ),
            what="a failed try",
        )
        # Another post is not held up by it either.
        status, _, answer = http(live.url + "/api/comments", json_body=comment(body="Also kept."))
        assert status == 201, answer
    MailWorker.stop_all()
    assert all(r["sent"] is None and "timed out" in r["last_error"] for r in rows)
    assert all(r["next_try"] == now(first) + timedelta(seconds=60) for r in rows)

    # A restart with a working server: the same store, a new app; nothing was lost.
    clock.advance(minutes=2)
    second = make_app(**mail_settings(port))
    assert get_mail_worker(second).send_due() == 4
    bodies = sorted(m.text.split("> ", 1)[1].split("\n", 1)[0] for m in inbox.messages)
    assert bodies == ["Also kept.", "Also kept.", "Kept.", "Kept."]
    assert stored(second, comment_id)["status"] == PENDING
    assert all(r["sent"] is not None for r in rows_of(second))


def test_a_failing_mail_server_is_tried_again_later_and_longer_apart(make_app, smtp, clock):
    port, inbox = smtp
    app = make_app(**mail_settings(port, COMMENTS_MAIL_TO=MODERATORS[0]))
    worker = get_mail_worker(app)
    store_comment(app)
    inbox.replies = ["451 4.3.0 Try again later", "554 5.7.1 Not now"]

    assert worker.send_due() == 0
    [row] = rows_of(app)
    assert (row["attempts"], row["sent"]) == (1, None)
    assert row["last_error"] == "451 4.3.0 Try again later"
    assert row["next_try"] == now(app) + timedelta(minutes=1)

    assert worker.send_due() == 0 and inbox.tries == 1  # not due yet
    clock.advance(minutes=1)
    assert worker.send_due() == 0 and inbox.tries == 2
    [row] = rows_of(app)
    assert (row["attempts"], row["last_error"]) == (2, "554 5.7.1 Not now")
    assert row["next_try"] == now(app) + timedelta(minutes=2)

    clock.advance(minutes=2)
    assert worker.send_due() == 1 and len(inbox.messages) == 1
    [row] = rows_of(app)
    assert (row["attempts"], row["last_error"]) == (3, None) and row["sent"] == now(app)


def test_only_one_of_several_senders_sends_each_notice(make_app, smtp):
    port, inbox = smtp
    apps = [make_app(**mail_settings(port)) for _ in range(3)]
    ids = [store_comment(apps[0], body=f"Comment number {n}.") for n in range(5)]
    start = threading.Barrier(len(apps))
    counts = []

    def send(app):
        start.wait()
        counts.append(get_mail_worker(app).send_due())

    threads = [threading.Thread(target=send, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(counts) == len(ids) * len(MODERATORS) == len(inbox.messages)
    pairs = {(m.rcpt_tos[0], m.text.split("> ", 1)[1].split("\n")[0]) for m in inbox.messages}
    assert len(pairs) == len(inbox.messages)


# Digests ------------------------------------------------------------------------------------


def test_hourly_digest_sends_one_mail_per_moderator_listing_every_notice(make_app, smtp, clock):
    port, inbox = smtp
    clock.moment = datetime(2025, 3, 4, 10, 15, tzinfo=UTC)
    app = make_app(**mail_settings(port, COMMENTS_MAIL_DIGEST="hourly"))
    worker = get_mail_worker(app)
    held = [store_comment(app, body=f"Held text {n}.") for n in range(2)]
    published = store_comment(app, event="", status=PUBLISHED, held_reason=None, body="Shown.")
    reports.report(app, published, "c" * 64, "spam", "An advert.")
    assert worker.send_due() == 0 and inbox.tries == 0  # waits for the hour

    clock.moment = datetime(2025, 3, 4, 11, 0, 1, tzinfo=UTC)
    assert worker.send_due() == 2
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == sorted(MODERATORS)
    for received in inbox.messages:
        assert received.message["Subject"] == (
            f"[{SITE_NAME}] 3 comments wait for a decision (2 held, 1 reported)"
        )
        text = received.text
        for expected in ("> Held text 0.", "> Held text 1.", "> Shown.", "Spam or advertising"):
            assert expected in text, expected
        assert len(received.links()) == 2  # by name; each notice has its own pair
        assert len(LINK.findall(text)) == 6
        assert EMAIL.encode() not in received.raw
    assert all(r["sent"] for r in rows_of(app))
    assert held


def test_daily_digest_waits_for_midnight_utc(make_app, smtp, clock):
    port, inbox = smtp
    clock.moment = datetime(2025, 3, 4, 23, 59, tzinfo=UTC)
    app = make_app(**mail_settings(port, COMMENTS_MAIL_DIGEST="daily"))
    store_comment(app)
    assert get_mail_worker(app).send_due() == 0
    clock.moment = datetime(2025, 3, 5, 0, 0, tzinfo=UTC)
    assert get_mail_worker(app).send_due() == 2


# The update-pages process sends where the service's processes do not ------------------------


def test_update_pages_once_sends_the_due_mail(make_app, smtp, settings):
    port, inbox = smtp
    app = make_app(**mail_settings(port))
    store_comment(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["update-pages", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent 2 mails to moderators." in result.output
    assert len(inbox.messages) == 2
    assert SECRET not in result.output


@pytest.mark.postgres
def test_the_outbox_works_on_postgresql(make_app, smtp, clock, request):
    port, inbox = smtp
    url = request.getfixturevalue("postgres_url")
    app = make_app(**mail_settings(port, COMMENTS_DATABASE_URL=url))
    store_comment(app)
    inbox.replies = ["451 4.3.0 Try again later"]
    assert get_mail_worker(app).send_due() == 1  # one moderator's try failed, one went
    [failed] = rows_of(app, unsent_only=True)
    assert failed["attempts"] == 1 and failed["next_try"] == now(app) + timedelta(minutes=1)
    clock.advance(minutes=1)
    assert get_mail_worker(app).send_due() == 1
    assert len(inbox.messages) == 2 and rows_of(app, unsent_only=True) == []

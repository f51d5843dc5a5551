"""The pure parts of the moderators' mail: its settings, its signed links, its schedule and
the text it makes of what commenters wrote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comments_api.core.mail_links import (
    ExpiredLink,
    ForgedLink,
    make_link_token,
    read_link_token,
)
from comments_api.core.notices import (
    HELD,
    Notice,
    compose,
    digest_due,
    mail_text,
    one_line,
    plain_text,
    retry_wait,
    subject,
)
from comments_api.settings import ConfigError, load_config

SECRET = "a-test-secret-key-of-some-length"
MOMENT = datetime(2025, 3, 4, 10, 15, 30, tzinfo=UTC)
MAIL = {
    "COMMENTS_SMTP_HOST": "smtp.example.org",
    "COMMENTS_MAIL_FROM": "desk@news.example.org",
    "COMMENTS_MAIL_TO": "ada@example.org, bo@example.org",
}


# Settings -----------------------------------------------------------------------------------


def test_mail_is_off_by_default_and_on_with_host_sender_and_moderators():
    off = load_config(environ={})
    assert (off["COMMENTS_SMTP_HOST"], off["COMMENTS_MAIL_TO"]) == (None, ())
    on = load_config(environ=MAIL)
    assert on["COMMENTS_MAIL_TO"] == ("ada@example.org", "bo@example.org")
    assert (on["COMMENTS_SMTP_PORT"], on["COMMENTS_SMTP_SECURITY"]) == (587, "starttls")
    assert on["COMMENTS_SMTP_TIMEOUT"] == 10.0
    assert on["COMMENTS_MAIL_DIGEST"] == "off" and on["COMMENTS_MAIL_LINK_HOURS"] == 72


@pytest.mark.parametrize(("security", "port"), [("tls", 465), ("none", 25), ("starttls", 587)])
def test_the_port_follows_the_security_unless_set(security, port):
    assert (
        load_config(environ={**MAIL, "COMMENTS_SMTP_SECURITY": security})["COMMENTS_SMTP_PORT"]
        == port
    )
    given = {**MAIL, "COMMENTS_SMTP_SECURITY": security, "COMMENTS_SMTP_PORT": "2525"}
    assert load_config(environ=given)["COMMENTS_SMTP_PORT"] == 2525


@pytest.mark.parametrize("missing", sorted(MAIL))
def test_a_half_set_mail_configuration_stops_start_up_naming_the_missing_setting(missing):
    environ = {k: v for k, v in MAIL.items() if k != missing}
    with pytest.raises(ConfigError, match=f"^{missing} must be set too"):
        load_config(environ=environ)


def test_a_login_needs_both_name_and_password_and_the_password_is_never_echoed():
    with pytest.raises(ConfigError, match="^COMMENTS_SMTP_PASSWORD ") as error:
        load_config(environ={**MAIL, "COMMENTS_SMTP_USER": "desk"})
    with pytest.raises(ConfigError, match="^COMMENTS_SMTP_USER ") as error:
        load_config(environ={**MAIL, "COMMENTS_SMTP_PASSWORD": "hunter2-secret"})
    assert "hunter2" not in str(error.value)
    with pytest.raises(ConfigError, match="^COMMENTS_SMTP_PASSWORD ") as error:
        load_config(environ={**MAIL, "COMMENTS_SMTP_USER": "d", "COMMENTS_SMTP_PASSWORD": "a\nb"})
    assert "a\nb" not in str(error.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COMMENTS_MAIL_TO", "ada@example.org, not an address"),
        ("COMMENTS_MAIL_TO", "ada@example.org\r\nBcc: x@example.com"),
        ("COMMENTS_MAIL_TO", "Ada <ada@example.org>"),
        ("COMMENTS_MAIL_FROM", "desk"),
        ("COMMENTS_MAIL_FROM", "a@example.org, b@example.org"),
        ("COMMENTS_SMTP_PORT", "0"),
        ("COMMENTS_SMTP_PORT", "70000"),
        ("COMMENTS_SMTP_SECURITY", "ssl"),
        ("COMMENTS_SMTP_TIMEOUT", "0"),
        ("COMMENTS_MAIL_DIGEST", "weekly"),
        ("COMMENTS_MAIL_LINK_HOURS", "0"),
    ],
)
def test_bad_mail_settings_stop_start_up_naming_the_setting(name, value):
    with pytest.raises(ConfigError, match=f"^{name} "):
        load_config(environ={**MAIL, name: value})


# Links --------------------------------------------------------------------------------------


def test_a_link_names_its_comment_action_and_expiry():
    expires = MOMENT + timedelta(hours=72)
    token = make_link_token(SECRET, 12, "spam", expires)
    link = read_link_token(SECRET, token, MOMENT)
    assert (link.comment_id, link.action, link.expires) == (12, "spam", expires)
    assert len(token) < 120


def test_a_link_expires():
    token = make_link_token(SECRET, 12, "approve", MOMENT + timedelta(hours=1))
    read_link_token(SECRET, token, MOMENT + timedelta(minutes=59))
    with pytest.raises(ExpiredLink):
        read_link_token(SECRET, token, MOMENT + timedelta(hours=1))


def test_a_link_cannot_be_changed_or_made_with_another_key():
    token = make_link_token(SECRET, 12, "approve", MOMENT + timedelta(hours=1))
    payload, signature = token.rsplit(".", 1)
    other = make_link_token(SECRET, 13, "approve", MOMENT + timedelta(hours=1))
    for bad in (
        other.rsplit(".", 1)[0] + "." + signature,  # another comment, this signature
        make_link_token("another-secret-of-some-length", 12, "approve", MOMENT),
        token[:-1],
        "",
        None,
    ):
        with pytest.raises(ForgedLink):
            read_link_token(SECRET, bad, MOMENT)
    with pytest.raises(ValueError):
        make_link_token(SECRET, 12, "delete", MOMENT)


# Schedule -----------------------------------------------------------------------------------


def test_digests_are_due_on_the_hour_or_at_midnight_and_single_notices_at_once():
    assert digest_due(MOMENT, "off") == MOMENT
    assert digest_due(MOMENT, "hourly") == datetime(2025, 3, 4, 11, tzinfo=UTC)
    assert digest_due(MOMENT, "daily") == datetime(2025, 3, 5, tzinfo=UTC)


def test_retries_wait_a_minute_doubling_to_an_hour():
    assert [retry_wait(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry_wait(10_000) == 3600


# Text ---------------------------------------------------------------------------------------


def notice(**changes) -> Notice:
    values = {
        "event": HELD, "comment_id": 7, "article_title": "Rebels capture Hama",
        "article_url": "https://news.example.org/hama.html#comment-7", "author": "Ada",
        "website": "", "posted": MOMENT, "held_reason": "too many links", "reports": (),
        "text": "Hello.", "approve_url": "https://news.example.org/desk/mail/a",
        "spam_url": "https://news.example.org/desk/mail/s",
        "queue_url": "https://news.example.org/desk/pending",
        "links_until": MOMENT + timedelta(hours=72),
        **changes,
    }  # fmt: skip
    return Notice(**values)


def test_one_line_fields_lose_every_line_break_and_control_character():
    cleaned = one_line("Eve\r\nBcc: x@example.com\x00\x1b[31m\u2028X")
    assert cleaned == "Eve Bcc: x@example.com [31m X"
    assert one_line("a" * 50, 10) == "a" * 10


def test_text_keeps_its_lines_but_no_other_control_character():
    assert plain_text("one\r\ntwo\rthree\x07\n\tfour\x1b") == "one\ntwo\nthree\n\tfour"


def test_the_subject_is_one_line_whatever_the_commenter_wrote():
    hostile = notice(author="Eve\r\nBcc: x@example.com", article_title="T\n")
    line = subject("Site\r\nX: y", [hostile])
    assert line == "[Site X: y] Held for moderation: Eve Bcc: x@example.com on “T”"
    long = subject("Site", [notice(author="A" * 500)])
    assert len(long) <= 180


def test_the_mail_quotes_the_comment_and_composes_with_the_smtp_policy():
    text = mail_text("Site", [notice(text="First\n\nApprove: https://evil.example/")])
    assert "> First\n>\n> Approve: https://evil.example/" in text
    assert "Approve:   https://news.example.org/desk/mail/a" in text
    assert "Posted:    4 March 2025, 10:15 UTC" in text
    message = compose("Site", "desk@news.example.org", "ada@example.org", [notice()], MOMENT)
    raw = message.as_bytes()
    assert b"\r\nTo: ada@example.org\r\n" in raw and b"\n\n" not in raw.replace(b"\r\n", b"")
    assert message["Auto-Submitted"] == "auto-generated"

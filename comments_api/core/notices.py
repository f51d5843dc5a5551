"""The moderators' mail, pure: what one notice says, the plain-text mail that carries one or
a digest of them, when a digest is due and how long a failed try waits.

Everything a commenter or a reader typed is text here: control characters are taken out of
it, line breaks too where it goes on one line, so nothing they write can add a header or
pass for one of the mail's own lines (their text is quoted with "> ").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

HELD, REPORTED = "held", "reported"
# A failed try waits RETRY_FIRST seconds, doubling with each failure up to RETRY_MAX.
RETRY_FIRST, RETRY_MAX = 60.0, 3600.0
SUBJECT_LIMIT = 180
LABEL_WIDTH = 11
# Headers stay on one line (up to RFC 5322's 998 characters): folding next to an encoded word
# (a title with curly quotes, say) makes the email package add a space that readers would see.
MAIL_POLICY = SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Notice:
    """One comment that waits for a moderator, as the mail tells of it."""

    event: str
    comment_id: int
    article_title: str
    article_url: str
    author: str
    website: str
    posted: datetime
    # Why the moderation rules held it ("" when they did not).
    held_reason: str
    # The readers' open reports: (the reason as the form names it, the reader's note).
    reports: tuple[tuple[str, str], ...]
    # The comment's text as the commenter typed it (not its HTML).
    text: str
    approve_url: str
    spam_url: str
    queue_url: str
    links_until: datetime


def one_line(value: str, limit: int = 500) -> str:
    """Return `value` as one line: control characters and line breaks become spaces, runs of
    white space one space, cut to `limit` characters."""
    kept = "".join(" " if _is_control(c) else c for c in str(value))
    return " ".join(kept.split())[:limit]


def plain_text(value: str) -> str:
    """Return `value` with its line breaks normalised and every other control character
    (but tabs) taken out."""
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(
        "".join(c for c in line if c == "\t" or not _is_control(c)).rstrip() for line in lines
    ).strip("\n")


def _is_control(char: str) -> bool:
    # Cc: C0, DEL and C1 controls; Zl, Zp: the Unicode line and paragraph separators.
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def digest_due(moment: datetime, digest: str) -> datetime:
    """Return when a notice queued at `moment` is due: at once (digest `off`), on the next
    full hour (`hourly`) or at the next midnight UTC (`daily`)."""
    if digest == "hourly":
        return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if digest == "daily":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return moment


def retry_wait(attempts: int) -> float:
    """Return the seconds to wait after the `attempts`-th failed try (1, 2, …)."""
    return min(RETRY_MAX, RETRY_FIRST * 2 ** max(0, min(attempts, 20) - 1))


def when(moment: datetime) -> str:
    """Return a moment as the mail writes it: 5 December 2024, 18:00 UTC."""
    return f"{moment.day} {moment.strftime('%B %Y, %H:%M')} UTC"


def subject(site_name: str, notices: Sequence[Notice]) -> str:
    """Return the mail's Subject: one line, whatever the commenters wrote."""
    site = one_line(site_name, 80)
    if len(notices) == 1:
        n = notices[0]
        what = "Held for moderation" if n.event == HELD else "Reported by readers"
        text = f"[{site}] {what}: {one_line(n.author, 60)} on “{one_line(n.article_title, 80)}”"
    else:
        held = sum(n.event == HELD for n in notices)
        parts = [f"{held} held"] if held else []
        if len(notices) - held:
            parts.append(f"{len(notices) - held} reported")
        text = f"[{site}] {len(notices)} comments wait for a decision ({', '.join(parts)})"
    return one_line(text, SUBJECT_LIMIT)


def _field(label: str, value: str) -> str:
    return f"{label + ':' if label else '':<{LABEL_WIDTH}}{value}"


def notice_text(notice: Notice) -> str:
    """Return the part of the mail that tells of one notice."""
    if notice.event == HELD:
        intro = "This comment was held for moderation."
    else:
        intro = "Readers reported this comment."
    lines = [
        intro,
        "",
        _field("Article", one_line(notice.article_title, 200)),
        _field("", notice.article_url),
        _field("Author", one_line(notice.author, 245)),
    ]
    if notice.website:
        lines.append(_field("Website", one_line(notice.website, 200)))
    lines.append(_field("Posted", when(notice.posted)))
    if notice.held_reason:
        lines.append(_field("Held", one_line(notice.held_reason, 200)))
    if notice.reports:
        counts: dict[str, int] = {}
        for reason, _ in notice.reports:
            counts[one_line(reason, 80)] = counts.get(one_line(reason, 80), 0) + 1
        shown = "; ".join(f"{r} ({n})" if n > 1 else r for r, n in counts.items())
        lines.append(_field("Reported", shown))
        notes = [one_line(note, 500) for _, note in notice.reports if one_line(note)]
        for note in notes:
            lines.append(_field("Note", f"“{note}”"))
    body = plain_text(notice.text) or "(no text)"
    lines += ["", *(f"> {line}" if line else ">" for line in body.split("\n")), ""]
    queue = "pending comments" if notice.event == HELD else "reported comments"
    lines += [
        _field("Approve", notice.approve_url),
        _field("Spam", notice.spam_url),
        f"All {queue}: {notice.queue_url}",
    ]
    return "\n".join(lines)


def mail_text(site_name: str, notices: Sequence[Notice]) -> str:
    """Return the whole plain-text body of a mail of one notice or a digest of several."""
    site = one_line(site_name, 80)
    if len(notices) == 1:
        head = f"A comment on {site} waits for a decision."
    else:
        head = f"{len(notices)} comments on {site} wait for a decision."
    parts = [head, *(notice_text(n) for n in notices)]
    until = min(n.links_until for n in notices)
    foot = (
        f"The approve and spam links work until {when(until)}.\n"
        "Each opens a page that shows the comment; nothing changes until you\n"
        "press the button there. The commenter's email address is on the desk only."
    )
    rule = "\n\n" + "-" * 72 + "\n\n"
    return rule.join(parts) + rule + foot + "\n\n-- \n" + f"{site} comment service\n"


def compose(
    site_name: str, sender: str, recipient: str, notices: Sequence[Notice], moment: datetime
) -> EmailMessage:
    """Return the mail to one moderator of these notices (SMTP policy: CRLF line ends)."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = subject(site_name, notices)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(moment)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail_text(site_name, notices))
    return message

"""Pure checks of a submitted comment: raw fields in, clean data and per-field messages out."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

# WordPress's column sizes, counted here in characters after cleaning.
LIMITS = {"thread": 200, "author": 245, "email": 100, "url": 200, "body": 65525}
TEXT_FIELDS = ("thread", "author", "email", "url", "body")
# Zero-width joiners carry meaning inside emoji and some scripts, so they are kept inside the
# text; these (and the Hangul fillers, which render as nothing) never count as content.
_BLANKISH = frozenset("\u200c\u200d\u115f\u1160\u3164\uffa0\u2800")
_URL_FORBIDDEN = re.compile(r'[\s"<>\\`{}|^]')
_HOST = re.compile(r"^(?:[^\s/?#@:\[\]]+|[0-9a-fA-F:.]+)$")

MESSAGES = {
    "thread": "This comment is not attached to an article.",
    "author": "Please enter your name.",
    "email": "Please enter your email address.",
    "body": "Please type your comment.",
}
TYPE_MESSAGE = "Send this field as text."
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Submission:
    """A comment that passed the field checks (thread and parent not yet looked up)."""

    thread: str
    parent: int | None
    author: str
    email: str
    url: str
    body: str


def _strip_edges(text: str) -> str:
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or text[start] in _BLANKISH):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _BLANKISH):
        end -= 1
    return text[start:end]


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Return `value` normalised (NFC), without control or invisible format characters, trimmed.

    Single-line text also has every run of white space folded into one space.
    """
    text = unicodedata.normalize("NFC", value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t":
            kept.append(char if multiline else " ")
        elif category == "Cc" or (category == "Cf" and char not in "\u200c\u200d"):
            continue
        else:
            kept.append(char)
    text = "".join(kept)
    if not multiline:
        text = " ".join(text.split())
    else:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _strip_edges(text)


def is_blank(text: str) -> bool:
    """Return True when `text` has nothing visible in it."""
    return all(c.isspace() or c in _BLANKISH for c in text)


def _too_long(field: str, text: str) -> str | None:
    if len(text) > LIMITS[field]:
        return f"Use at most {LIMITS[field]:,} characters (this has {len(text):,})."
    return None


def check_email(text: str) -> tuple[str, str | None]:
    """Return the normalised address, or the text and a message when it is not an address."""
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        # The library's detail can quote parts of the address; the message stays generic.
        return text, "Enter a valid email address, like name@example.com."
    return checked.normalized, None


def check_url(text: str) -> tuple[str, str | None]:
    """Return the website address (https:// added when no scheme was typed), or a message."""
    if text == "":
        return "", None
    if _URL_FORBIDDEN.search(text):
        return text, "A web address cannot contain spaces, quotes or angle brackets."
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)", text):
            return text, "Use a web address starting with http:// or https://."
        text = "https://" + text.removeprefix("//")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return text, "Enter a valid web address, like https://example.org."
    if parts.scheme.lower() not in ("http", "https"):
        return text, "Use a web address starting with http:// or https://."
    if "@" in parts.netloc:
        return text, "A web address cannot contain a user name or password."
    if not parts.hostname or not _HOST.match(parts.hostname):
        return text, "Enter a valid web address, like https://example.org."
    return text, None


def parse_parent(value: object) -> tuple[int | None, str | None]:
    """Return the id of the comment replied to (None for a new thread), or a message."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None, "Send the comment number replied to as a number."
    text = str(value).strip()
    digits = text.lstrip("0")
    if not text.isascii() or not text.isdigit() or len(digits) > 10 or not 1 <= int(text) <= MAX_ID:
        return None, "Reply to an existing comment."
    return int(text), None


def validate_comment(data: Mapping[str, object]) -> tuple[Submission | None, dict[str, str]]:
    """Return (Submission, {}) for a good comment, else (None, {field: message})."""
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for field in TEXT_FIELDS:
        value = data.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = TYPE_MESSAGE
            continue
        text = clean_text(value, multiline=field == "body")
        clean[field] = text
        if field in MESSAGES and is_blank(text):
            errors[field] = MESSAGES[field]
        elif message := _too_long(field, text):
            errors[field] = message
    if "email" in clean and "email" not in errors:
        clean["email"], message = check_email(clean["email"])
        if message:
            errors["email"] = message
    if "url" in clean and "url" not in errors:
        clean["url"], message = check_url(clean["url"])
        if message or (message := _too_long("url", clean["url"])):
            errors["url"] = message
    parent, message = parse_parent(data.get("parent"))
    if message:
        errors["parent"] = message
    if errors:
        return None, errors
    return Submission(parent=parent, **clean), {}

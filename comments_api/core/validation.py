"""Pure checks of a submitted comment: raw fields in, clean data and per-field messages out."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from ..fields import LIMITS, STORED_INPUTS, TEXT_KINDS, Field

# Zero-width joiners carry meaning inside emoji and some scripts, so they are kept inside the
# text; these (and the Hangul fillers, which render as nothing) never count as content.
_BLANKISH = frozenset("\u200c\u200d\u115f\u1160\u3164\uffa0\u2800")
_URL_FORBIDDEN = re.compile(r'[\s"<>\\`{}|^]')
_HOST = re.compile(r"^(?:[^\s/?#@:\[\]]+|[0-9a-fA-F:.]+)$")
TYPE_MESSAGE = "Send this field as text."
CHECKED = ("yes", "on", "true", "1")
MAX_ID = 2**31 - 1


# A comment that passed the field checks (thread and parent not yet looked up): the clean
# value of every stored field the commenter sends, by name.
Submission = dict[str, Any]


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


def _check_text(field: Field, value: str) -> tuple[str, str | None]:
    text = clean_text(value, multiline=field.kind == "textarea")
    if is_blank(text):
        return text, field.required
    if message := _too_long(field.name, text):
        return text, message
    if field.kind == "email":
        return check_email(text)
    if field.kind == "url":
        # The scheme added to a bare host counts towards the limit too.
        text, message = check_url(text)
        return text, message or _too_long(field.name, text)
    return text, None


def _check(field: Field, value: object) -> tuple[Any, str | None]:
    if field.kind == "parent":
        return parse_parent(value)
    if field.kind == "checkbox":
        if value is None or isinstance(value, bool):
            return bool(value), None
        if not isinstance(value, str):
            return False, TYPE_MESSAGE
        return value.strip().lower() in CHECKED, None
    value = "" if value is None else value
    if not isinstance(value, str):
        return None, TYPE_MESSAGE
    if field.kind in TEXT_KINDS or field.kind == "hidden":
        return _check_text(field, value)
    return value, None


def validate_comment(data: Mapping[str, object]) -> tuple[Submission | None, dict[str, str]]:
    """Return (clean fields, {}) for a good comment, else (None, {field: message})."""
    errors: dict[str, str] = {}
    clean: Submission = {}
    for field in STORED_INPUTS:
        clean[field.name], message = _check(field, data.get(field.name))
        if message:
            errors[field.name] = message
    if errors:
        return None, errors
    return clean, {}

"""Pure checks of a submitted comment: raw fields in, clean data and per-field messages out."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from ..fields import BY_NAME, LIMITS, STORED_INPUTS, TEXT_KINDS, Field
from .rendering import body_problem

# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt; it takes in
# every variation selector), the code points a font draws as nothing. Zero-width joiners and
# variation selectors carry meaning inside emoji and some scripts, so they are kept inside
# the text; none of these (nor the Braille blank) ever counts as content.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)  # fmt: skip
_BLANKISH = frozenset(
    chr(c) for low, high in _DEFAULT_IGNORABLE for c in range(low, high + 1)
) | frozenset("\u2800")
# Invisible marks that belong to the character before them (variation selectors and the like).
_ATTACHED = frozenset(c for c in _BLANKISH if unicodedata.category(c) == "Mn")
# Refused in one-line fields (name, email, website, thread): a name goes into notification
# mails, so it must not carry a line break, and text-direction controls can make it read as
# something else. Line breaks are str.splitlines' set.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAK_MESSAGE = "Keep this on one line: remove the line breaks."
NUL_MESSAGE = "Remove the null characters from this field."
BIDI_MESSAGE = "Remove the invisible text-direction characters from this field."
_URL_FORBIDDEN = re.compile(r'[\s"<>`{}|^]')
# A host name (letters of any script, digits, hyphens, underscores, dots) or an IPv6 address.
_HOST = re.compile(r"^(?:[\w-]+(?:\.[\w-]+)*\.?|[0-9a-fA-F:.]+)$")
SCHEME_MESSAGE = "Use a web address starting with http:// or https://."
TYPE_MESSAGE = "Send this field as text."
CHECKED = ("yes", "on", "true", "1")
MAX_ID = 2**31 - 1


# A comment that passed the field checks (thread and parent not yet looked up): the clean
# value of every stored field the commenter sends, by name.
Submission = dict[str, Any]


def _invisible(char: str) -> bool:
    return char.isspace() or char in _BLANKISH


def _strip_edges(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start:
        # A trailing variation selector goes only with a blank character it modifies.
        base = end - 1
        while base > start and text[base] in _ATTACHED:
            base -= 1
        if not _invisible(text[base]):
            break
        end = base
    return text[start:end]


# Every ASCII control character but the tab and the line feed (which are handled apart).
_ASCII_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Return `value` normalised (NFC), without control or invisible format characters, trimmed.

    Single-line text also has every run of white space folded into one space.
    """
    text = unicodedata.normalize("NFC", value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    if text.isascii():
        # The same rule without a look at each character: ASCII has control characters
        # (category Cc) only, and no format ones.
        if not multiline:
            text = text.replace("\n", " ").replace("\t", " ")
        return _finish(_ASCII_CONTROLS.sub("", text), multiline)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t":
            kept.append(char if multiline else " ")
        elif category == "Cc" or (category == "Cf" and char not in "\u200c\u200d"):
            continue
        else:
            kept.append(char)
    return _finish("".join(kept), multiline)


def _finish(text: str, multiline: bool) -> str:
    if not multiline:
        text = " ".join(text.split())
    else:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _strip_edges(text)


def is_blank(text: str) -> bool:
    """Return True when `text` has nothing visible in it (default-ignorable code points)."""
    return all(_invisible(c) for c in text)


def one_line_problem(value: str) -> str | None:
    """Return why `value` cannot be a one-line field (line breaks, NUL, bidi controls)."""
    chars = set(value)
    if chars & _LINE_BREAKS:
        return LINE_BREAK_MESSAGE
    if "\x00" in chars:
        return NUL_MESSAGE
    if chars & _BIDI:
        return BIDI_MESSAGE
    return None


def _too_long(field: str, text: str) -> str | None:
    if len(text) > LIMITS[field]:
        return f"Use at most {LIMITS[field]:,} characters (this has {len(text):,})."
    return None


@functools.lru_cache(maxsize=4096)
def check_email(text: str) -> tuple[str, str | None]:
    """Return the normalised address, or the text and a message when it is not an address.

    Remembered for a few thousand addresses: an import checks each regular commenter's
    address hundreds of times, and checking one costs more than the rest of a comment."""
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
    if "\\" in text:
        return text, "A web address cannot contain backslashes."
    # Before the path: "//host" (a browser keeps the page's scheme), "https:/x" and "https:x"
    # (repaired differently by each browser) and character references ("javascript&colon;")
    # are not plain web addresses.
    authority = re.split(r"[/?#]", text.split("://", 1)[-1], maxsplit=1)[0]
    if text.startswith("/") or "&" in authority:
        return text, SCHEME_MESSAGE
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)", text):
            return text, SCHEME_MESSAGE
        text = "https://" + text
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return text, "Enter a valid web address, like https://example.org."
    if parts.scheme.lower() not in ("http", "https"):
        return text, SCHEME_MESSAGE
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
    if not text.isascii() or not text.isdigit() or len(digits) > 10 or int(text) > MAX_ID:
        return None, "Reply to an existing comment."
    # WordPress's own form sends parent=0 for a comment that replies to no one.
    return int(text) or None, None


def _check_text(field: Field, value: str) -> tuple[str, str | None]:
    multiline = field.kind == "textarea"
    text = clean_text(value, multiline=multiline)
    if not multiline and (message := one_line_problem(value)):
        return text, message
    if is_blank(text):
        return text, field.required
    if message := _too_long(field.name, text):
        return text, message
    if multiline:
        # Too deeply nested, too large once rendered, or not renderable: refused, not a 500.
        return text, body_problem(text)
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


def check_field(name: str, value: object) -> tuple[Any, str | None]:
    """Return (the clean value, None) of one field of the table, checked as in a comment,
    or (None, its message): for a text an editor writes alone, such as a staff reply."""
    return _check(BY_NAME[name], value)

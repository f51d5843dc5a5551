"""Plain-text helpers: HTML stripping, tokenising into hashed term counts, teasers."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
import zlib
from collections import Counter

import numpy as np

# Letters and digits, plus the combining marks and joiners that Indic, Thai, Hebrew and
# Arabic words carry: Python's \w alone would cut those words in the middle.
_WORD = re.compile(
    r"[\w\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    r"\u06d6-\u06ed\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f\u200c\u200d]{2,}"
)
_ASCII_WORD = re.compile(r"[a-z0-9_]{2,}")
# Scripts written without spaces between words: index them as overlapping character pairs.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_HIDDEN_START = re.compile(r"<(?:script|style)\b", re.I)
_TAG = re.compile(r"<[^>]*>")

# A short default list: inverse document frequency already silences common words in any
# language; this list only keeps English function words out of the title boost.
ENGLISH_STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because
    been before being below between both but by can could did do does doing down during
    each few for from further had has have having he her here hers herself him himself
    his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some
    such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves said says""".split()
)

TermVector = tuple[np.ndarray, np.ndarray]
_EMPTY: TermVector = (np.zeros(0, np.uint32), np.zeros(0, np.float32))


def strip_html(markup: str) -> str:
    """Return the visible text of an HTML fragment with whitespace collapsed."""
    return " ".join(html_text(markup).split())


def html_text(markup: str) -> str:
    """Return the visible text of an HTML fragment, whitespace as it comes."""
    markup = markup or ""
    if "<!--" in markup or _HIDDEN_START.search(markup):
        markup = _HIDDEN.sub(" ", markup)
    text = _TAG.sub(" ", markup)
    return html.unescape(text) if "&" in text else text


@functools.lru_cache(maxsize=1 << 20)
def _term_id(term: str) -> int:
    # A stable hash, unlike hash(): ids are cached on disk between builds.
    return zlib.crc32(term.encode("utf-8"))


def tokenize(text: str, stop_words: frozenset[str] = ENGLISH_STOP_WORDS) -> dict[str, int]:
    """Return term counts of plain text: case-folded words, pairs for unspaced scripts."""
    unspaced = []
    if text.isascii():
        counts = dict(Counter(_ASCII_WORD.findall(text.casefold())))
    else:
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        counts = dict(Counter(_WORD.findall(text.casefold())))
        if _UNSPACED.search(text):
            unspaced = [w for w in counts if _UNSPACED.search(w)]
    for word in stop_words.intersection(counts):
        del counts[word]
    for word in unspaced:
        n = counts.pop(word, 0)
        for i in range(len(word) - 1):
            counts[word[i : i + 2]] = counts.get(word[i : i + 2], 0) + n
    return counts


def term_vector(text: str, stop_words: frozenset[str] = ENGLISH_STOP_WORDS) -> TermVector:
    """Return (hashed term ids, counts) of plain text."""
    counts = tokenize(text, stop_words)
    if not counts:
        return _EMPTY
    ids = np.fromiter(map(_term_id, counts), np.uint32, len(counts))
    return ids, np.fromiter(counts.values(), np.float32, len(counts))


def teaser(text: str, length: int) -> str:
    """Cut plain text at a word boundary within length characters and end it with '…'."""
    text = " ".join(text.split())
    if len(text) > length:
        cut = text[: length + 1]
        text = cut[: cut.rfind(" ")] if " " in cut else text[:length]
    return text.rstrip(" .,;:!?…-–—") + "…"

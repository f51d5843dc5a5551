"""Plain-text helpers: HTML stripping, tokenising into hashed term counts, teasers."""

from __future__ import annotations

import html
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


# Letters and digits, plus the combining marks and joiners that Indic, Thai, Hebrew and
# Arabic words carry: Python's \w alone would cut those words in the middle.
_WORD = re.compile(
    r"[\w\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    r"\u06d6-\u06ed\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f\u200c\u200d]{2,}"
)
# Scripts written without spaces between words: index them as overlapping character pairs.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_HIDDEN_START = re.compile(r"<(?:script|style)\b", re.I)
_TAG = re.compile(r"<[^>]*>")

# The stop-word lists shipped with the plugin, one word a line, by language.
STOP_WORDS_FOLDER = Path(__file__).with_name("stop_words")
SHIPPED_LANGUAGES = ("en", "fr")


def read_words(path: str | Path) -> frozenset[str]:
    """Return the case-folded words of a UTF-8 file, one a line ("#" starts a comment line)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(
        word.casefold() for word in map(str.strip, lines) if word and not word.startswith("#")
    )


def shipped_stop_words(lang: str) -> frozenset[str]:
    """Return the stop words shipped for a language (one of SHIPPED_LANGUAGES)."""
    return read_words(STOP_WORDS_FOLDER / f"{lang}.txt")


def stop_words_for(table: Mapping[str, frozenset[str]], lang: str) -> frozenset[str]:
    """Return the stop words of a language: its own, its primary subtag's, else the "*" entry."""
    lang = (lang or "").casefold().replace("_", "-")
    for key in (lang, lang.split("-")[0], "*"):
        if key in table:
            return table[key]
    return frozenset()


# A short list: inverse document frequency already silences common words in any language;
# the list mainly keeps function words out of the title boost.
ENGLISH_STOP_WORDS = shipped_stop_words("en")
FRENCH_STOP_WORDS = shipped_stop_words("fr")

TermVector = tuple["np.ndarray", "np.ndarray"]  # (term ids, counts)


def strip_html(markup: str) -> str:
    """Return the visible text of an HTML fragment with whitespace collapsed."""
    return " ".join(html_text(markup).split())


def _untagged(markup: str) -> str:
    """Return an HTML fragment without tags, scripts, styles and comments; entities kept."""
    markup = markup or ""
    if "<!--" in markup or _HIDDEN_START.search(markup):
        markup = _HIDDEN.sub(" ", markup)
    return _TAG.sub(" ", markup)


def html_text(markup: str) -> str:
    """Return the visible text of an HTML fragment, whitespace as it comes."""
    text = _untagged(markup)
    return html.unescape(text) if "&" in text else text


# Typographic punctuation that Markdown's "smarty" writes as entities: a word break, like a
# space, so that most English articles stay ASCII and take the fast path below.
_TYPOGRAPHIC = re.compile(r"&(?:[lr][sd]quo|[mn]dash|hellip|nbsp|[lr]aquo|#82(?:1[6-9]|2[01]));")
# ASCII bytes that end a word become spaces; letters, digits, "_" and every byte of a
# multi-byte UTF-8 character stay, so bytes.split() cuts ASCII text into the same words as
# _WORD would (single letters are dropped after) and leaves any other word whole, for _WORD.
_WORD_BYTES = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or c == 95) or c >= 128 else 32 for c in range(256)
)
_SINGLE_BYTES = frozenset(bytes([c]) for c in range(128) if _WORD_BYTES[c] != 32)


def term_text(markup: str) -> str:
    """Return the words of an HTML fragment for indexing: visible text, typography as spaces."""
    text = _untagged(markup)
    if "&" in text:
        text = _TYPOGRAPHIC.sub(" ", text)
    return html.unescape(text) if "&" in text else text


def _unicode_counts(text: str, stop_words: frozenset[str]) -> dict[str, int]:
    """Return term counts of case-folded text in any script: NFKC words, pairs when unspaced."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text).casefold()
    counts = dict(Counter(_WORD.findall(text)))
    for word in stop_words.intersection(counts):
        del counts[word]
    for word in [w for w in counts if _UNSPACED.search(w)]:
        n = counts.pop(word)
        for i in range(len(word) - 1):
            counts[word[i : i + 2]] = counts.get(word[i : i + 2], 0) + n
    return counts


class _TermIds(dict):
    """Term (UTF-8 bytes, or text) -> stable id, CRC-32 computed once per distinct term."""

    def __missing__(self, term: bytes | str) -> int:
        # A stable hash, unlike hash(): ids are cached on disk between builds. A term given
        # as text gets the id of its UTF-8 bytes.
        raw = term.encode("utf-8", "replace") if isinstance(term, str) else term
        value = self[term] = zlib.crc32(raw)
        return value


class Tokeniser:
    """Cut texts into term counts and term vectors, with one table of term ids per build."""

    def __init__(self, stop_words: frozenset[str] = ENGLISH_STOP_WORDS):
        self.stop_words = frozenset(stop_words)
        self._drop = _SINGLE_BYTES | {w.encode("utf-8") for w in self.stop_words}
        self._ids = _TermIds()

    def counts(self, text: str) -> dict:
        """Return term counts of plain text: case-folded words, no stop words.

        Terms are UTF-8 bytes, or text for a text mostly in another script than Latin.
        """
        folded = text.lower() if text.isascii() else text.casefold()
        data = folded.encode("utf-8", "replace")
        if len(data) - len(folded) > len(folded) // 8:
            # Mostly another script than Latin: the Unicode pattern cuts the whole text.
            return _unicode_counts(folded, self.stop_words)
        counts = Counter(data.translate(_WORD_BYTES).split())
        for word in self._drop.intersection(counts):
            counts.pop(word)  # dict's own pop: Counter's __delitem__ is written in Python
        if not data.isascii():
            # Runs with non-ASCII bytes (accents, symbols, a foreign name) are a few per
            # article: the Unicode pattern cuts them as it would the whole text.
            for word in [w for w in counts if not w.isascii()]:
                n = counts.pop(word)
                found = _unicode_counts(word.decode("utf-8", "replace"), self.stop_words)
                for term, m in found.items():
                    counts[term.encode("utf-8")] += n * m
        return counts

    def vectors(self, texts: Sequence[str]) -> list[TermVector]:
        """Return (term ids, counts) of each text; the arrays are views of two shared ones."""
        # Imported here: a build that reuses the last choices never tokenises, nor loads numpy.
        import numpy as np

        terms: list[bytes | str] = []
        counts: list[int] = []
        bounds = [0]
        for text in texts:
            found = self.counts(text)
            terms.extend(found)
            counts.extend(found.values())
            bounds.append(len(terms))
        ids = np.fromiter(map(self._ids.__getitem__, terms), np.uint32, len(terms))
        values = np.array(counts, np.float32)
        return [(ids[a:b], values[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def tokenize(text: str, stop_words: frozenset[str] = ENGLISH_STOP_WORDS) -> dict[str, int]:
    """Return term counts of plain text: case-folded words, pairs for unspaced scripts."""
    found = Tokeniser(stop_words).counts(text)
    return {t if isinstance(t, str) else t.decode("utf-8"): n for t, n in found.items()}


def term_vector(text: str, stop_words: frozenset[str] = ENGLISH_STOP_WORDS) -> TermVector:
    """Return (hashed term ids, counts) of plain text."""
    return Tokeniser(stop_words).vectors([text])[0]


def teaser(text: str, length: int) -> str:
    """Cut plain text at a word boundary within length characters and end it with '…'."""
    text = " ".join(text.split())
    if len(text) > length:
        cut = text[: length + 1]
        text = cut[: cut.rfind(" ")] if " " in cut else text[:length]
    return text.rstrip(" .,;:!?…-–—") + "…"

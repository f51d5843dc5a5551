"""A comment its source kept as HTML (Disqus, WordPress), as the Markdown we store.

Our comments are Markdown, rendered and sanitised by core/rendering.py, so an imported
comment is shown, edited on the desk and exported like a posted one; raw HTML in Markdown
would be shown as text.
"""

from __future__ import annotations

import re

from markdownify import markdownify

# Plain paragraphs, the most common comment: text with none of the characters that HTML or
# Markdown give a meaning, and no whitespace but spaces. Their Markdown is the text itself,
# as markdownify would write it, without parsing the HTML.
_PLAIN_TEXT = r"(?:[^<>&*_\\`\[\]#+|~=\-\s]| )*"
_PLAIN = re.compile(rf"\s*<p>{_PLAIN_TEXT}</p>(?:\s*<p>{_PLAIN_TEXT}</p>)*\s*")
_PARAGRAPH = re.compile(rf"<p>({_PLAIN_TEXT})</p>")
_SPACES = re.compile(" +")


def _plain_paragraphs(html: str) -> str | None:
    if not _PLAIN.fullmatch(html):
        return None
    texts = (_SPACES.sub(" ", text).strip(" ") for text in _PARAGRAPH.findall(html))
    return "\n\n".join(text for text in texts if text)


def html_to_markdown(html: str) -> str:
    """Return the Markdown of a comment's HTML (paragraphs, emphasis, links, lists, quotes)."""
    plain = _plain_paragraphs(html)
    if plain is not None:
        return plain
    markdown = markdownify(html, heading_style="ATX", bullets="-", escape_underscores=False)
    # markdownify leaves runs of blank lines where block elements met.
    lines = [line.rstrip() for line in markdown.strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept)

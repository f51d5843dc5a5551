"""A comment its source kept as HTML (Disqus, WordPress), as the Markdown we store.

Our comments are Markdown, rendered and sanitised by core/rendering.py, so an imported
comment is shown, edited on the desk and exported like a posted one; raw HTML in Markdown
would be shown as text.
"""

from __future__ import annotations

from markdownify import markdownify


def html_to_markdown(html: str) -> str:
    """Return the Markdown of a comment's HTML (paragraphs, emphasis, links, lists, quotes)."""
    markdown = markdownify(html, heading_style="ATX", bullets="-", escape_underscores=False)
    # markdownify leaves runs of blank lines where block elements met.
    lines = [line.rstrip() for line in markdown.strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept)

"""A WordPress post as the Markdown file Pelican reads: its metadata header and its body.

WordPress stores a classic-editor post as text whose blank lines are paragraphs (its wpautop
filter adds the <p> tags when it shows the post), so that is done first; `[caption]` shortcodes
become an image with its caption; other shortcodes stay as text and are listed. Pure: text in,
text out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from markdownify import markdownify

if TYPE_CHECKING:
    from .wxr import WxrItem

_BLOCK = (
    "address|article|aside|blockquote|caption|dd|details|div|dl|dt|fieldset|figcaption|figure"
    "|footer|form|h[1-6]|header|hr|li|main|math|nav|ol|p|pre|section|summary|table|tbody|td"
    "|tfoot|th|thead|tr|ul|style|script|iframe|object|embed|video|audio|select|option"
)
_STARTS_BLOCK = re.compile(rf"^\s*</?(?:{_BLOCK})\b", re.I)
_PRE = re.compile(r"<pre\b.*?</pre>", re.I | re.S)
_GUTENBERG = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
_CAPTION = re.compile(r"\[caption\b([^\]]*)\](.*?)\[/caption\]", re.I | re.S)
_CAPTION_ATTR = re.compile(r"""\bcaption=(?:"([^"]*)"|'([^']*)')""", re.I)
_CAPTION_IMAGE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.I | re.S)
_SHORTCODE = re.compile(r"\[/?([a-z][a-z0-9_-]*)(?:\s[^\]]*)?/?\]", re.I)
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc=(?:"([^"]*)"|'([^']*)')""", re.I)
# Summaries and titles are one header line each: no line breaks may end them early.
_SPACE = re.compile(r"\s+")


@dataclass
class Converted:
    """A post's Markdown body and what the conversion noticed."""

    markdown: str
    shortcodes: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)


def autop(html: str) -> str:
    """Wrap WordPress's blank-line paragraphs in <p> and turn lone line breaks into <br>."""
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\n\n\x00{len(kept) - 1}\x00\n\n"

    text = _PRE.sub(keep, html.replace("\r\n", "\n").replace("\r", "\n"))
    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if re.fullmatch(r"\x00\d+\x00", chunk):
            blocks.append(kept[int(chunk.strip("\x00"))])
        elif _STARTS_BLOCK.match(chunk):
            blocks.append(chunk)
        else:
            blocks.append("<p>" + chunk.replace("\n", "<br />\n") + "</p>")
    return "\n\n".join(blocks)


def _caption(match: re.Match) -> str:
    attributes, inner = match.group(1), match.group(2)
    image = _CAPTION_IMAGE.match(inner)
    if not image:
        return inner
    text = image.group(2).strip()
    if not text and (found := _CAPTION_ATTR.search(attributes)):
        text = found.group(1) or found.group(2) or ""
    if not text:
        return f"<p>{image.group(1)}</p>"
    return f"<p>{image.group(1)}</p>\n<p><em>{text}</em></p>"


def to_markdown(html: str) -> Converted:
    """Return a post's HTML as Markdown, with the shortcodes left in it and its image URLs."""
    gutenberg = bool(_GUTENBERG.search(html))
    html = _GUTENBERG.sub("", html)
    html = _CAPTION.sub(_caption, html)
    # Block-editor posts carry their own <p> tags; WordPress skips wpautop for them too.
    if not gutenberg:
        html = autop(html)
    shortcodes = sorted({name.lower() for name in _SHORTCODE.findall(html)})
    images = [a or b for a, b in _IMG_SRC.findall(html)]
    markdown = markdownify(html, heading_style="ATX", bullets="-", escape_underscores=False)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip()
    return Converted(markdown, shortcodes, images)


def one_line(html: str) -> str:
    """Return HTML or text as one line of Markdown (for a metadata header)."""
    return _SPACE.sub(" ", markdownify(html, escape_underscores=False)).strip()


def header_time(moment: datetime) -> str:
    """Return a time as Pelican's header writes it (the site's time zone is UTC)."""
    return moment.strftime("%Y-%m-%d %H:%M")


def is_draft(item: WxrItem, now: datetime) -> bool:
    """Return whether a post must not be published: not public, or a schedule WordPress
    missed. A scheduled post with a future date is left to the build, which holds it until
    its date (WITH_FUTURE_DATES = False)."""
    if item.status in ("draft", "pending", "private", "auto-draft") or item.password:
        return True
    if item.status == "future":
        return item.date is None or item.date <= now
    return False


def article_text(item: WxrItem, slug: str, author: str, now: datetime) -> tuple[str, Converted]:
    """Return the Markdown file of a post or page, and what its conversion noticed."""
    body = to_markdown(item.content)
    header = [("Title", one_line(item.title) or slug), ("Slug", slug)]
    if item.date:
        header.append(("Date", header_time(item.date)))
    if item.modified and (item.date is None or item.modified > item.date):
        header.append(("Modified", header_time(item.modified)))
    if author:
        header.append(("Author", one_line(author)))
    if item.post_type == "post" and item.categories:
        header.append(("Category", item.categories[0]))
    if item.post_type == "post" and item.tags:
        header.append(("Tags", ", ".join(tag.replace(",", " ") for tag in item.tags)))
    if summary := one_line(item.excerpt):
        header.append(("Summary", summary))
    if is_draft(item, now):
        header.append(("Status", "draft"))
    # Which WordPress post this file is, so a later import knows its own files.
    header.append(("Wordpress_id", item.post_id))
    lines = [f"{name}: {value}" for name, value in header]
    return "\n".join(lines) + "\n\n" + body.markdown + "\n", body

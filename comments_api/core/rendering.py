"""Comment bodies: Markdown to HTML, then an allowlist sanitiser, so only inert markup remains."""

from __future__ import annotations

import re
import threading

import markdown
import nh3
from markdown.inlinepatterns import LinkInlineProcessor

ALLOWED_TAGS = {
    "p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
# A scheme URL (http://…, //host…) or a bare www. address; each match is one link.
_LINK = re.compile(r"(?:\b[a-z][a-z0-9+.\-]*:)?//[^\s/]\S*|\bwww\.[a-z0-9\-]\S*", re.IGNORECASE)

_local = threading.local()


def _converter() -> markdown.Markdown:
    # Markdown objects are not thread-safe; one per thread, reset between uses.
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(extensions=["nl2br", "sane_lists", "fenced_code"])
        # Raw HTML is shown as typed instead of being interpreted, images become links
        # (no third-party requests from readers' browsers) and headings stay paragraphs
        # so a comment cannot disturb the page's outline.
        md.preprocessors.deregister("html_block")
        for name in ("html", "image_link", "image_reference", "short_image_ref"):
            md.inlinePatterns.deregister(name)
        md.inlinePatterns.register(LinkInlineProcessor(r"\!\[", md), "image_as_link", 150)
        for name in ("hashheader", "setextheader"):
            md.parser.blockprocessors.deregister(name)
        _local.md = md
    md.reset()
    return md


def sanitize_html(html: str) -> str:
    """Return `html` with only allowlisted tags, attributes and link schemes left."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_body(body: str) -> str:
    """Return the sanitised HTML of a Markdown comment body."""
    return sanitize_html(_converter().convert(body))


def count_links(text: str) -> int:
    """Return how many links `text` has: scheme URLs, // addresses and bare www. hosts."""
    return len(_LINK.findall(text))

"""Comment bodies: Markdown to HTML, then an allowlist sanitiser, so only inert markup remains.

Rendering is a pure function of the body: no input raises out of it or changes how a later
body renders. `body_problem` says why a body cannot be shown (too deeply nested, too large
once rendered, or not renderable at all); validation refuses such a body before it is stored.
"""

from __future__ import annotations

import functools
import html
import re
import threading
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.inlinepatterns import LinkInlineProcessor

ALLOWED_TAGS = {
    "p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
# Lists, quotes and emphasis deeper than this are refused: no reader needs them, and Markdown's
# parser recurses a few times per level, so a kilobyte of "- - - …" would exhaust the stack.
MAX_NESTING = 32
# The stored HTML of one comment: 4 × the body limit (65,525 characters), in UTF-8 bytes. A
# full-length body of ordinary prose renders to about 1.1-1.6 × its size, and one of 4-byte
# characters to just under this; only bodies dense with markup (thousands of links, list items
# or escaped "&") go past it. It bounds what every page, the API and the bake carry per comment.
MAX_HTML_BYTES = 256 * 1024

TOO_DEEP = (
    f"This comment is nested too deeply: use at most {MAX_NESTING} levels of lists, quotes "
    "and emphasis."
)
TOO_LARGE = "This comment is too long once formatted: shorten it or use less formatting."
UNRENDERABLE = "This comment could not be formatted: simplify its formatting and try again."

# Text a browser or a reader takes for a link: a URL with a scheme (backslashes and missing
# slashes included for the schemes browsers repair), a // address, a bare www. host, or a
# bare host followed by a path. Each match is one link.
_TEXT_LINK = re.compile(
    r"""
    (?:\b(?:https?|ftp|wss?)[ \t]*:[/\\]*(?=[\w\[])   # http:x, https:/x, http:\\x, https://x
     | \b[a-z][a-z0-9+.\-]*:[/\\]{2}(?=\S)            # any scheme with two slashes
     | (?<![\w.@/\\:])[/\\]{2}(?=[\w\[])              # //host
     | \bwww\.(?=[\w\-])                              # www.host
     | \b[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,24}(?=[/?\#])  # host.tld/path
    )\S*
    """,
    re.IGNORECASE | re.VERBOSE,
)
# One line's container markers (quote, bullet, number) and the indentation before each.
_MARKER = re.compile(r"([ \t]*)(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$))")
# Elements that nest (list items and paragraphs only ever add one level inside them).
_NESTING_TAG = re.compile(r"<(/?)(?:ul|ol|blockquote|em|strong|a|code|pre)\b", re.IGNORECASE)
# What browsers remove from a URL before reading it (WHATWG URL: tab and newline anywhere,
# C0 controls and spaces at both ends).
_URL_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_URL_EDGES = "".join(map(chr, range(0x21)))
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")

_local = threading.local()


def _new_converter() -> markdown.Markdown:
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
    return md


# Plain paragraphs, the most common comment: lines with none of the characters Markdown or
# HTML give a meaning, not starting with a digit (a list) and without spaces at their ends
# (code, hard breaks), between single blank lines. Their HTML is the text itself in <p>s
# with nl2br's <br />, as Markdown would write it, without building a tree.
_PLAIN_LINE = r"[^\W\d_](?:[^<>&*_\\`\[\]#+|~=\-\s\x00-\x1f\x7f-\x9f]| |-)*(?<! )"
_PLAIN_PARAGRAPH = rf"(?:{_PLAIN_LINE})(?:\n(?:{_PLAIN_LINE}))*"
_PLAIN_BODY = re.compile(rf"{_PLAIN_PARAGRAPH}(?:\n\n{_PLAIN_PARAGRAPH})*")


def _plain_paragraphs(body: str) -> str | None:
    if not _PLAIN_BODY.fullmatch(body):
        return None
    return "\n".join(
        "<p>" + paragraph.replace("\n", "<br />\n") + "</p>" for paragraph in body.split("\n\n")
    )


def _markdown(body: str) -> str:
    plain = _plain_paragraphs(body)
    if plain is not None:
        return plain
    # Markdown objects are not thread-safe and cost about half a conversion to build: one per
    # thread, reset between uses, and thrown away whenever a conversion fails, since a failed
    # conversion can leave it half-changed (it then renders every later body as plain text).
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _new_converter()
    md.reset()
    try:
        return md.convert(body)
    except BaseException:
        _local.md = None
        raise


def _safe_href(value: str) -> str | None:
    """Return the href as a browser would read it when that is plain, else None (dropped).

    Kept: http(s) URLs with a host and no user name (the "ok.example@evil.example" trick),
    mailto: and same-site relative addresses. Forms browsers repair are written out in full
    (https:/x, https:x, https:\\\\x and //x become https://x) so the link says where it goes.
    """
    url = _URL_TAB_NEWLINE.sub("", value).strip(_URL_EDGES)
    query = re.search(r"[?#]", url)
    cut = query.start() if query else len(url)
    # Browsers read a backslash as a slash in http(s) and relative URLs (before ? and #).
    head, tail = url[:cut].replace("\\", "/"), url[cut:]
    match = _SCHEME.match(head)
    if match:
        scheme = match.group(1).lower()
        if scheme == "mailto":
            return url
        if scheme not in ("http", "https"):
            return None
        rest = head[match.end() :]
    elif head.startswith("//"):
        scheme, rest = "https", head
    else:
        return head + tail
    full = f"{scheme}://{rest.lstrip('/')}{tail}"
    try:
        parts = urlsplit(full)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    if not parts.hostname or "@" in parts.netloc or "%" in parts.netloc:
        return None
    return full


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if element == "a" and attribute == "href":
        return _safe_href(value)
    return value


def sanitize_html(html_text: str) -> str:
    """Return `html_text` with only allowlisted tags, attributes and link schemes left."""
    return nh3.clean(
        html_text,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def source_nesting(body: str) -> int:
    """Return an upper estimate of how deeply `body` nests lists and quotes, from its lines."""
    deepest = 0
    for line in body.split("\n"):
        depth, pos = 0, 0
        while match := _MARKER.match(line, pos):
            # Four columns of indentation (past the space after a marker) open one more level.
            width = len(match.group(1).expandtabs(4)) - (pos > 0)
            depth += 1 + max(0, width) // 4
            pos = match.end()
        deepest = max(deepest, depth)
    return deepest


def html_nesting(html_text: str) -> int:
    """Return how deeply the (well-formed, sanitised) HTML nests lists, quotes and emphasis."""
    depth = deepest = 0
    for closing in _NESTING_TAG.findall(html_text):
        depth += -1 if closing else 1
        deepest = max(deepest, depth)
    return deepest


def _plain(body: str) -> str:
    # What a body that cannot be rendered is shown as: its text, escaped, in one paragraph.
    return "<p>" + html.escape(body, quote=False).replace("\n", "<br>\n") + "</p>"


@functools.lru_cache(maxsize=8)
def _render(body: str) -> tuple[str, str | None]:
    # Validation, the moderation rules and the store each ask for the same body's HTML; a few
    # bodies are remembered (results only: no converter state) so a post renders once.
    if source_nesting(body) > MAX_NESTING:
        return _plain(body), TOO_DEEP
    try:
        rendered = sanitize_html(_markdown(body))
    except RecursionError:
        return _plain(body), TOO_DEEP
    except Exception:  # noqa: BLE001 - no body may fail a request; it is refused instead
        return _plain(body), UNRENDERABLE
    if html_nesting(rendered) > MAX_NESTING:
        return _plain(body), TOO_DEEP
    if len(rendered.encode("utf-8", "surrogatepass")) > MAX_HTML_BYTES:
        return rendered, TOO_LARGE
    return rendered, None


def body_problem(body: str) -> str | None:
    """Return why `body` cannot be shown as a comment (the commenter's message), else None."""
    return _render(body)[1]


def render_body(body: str) -> str:
    """Return the sanitised HTML of a Markdown comment body; never raises.

    A body `body_problem` refuses for its nesting or its formatting comes back as escaped
    plain text (validation keeps such bodies out of the store).
    """
    return _render(body)[0]


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs = 0
        self.in_link = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.in_link += 1
            self.hrefs += any(name == "href" for name, _ in attrs)
        elif tag in ("br", "p", "li", "pre", "blockquote", "hr"):
            self.text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.in_link = max(0, self.in_link - 1)
        self.text.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.in_link:
            self.text.append(data)


def count_links(body_markdown: str) -> int:
    """Return how many links a Markdown body shows.

    Every href of its rendered, sanitised HTML (what a browser follows), plus the addresses
    in its visible text outside links: scheme URLs (also with missing slashes or backslashes),
    // addresses, bare www. hosts and bare hosts followed by a path.
    """
    finder = _LinkFinder()
    finder.feed(render_body(body_markdown))
    finder.close()
    return finder.hrefs + len(_TEXT_LINK.findall("".join(finder.text)))

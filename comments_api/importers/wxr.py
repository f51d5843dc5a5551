"""A WordPress export (WXR 1.1 or 1.2) read as plain records, one `<item>` at a time.

The file is parsed with defusedxml (no entity declarations, no external references) by
iterparse, and every element is dropped once read, so a large export never sits in memory.
`survey` reads the whole file once to check it and learn what later passes need (authors,
slugs, attachments); `read_items` then streams the items again. Nothing here writes anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import iterparse

from ..core.imported import ImportedComment
from ..core.moderation import DELETED, PENDING, PUBLISHED, SPAM
from .uris import ImportFileError
from .wxr_markdown import autop

SOURCE = "wordpress"
WP_PREFIX = "http://wordpress.org/export/"
NAMESPACES = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
# Post types that become Markdown files; attachments are listed; everything else is skipped.
WRITTEN_TYPES = ("post", "page")
STATUSES = {"1": PUBLISHED, "0": PENDING, "spam": SPAM, "trash": DELETED}
PING_KINDS = ("pingback", "trackback")
ANONYMOUS = "Anonymous"
_NO_TIME = "0000-00-00 00:00:00"


class WxrError(ImportFileError):
    """The file cannot be read as a WordPress export; the message is one line for the editor."""


@dataclass
class WxrItem:
    """One `<item>` of the export: a post, page, attachment or anything else WordPress keeps."""

    post_id: str
    post_type: str
    title: str
    link: str
    creator: str
    content: str
    excerpt: str
    name: str
    status: str
    password: str
    parent: str
    date: datetime | None
    modified: datetime | None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    attachment_url: str = ""
    comments: list[dict[str, str]] = field(default_factory=list)


@dataclass
class WxrSite:
    """What a first pass learns of the whole export: small enough to keep."""

    version: str = ""
    base_url: str = ""
    authors: dict[str, str] = field(default_factory=dict)
    # post id → the slug its file and comment thread get, for posts and pages.
    slugs: dict[str, str] = field(default_factory=dict)
    # post id → the attachment URLs whose parent it is.
    attachments: dict[str, list[str]] = field(default_factory=dict)
    items: int = 0


@lru_cache(maxsize=1024)  # an export uses a few dozen tags, each thousands of times
def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        uri, _, name = tag[1:].partition("}")
        return uri, name
    return "", tag


def _is_wp(uri: str) -> bool:
    return uri.startswith(WP_PREFIX) and "excerpt" not in uri


def _text(element: Element, name: str, uri: str | None = None) -> str:
    """Return the text of the first child called `name` (in `uri`, or any wp: namespace)."""
    for child in element:
        child_uri, child_name = _local(child.tag)
        if child_name != name:
            continue
        if _is_wp(child_uri) if uri is None else child_uri == uri:
            return child.text or ""
    return ""


def _excerpt(element: Element) -> str:
    for child in element:
        uri, name = _local(child.tag)
        if name == "encoded" and uri.startswith(WP_PREFIX) and "excerpt" in uri:
            return child.text or ""
    return ""


_WP_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def wp_time(text: str) -> datetime | None:
    """Return a WordPress time ("2024-12-05 18:00:00", taken as UTC), or None when unset."""
    text = (text or "").strip()
    if not text or text == _NO_TIME:
        return None
    try:
        if _WP_TIME.fullmatch(text):  # the usual form, read without strptime's cost
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _comment(element: Element) -> dict[str, str]:
    found = {}
    for child in element:
        uri, name = _local(child.tag)
        if name.startswith("comment_") and _is_wp(uri):
            found[name] = child.text or ""
    return found


def _item(element: Element, with_comments: bool = True) -> WxrItem:
    categories, tags, comments = [], [], []
    for child in element:
        uri, name = _local(child.tag)
        if name == "category" and not uri:
            label = " ".join((child.text or "").split())
            domain = child.get("domain", "category")
            if label and domain == "category":
                categories.append(label)
            elif label and domain == "post_tag":
                tags.append(label)
        elif with_comments and name == "comment" and _is_wp(uri):
            comments.append(_comment(child))
    return WxrItem(
        post_id=_text(element, "post_id").strip(),
        post_type=_text(element, "post_type").strip() or "post",
        title=" ".join(_text(element, "title", "").split()),
        link=_text(element, "link", "").strip(),
        creator=_text(element, "creator", NAMESPACES["dc"]).strip(),
        content=_text(element, "encoded", NAMESPACES["content"]),
        excerpt=_excerpt(element),
        name=_text(element, "post_name").strip(),
        status=_text(element, "status").strip() or "publish",
        password=_text(element, "post_password"),
        parent=_text(element, "post_parent").strip(),
        date=wp_time(_text(element, "post_date_gmt")) or wp_time(_text(element, "post_date")),
        modified=wp_time(_text(element, "post_modified_gmt")),
        categories=categories,
        tags=tags,
        attachment_url=_text(element, "attachment_url").strip(),
        comments=comments,
    )


def _events(path: Path) -> Iterator[tuple[str, object]]:
    """Yield iterparse's events, every parser refusal turned into a WxrError."""
    try:
        yield from iterparse(str(path), events=("start-ns", "start", "end"))
    except EntitiesForbidden:
        raise WxrError(
            f"{path}: refused: the file declares XML entities (an export never does;"
            " this is how entity-expansion and external-entity attacks work)"
        ) from None
    except DTDForbidden:
        raise WxrError(f"{path}: refused: the file has a document type declaration") from None
    except DefusedXmlException as error:
        raise WxrError(f"{path}: refused: {error}") from None
    except ParseError as error:
        raise WxrError(f"{path} is not well-formed XML ({error})") from None
    except OSError as error:
        raise WxrError(f"cannot read {path}: {error.strerror or error}") from None


def _walk(path: Path, site: WxrSite | None = None, with_comments: bool = True) -> Iterator[WxrItem]:
    """Yield the export's items, each element cleared once read; fill `site` on the way.
    Without `with_comments`, the items' comments are not read (their list stays empty)."""
    path = Path(path)
    site = site if site is not None else WxrSite()
    wp_seen = False
    depth = 0
    channel: Element | None = None
    for event, value in _events(path):
        if event == "start-ns":
            wp_seen = wp_seen or _is_wp(value[1])
            continue
        uri, name = _local(value.tag)
        if event == "start":
            depth += 1
            if depth == 1 and (uri or name != "rss"):
                raise WxrError(
                    f"{path} is not a WordPress export (its root is <{name}>, not <rss>)"
                )
            if depth == 2 and name == "channel" and not uri:
                if not wp_seen:
                    raise WxrError(f"{path} is not a WordPress export (no wp: namespace)")
                channel = value
            continue
        depth -= 1
        if channel is None or depth != 2:
            continue
        if name == "item" and not uri:
            site.items += 1
            yield _item(value, with_comments)
        elif name == "author" and _is_wp(uri):
            login = _text(value, "author_login").strip()
            site.authors[login] = " ".join(_text(value, "author_display_name").split()) or login
        elif name == "wxr_version" and _is_wp(uri):
            site.version = (value.text or "").strip()
        elif name == "base_site_url" and _is_wp(uri):
            site.base_url = (value.text or "").strip()
        else:
            continue
        # Read: drop it and everything before it in the channel, so memory stays flat.
        channel.clear()
    if channel is None:
        raise WxrError(f"{path} is not a WordPress export (no <rss><channel>)")


def slugify(text: str) -> str:
    """Return a URL slug of a title: ASCII letters and digits joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")


def _slug(item: WxrItem, taken: set[str]) -> str:
    slug = slugify(item.name) or slugify(item.title) or f"{item.post_type}-{item.post_id}"
    if slug in taken:
        slug = f"{slug}-{item.post_id}"
    taken.add(slug)
    return slug


def survey(path: Path) -> WxrSite:
    """Read the whole export once: check it, learn its authors, slugs and attachments.

    Raises:
        WxrError: when the file is not a well-formed, safe WordPress export.
    """
    site = WxrSite()
    taken: set[str] = set()
    for item in _walk(path, site, with_comments=False):
        if item.post_type in WRITTEN_TYPES:
            site.slugs[item.post_id] = _slug(item, taken)
        elif item.post_type == "attachment" and item.attachment_url:
            site.attachments.setdefault(item.parent, []).append(item.attachment_url)
    if not site.version:
        raise WxrError(f"{path} is not a WordPress export (no wp:wxr_version)")
    return site


def read_items(path: Path) -> Iterator[WxrItem]:
    """Yield the export's items one at a time (after `survey` has checked the file).

    Raises:
        WxrError: when the file is not a well-formed, safe WordPress export.
    """
    yield from _walk(path)


def to_imported(item: WxrItem, thread: str) -> Iterator[ImportedComment]:
    """Yield the comments of one post as ImportedComment records of the thread `thread`."""
    for comment in item.comments:
        kind = comment.get("comment_type", "").strip()
        parent = comment.get("comment_parent", "").strip()
        created = wp_time(comment.get("comment_date_gmt", "")) or wp_time(
            comment.get("comment_date", "")
        )
        yield ImportedComment(
            source=SOURCE,
            source_id=comment.get("comment_id", "").strip(),
            thread=thread,
            parent_id=None if parent in ("", "0") else parent,
            author=comment.get("comment_author", "").strip() or ANONYMOUS,
            email=comment.get("comment_author_email", "").strip(),
            url=comment.get("comment_author_url", "").strip(),
            # Stored as our Markdown, as WordPress shows it: blank lines are paragraphs.
            # WordPress's paragraphs as HTML; import_comments stores them as Markdown.
            body=autop(comment.get("comment_content", "")),
            body_format="html",
            # A comment without any time is refused (and listed) by import_comments.
            created=created,  # type: ignore[arg-type]
            status=STATUSES.get(comment.get("comment_approved", "").strip(), "unknown"),
            kind=kind if kind in PING_KINDS else "comment",
            address=comment.get("comment_author_IP", "").strip() or None,
        )

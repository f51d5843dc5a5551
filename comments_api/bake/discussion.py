"""What an article page shows of its comments: built from plain data, no Pelican import."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .threads import Node, ThreadState, build_tree, count_label


@dataclass
class Discussion:
    """The comment section of one article, as its templates read it."""

    thread: str
    state: ThreadState
    tree: list[Node]
    count: int
    last_id: int
    built_at: str
    # Whether the article took comments when this was made (the page shows the form then).
    open: bool
    # Which comment page this is (1 holds the oldest threads; the last is the article's own)
    # and the links between them, relative to the article's folder.
    page: int = 1
    pages: int = 1
    # The numbered links: the first and last pages and those near this one (page_window).
    links: list[PageLink] = field(default_factory=list)
    # The pages of older and newer comments next to this one, if any.
    older: PageLink | None = None
    newer: PageLink | None = None
    # The comments the editors pinned at the top (on the article's own page only).
    featured: list[Featured] = field(default_factory=list)

    @property
    def newest(self) -> bool:
        """Return True for the article's own page, where newer comments are loaded live."""
        return self.page == self.pages

    @property
    def count_label(self) -> str:
        """Return the heading: "No comments yet", "1 Comment", "3 Comments"."""
        return count_label(self.count)


@dataclass(frozen=True)
class PageLink:
    """A link to one comment page, as the section's page navigation shows it."""

    number: int
    href: str
    current: bool
    # Whether pages are left out between the link before this one and this one ("…").
    after_gap: bool = False


@dataclass(frozen=True)
class Featured:
    """A comment the editors pinned at the top of its thread, and where it sits in it."""

    comment: Mapping
    date_label: str
    # Relative link to the comment in the thread (on its own comment page).
    href: str


# How many numbered links the navigation shows on each side of the current page.
PAGE_WINDOW = 2


def page_window(current: int, count: int, window: int = PAGE_WINDOW) -> list[int]:
    """Return the page numbers a page's navigation links to: the first, the last, and those
    within `window` of the current one, in order (a thread of any length gets a short list)."""
    near = range(max(1, current - window), min(count, current + window) + 1)
    return sorted({1, count, *near}) if count else []


def comment_page_url(article_url: str, number: int) -> str:
    """Return the site-relative URL of comment page `number` of the article at `article_url`:
    beside the article, so the page's relative links work there too."""
    if article_url.endswith("/"):
        return f"{article_url}comments-{number}.html"
    stem = article_url[: -len(".html")] if article_url.endswith(".html") else article_url
    return f"{stem}-comments-{number}.html"


def _href(url: str) -> str:
    return url.rsplit("/", 1)[-1] or "./"


def make_discussions(
    thread: str,
    state: ThreadState,
    comments: Sequence[Mapping],
    built_at: datetime,
    max_depth: int,
    *,
    per_page: int = 0,
    article_url: str = "",
) -> list[Discussion]:
    """Return the comment pages of a thread from its published comments, oldest first.

    Each page holds at most `per_page` top-level comments with all their replies (0: one
    page for all). The last page is the article's own; the others are baked beside it.
    """
    tree = build_tree(comments, max_depth)
    for node in walk(tree):
        node.date_label = format_date(node.comment["created"])
    size = per_page or max(1, len(tree))
    chunks = [tree[start : start + size] for start in range(0, len(tree), size)] or [[]]
    count = len(chunks)
    newest_id = max((c["id"] for c in comments), default=0)

    hrefs = [
        _href(article_url if n == count else comment_page_url(article_url, n))
        for n in range(1, count + 1)
    ]

    def link(number: int, current: int, after_gap: bool = False) -> PageLink:
        return PageLink(number, hrefs[number - 1], number == current, after_gap)

    def links(current: int) -> list[PageLink]:
        numbers = page_window(current, count)
        return [link(n, current, i > 0 and n > numbers[i - 1] + 1) for i, n in enumerate(numbers)]

    featured = [
        Featured(
            node.comment,
            node.date_label,
            ("" if number == count else hrefs[number - 1]) + f"#comment-{node.comment['id']}",
        )
        for number, chunk in enumerate(chunks, start=1)
        for node in walk(chunk)
        if node.comment.get("featured")
    ]

    return [
        Discussion(
            thread=thread,
            state=state,
            tree=chunk,
            count=len(comments),
            # An older page shows only its own comments; the article's loads those after it.
            last_id=newest_id if number == count else _last_id(chunk),
            built_at=built_at.isoformat(timespec="seconds"),
            open=state.is_open(built_at),
            page=number,
            pages=count,
            links=links(number) if count > 1 else [],
            older=link(number - 1, number) if number > 1 else None,
            newer=link(number + 1, number) if number < count else None,
            featured=featured if number == count else [],
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def _last_id(nodes: Sequence[Node]) -> int:
    return max((node.comment["id"] for node in walk(nodes)), default=0)


def fingerprint(discussion: Discussion) -> str:
    """Return a digest of what an older comment page shows (its comments, their nesting, its
    place among the pages), so a page update can skip the pages nothing changed on."""
    summary = (discussion.page, discussion.pages, discussion.open, discussion.last_id)
    digest = hashlib.sha256(repr(summary).encode())
    # Every shown value of every comment, in the views' fixed field order: text joined with
    # separators no value holds (cleaned text has no control characters) costs far less
    # than repr() of each comment.
    digest.update(
        "\x1e".join(
            f"{node.depth}\x1f" + "\x1f".join(map(str, node.comment.values()))
            for node in walk(discussion.tree)
        ).encode()
    )
    return digest.hexdigest()


def make_discussion(
    thread: str,
    state: ThreadState,
    comments: Sequence[Mapping],
    built_at: datetime,
    max_depth: int,
) -> Discussion:
    """Return the Discussion of a thread from its published comments, all on one page."""
    return make_discussions(thread, state, comments, built_at, max_depth)[0]


def walk(nodes: Sequence[Node]):
    """Yield every node of a reply tree, parents before their replies."""
    for node in nodes:
        yield node
        yield from walk(node.children)


@functools.lru_cache(maxsize=20_000)
def format_date(iso: str) -> str:
    """Return an ISO 8601 time as a reader sees it, with its time zone:
    "5 December 2024, 18:03 UTC" (a time without a zone is taken as UTC)."""
    moment = datetime.fromisoformat(iso)
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M} UTC"

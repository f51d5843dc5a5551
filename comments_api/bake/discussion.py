"""What an article page shows of its comments: built from plain data, no Pelican import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

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

    @property
    def count_label(self) -> str:
        """Return the heading: "No comments yet", "1 Comment", "3 Comments"."""
        return count_label(self.count)


def make_discussion(
    thread: str,
    state: ThreadState,
    comments: Sequence[Mapping],
    built_at: datetime,
    max_depth: int,
) -> Discussion:
    """Return the Discussion of a thread from its published comments."""
    tree = build_tree(comments, max_depth)
    for node in walk(tree):
        node.date_label = format_date(node.comment["created"])
    return Discussion(
        thread=thread,
        state=state,
        tree=tree,
        count=len(comments),
        last_id=max((c["id"] for c in comments), default=0),
        built_at=built_at.isoformat(timespec="seconds"),
        open=state.is_open(built_at),
    )


def walk(nodes: Sequence[Node]):
    """Yield every node of a reply tree, parents before their replies."""
    for node in nodes:
        yield node
        yield from walk(node.children)


def format_date(iso: str) -> str:
    """Return an ISO 8601 time as a reader sees it: "5 December 2024 at 18:03"."""
    moment = datetime.fromisoformat(iso)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"

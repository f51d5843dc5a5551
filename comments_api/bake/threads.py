"""Pure helpers for the comment section: whether a thread is open, and the reply tree.

The one answer to "does this article take comments now" is ThreadState.is_open, used by the
build, the page update and the service alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

CLOSED_VALUES = {"closed", "close", "no", "false"}
OFF_VALUES = {"off", "disabled", "none", "hidden"}


class CommentsSettingError(ValueError):
    """A COMMENTS_* setting has a value the plugin cannot use."""


@dataclass(frozen=True)
class ThreadState:
    """Whether an article has a comment section, and whether it still takes comments."""

    enabled: bool
    # False when the article's metadata closed it; the closing time is checked by is_open.
    open: bool
    closes_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        """Return True while the article takes new comments."""
        return self.enabled and self.open and (self.closes_at is None or now < self.closes_at)

    def with_desk_word(self, is_open: bool | None) -> ThreadState:
        """Return the state once the desk's word counts: an admin closed the article (False),
        or reopened it (True: open with no closing time); None leaves it as it is."""
        if is_open is None or not self.enabled:
            return self
        return ThreadState(enabled=True, open=is_open, closes_at=None)


@dataclass
class Node:
    """One comment in the reply tree, with the replies shown under it."""

    comment: Mapping
    depth: int
    children: list[Node] = field(default_factory=list)
    date_label: str = ""


def thread_state(
    metadata_value: str | None, published: datetime, close_after_days: int
) -> ThreadState:
    """Return the comment state of an article from its `Comments:` metadata and its age."""
    value = (metadata_value or "").strip().lower()
    if value in OFF_VALUES:
        return ThreadState(enabled=False, open=False, closes_at=None)
    if value in CLOSED_VALUES:
        return ThreadState(enabled=True, open=False, closes_at=None)
    if close_after_days <= 0:
        return ThreadState(enabled=True, open=True, closes_at=None)
    return ThreadState(
        enabled=True, open=True, closes_at=published + timedelta(days=close_after_days)
    )


def check_close_after_days(value: object) -> int:
    """Return COMMENTS_CLOSE_AFTER_DAYS as an int.

    Raises:
        CommentsSettingError: when the value is not a whole number of days, 0 or more.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CommentsSettingError(
            "COMMENTS_CLOSE_AFTER_DAYS must be a whole number of days (0 turns it off), "
            f"got {value!r}"
        )
    return value


def build_tree(comments: Iterable[Mapping], max_depth: int = 5) -> list[Node]:
    """Return the comments as a reply tree, oldest first at every level.

    Replies deeper than `max_depth` are shown at the deepest level, after their parent, as
    WordPress does; a reply whose parent is not published is shown at the top level.
    """
    ordered = sorted(comments, key=lambda c: (c["created"], c["id"]))
    nodes: dict[int, Node] = {}
    # The list each node sits in, so a too-deep reply can join its parent's list.
    holders: dict[int, list[Node]] = {}
    roots: list[Node] = []
    for comment in ordered:
        parent_id = comment.get("parent")
        parent = nodes.get(parent_id)
        if parent is None:
            node, holder = Node(comment, 1), roots
        elif parent.depth < max_depth:
            node, holder = Node(comment, parent.depth + 1), parent.children
        else:
            node, holder = Node(comment, parent.depth), holders[parent_id]
        holder.append(node)
        nodes[comment["id"]] = node
        holders[comment["id"]] = holder
    return roots


def count_label(count: int) -> str:
    """Return the heading of the comment section for `count` published comments."""
    if count == 0:
        return "No comments yet"
    return "1 Comment" if count == 1 else f"{count} Comments"

"""The records the ranking reads and returns: plain data, importable without numpy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .text import TermVector

NONE = "none"


@dataclass(frozen=True)
class Doc:
    """One article as the ranking sees it."""

    key: str  # unique and stable; equal scores are ordered by it (slug first)
    slug: str
    title: TermVector | None = None  # set before ranking (the vectors may come from the cache)
    body: TermVector | None = None
    category: str = ""
    tags: tuple[str, ...] = ()
    timestamp: float = 0.0  # seconds; only differences matter
    lang: str = ""
    group: str = ""  # translation group, members never point at each other ("" = own key)
    override: str | None = None  # a slug, "none", or None
    eligible: bool = True  # False for drafts and hidden articles: never picked


@dataclass(frozen=True)
class Params:
    """Weights and limits of the ranking (see docs/check-also.md)."""

    related_count: int = 4
    title_weight: float = 1.0
    topic_weight: float = 0.5
    topic_dims: int = 64
    tag_weight: float = 0.1
    category_weight: float = 0.05
    recency_weight: float = 0.05
    recency_half_life: float = 90.0  # days
    min_similarity: float = 0.05
    max_share: float = 0.01
    share_floor: int = 3  # however small the site, an article may be the pick of this many pages
    near_equal: float = 0.1  # the share limit may swap the best pick for one this close to it
    candidates: int = 40
    rescored: int = 6
    spare_choices: int = 14
    query_terms: int = 24
    index_terms: int = 48
    posting_limit: int = 100


@dataclass(frozen=True)
class Choice:
    """The pick for one document: indices into the input list."""

    best: int | None
    related: tuple[int, ...]
    reason: str  # similar, override, none, fallback-category, nothing-eligible
    note: str | None = None  # a problem with the article's metadata, for the build log

"""Pure moderation rules: which status a new or edited comment gets (WordPress's order)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from .rendering import count_links

PUBLISHED, PENDING, SPAM = "published", "pending", "spam"
STATUSES = (PENDING, PUBLISHED, SPAM)
# Deleted by an editor: kept, restorable, until purged (never a status the rules give).
DELETED = "deleted"
# Editors' standing decisions on a commenter (the desk's "always hold", "trust", "block").
HOLD, TRUST, BLOCK = "hold", "trust", "block"
COMMENTER_RULES = (HOLD, TRUST, BLOCK)


@dataclass(frozen=True)
class Policy:
    """The moderation settings a decision needs."""

    moderation: str = "first-time"
    max_links: int = 2
    moderation_words: tuple[str, ...] = ()
    disallowed_words: tuple[str, ...] = ()


def find_word(words: Iterable[str], *texts: str) -> str | None:
    """Return the first listed word found in any text (case ignored, inside words too)."""
    haystack = "\n".join(texts).lower()
    return next((w for w in words if w and w in haystack), None)


def decide_status(
    policy: Policy, *, body: str, returning: bool, rule: str | None = None, **texts: str
) -> tuple[str, str]:
    """Return (status, reason) for a comment, as WordPress's discussion settings would.

    The words are looked for in the body and in every other text field given by name.
    `rule` is the editors' standing decision on this commenter: blocked ones are stored as
    spam, held ones always wait, trusted ones skip every hold (not the disallowed words).
    """
    if rule == BLOCK:
        return SPAM, "blocked commenter"
    if word := find_word(policy.disallowed_words, *texts.values(), body):
        return SPAM, f"disallowed word {word!r}"
    if rule == HOLD:
        return PENDING, "the editors hold every comment from this commenter"
    if rule == TRUST:
        return PUBLISHED, "trusted commenter"
    if policy.max_links and count_links(body) >= policy.max_links:
        return PENDING, "too many links"
    if word := find_word(policy.moderation_words, *texts.values(), body):
        return PENDING, f"moderation word {word!r}"
    if policy.moderation == "all":
        return PENDING, "every comment is held"
    if policy.moderation == "first-time" and not returning:
        return PENDING, "first comment from this email"
    return PUBLISHED, "accepted"


def status_after_edit(policy: Policy, old_status: str, **fields: str) -> str:
    """Return the status of an edited comment: an edit can hold a comment, never publish it."""
    if old_status != PUBLISHED:
        return old_status
    # The commenter was already approved for this comment; only its new content can hold it.
    status, _ = decide_status(replace(policy, moderation="none"), returning=True, **fields)
    return status

"""The desk's pure rules: how an editors' rule on a commenter changes the status a comment
gets, the desk's word on an article's state, and where featured comments are shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comments_api.actions.commenter import commenter_rule
from comments_api.bake.discussion import make_discussions
from comments_api.bake.threads import ThreadState
from comments_api.core.moderation import BLOCK, HOLD, PENDING, PUBLISHED, SPAM, TRUST, Policy
from comments_api.core.moderation import decide_status as decide

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
LINKS = "see a.example and b.example"


@pytest.mark.parametrize(
    ("rule", "body", "returning", "expected"),
    [
        (None, "plain words", False, (PENDING, "first comment from this email")),
        (BLOCK, "plain words", True, (SPAM, "blocked commenter")),
        (
            HOLD,
            "plain words",
            True,
            (PENDING, "the editors hold every comment from this commenter"),
        ),
        (TRUST, "plain words", False, (PUBLISHED, "trusted commenter")),
        # Trust skips every hold, never the disallowed words.
        (TRUST, LINKS, False, (PUBLISHED, "trusted commenter")),
        (TRUST, "buy pills now", False, (SPAM, "disallowed word 'pills'")),
    ],
)
def test_an_editors_rule_decides_before_the_usual_holds(rule, body, returning, expected):
    policy = Policy(disallowed_words=("pills",))
    assert decide(policy, body=body, returning=returning, rule=rule, author="A") == expected


@pytest.mark.parametrize(
    ("by_email", "by_address", "proven", "expected"),
    [
        (None, None, True, None),
        (BLOCK, None, False, BLOCK),
        (None, BLOCK, True, BLOCK),
        (TRUST, BLOCK, True, BLOCK),
        (HOLD, None, True, HOLD),
        (TRUST, None, True, TRUST),
        # An email anyone can type is trusted only from the browser that proved it.
        (TRUST, None, False, None),
    ],
)
def test_a_block_on_email_or_address_wins_and_trust_needs_the_proof(
    by_email, by_address, proven, expected
):
    assert commenter_rule(by_email, by_address, proven) == expected


def test_the_desks_word_closes_an_open_article_and_reopens_a_closed_one():
    closing = ThreadState(enabled=True, open=True, closes_at=NOW + timedelta(days=1))
    assert closing.with_desk_word(None) is closing
    assert not closing.with_desk_word(False).is_open(NOW)
    past = ThreadState(enabled=True, open=True, closes_at=NOW - timedelta(days=1))
    assert not past.is_open(NOW) and past.with_desk_word(True).is_open(NOW + timedelta(days=999))
    off = ThreadState(enabled=False, open=False, closes_at=None)
    assert not off.with_desk_word(True).is_open(NOW)


def comment(number: int, **fields) -> dict:
    created = (NOW + timedelta(minutes=number)).isoformat()
    return {"id": number, "parent": None, "author": f"R{number}", "created": created,
            "body_html": f"<p>{number}</p>", "featured": False, **fields}  # fmt: skip


def test_featured_comments_are_listed_on_the_article_page_with_links_to_their_place():
    comments = [comment(n, featured=n in (1, 5)) for n in range(1, 7)]
    state = ThreadState(enabled=True, open=True, closes_at=None)
    pages = make_discussions("t", state, comments, NOW, 5, per_page=2, article_url="news/t.html")
    assert [len(p.featured) for p in pages] == [0, 0, 2]
    first, fifth = pages[-1].featured
    # The first comment lives on comment page 1; the fifth on the article's own page.
    assert first.href == "t-comments-1.html#comment-1"
    assert fifth.href == "#comment-5"
    assert first.date_label == "1 December 2026, 12:01 UTC"

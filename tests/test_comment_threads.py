"""The pure parts of the comment section: open or closed, the reply tree, the headings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comments_api.bake.section import replace_section
from comments_api.bake.threads import (
    CommentsSettingError,
    build_tree,
    check_close_after_days,
    count_label,
    thread_state,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def comment(id_, parent=None, minute=0):
    return {"id": id_, "parent": parent, "created": f"2025-06-01T10:{minute:02d}:00+00:00"}


def shape(nodes):
    return [(n.comment["id"], n.depth, shape(n.children)) for n in nodes]


@pytest.mark.parametrize(
    ("value", "days", "enabled", "is_open"),
    [
        (None, 0, True, True),
        ("closed", 0, True, False),
        ("Closed", 30, True, False),
        ("off", 0, False, False),
        (None, 30, True, False),  # published 60 days before NOW
        (None, 90, True, True),
    ],
)
def test_thread_state_follows_metadata_and_age(value, days, enabled, is_open):
    state = thread_state(value, NOW - timedelta(days=60), days)
    assert (state.enabled, state.is_open(NOW)) == (enabled, is_open)


def test_closing_time_is_published_plus_the_setting():
    published = NOW - timedelta(days=1)
    assert thread_state(None, published, 10).closes_at == published + timedelta(days=10)


@pytest.mark.parametrize("bad", [-1, "3", 2.5, True])
def test_bad_close_after_days_names_the_setting(bad):
    with pytest.raises(CommentsSettingError, match="COMMENTS_CLOSE_AFTER_DAYS"):
        check_close_after_days(bad)


def test_replies_nest_under_their_parents_oldest_first():
    tree = build_tree([comment(3, 1, 3), comment(1, None, 1), comment(2, None, 2)])
    assert shape(tree) == [(1, 1, [(3, 2, [])]), (2, 1, [])]


def test_replies_past_the_deepest_level_join_it():
    chain = [comment(1)] + [comment(i, i - 1, i) for i in range(2, 8)]
    tree = build_tree(chain, max_depth=3)
    level3 = tree[0].children[0].children
    assert [(n.comment["id"], n.depth) for n in level3] == [(3, 3), (4, 3), (5, 3), (6, 3), (7, 3)]


def test_a_reply_to_an_unpublished_comment_shows_at_the_top():
    assert shape(build_tree([comment(5, parent=4)])) == [(5, 1, [])]


@pytest.mark.parametrize(
    ("n", "label"), [(0, "No comments yet"), (1, "1 Comment"), (3, "3 Comments")]
)
def test_count_label(n, label):
    assert count_label(n) == label


def test_replace_section_swaps_only_the_marked_part():
    page = "<main>a<!--comments:begin-->old<!--comments:end-->b</main>"
    assert (
        replace_section(page, "<section>new</section>") == "<main>a<section>new</section>b</main>"
    )


def test_replace_section_refuses_a_page_without_markers():
    with pytest.raises(ValueError, match="markers"):
        replace_section("<main>no comments here</main>", "<section></section>")

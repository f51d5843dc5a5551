"""Counting links for the COMMENTS_MAX_LINKS hold: every link a browser follows, however typed."""

from __future__ import annotations

import pytest

from comments_api.core.moderation import PENDING, PUBLISHED, Policy, decide_status
from comments_api.core.rendering import count_links
from tests.support import comment

DISGUISED = [
    "[a](https:/x.example)",
    "[a](https:\\\\x.example)",
    "[a](http:\\\\x.example)",
    "[a](https:x.example)",
    "[a](//x.example)",
    "[a](/\\x.example)",
    "[a][r]\n\n[r]: https:/x.example",
    "https:\\\\x.example",
    "http:\\\\x.example",
    "https:x.example",
    "https:/x.example",
    "https&#58;//x.example",
    "see x.example/path",
    "www.x.example",
    "<https://x.example>",
    "<mailto:ann@example.org>",
]


@pytest.mark.parametrize("body", DISGUISED)
def test_disguised_links_count(body):
    assert count_links(body) == 1


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("plain text, http: is a word here", 0),
        ("version 1.2/3 and e.g./i.e.", 0),
        ("example.org alone is not counted", 0),
        ("[a](https://a.example) https:/b.example www.c.example d.example/x", 4),
        ("`https:/a.example` in code still shows", 1),
        ("[https://a.example](https://a.example) is one link", 1),
    ],
)
def test_count_links_counts_each_link_once(text, links):
    assert count_links(text) == links


@pytest.mark.parametrize("body", DISGUISED)
def test_two_disguised_links_hold_the_comment(body):
    policy = Policy(moderation="none", max_links=2)
    assert decide_status(policy, body=body, returning=True)[0] == PUBLISHED
    assert decide_status(policy, body=f"{body}\n\n{body}", returning=True)[0] == PENDING


@pytest.mark.parametrize(
    "body",
    [
        "[a](https:/a.example) and [b](https:/b.example)",
        "https:\\\\a.example and http:\\\\b.example",
        "https:a.example and https:b.example",
        "a.example/x and b.example/y",
    ],
)
def test_disguised_links_hold_a_posted_comment(client, body):
    answer = client.post("/api/comments", json=comment(body=body))
    assert answer.status_code == 201
    assert answer.get_json()["status"] == "pending"


def test_posted_disguised_link_is_stored_written_out(client):
    answer = client.post("/api/comments", json=comment(body="[a](https:\\\\x.example) one"))
    assert answer.status_code == 201
    assert 'href="https://x.example"' in answer.get_json()["body_html"]

"""Spam and abuse rules: honeypot, rate limit, flood interval, duplicates, holds, moderation."""

from __future__ import annotations

import pytest

from comments_api.actions.editor import set_status
from comments_api.core.moderation import Policy, decide_status, status_after_edit
from comments_api.extensions import get_db
from comments_api.store import queries
from tests.support import comment


def post(client, address="198.51.100.7", headers=None, **fields):
    return client.post(
        "/api/comments",
        json=comment(**fields),
        environ_base={"REMOTE_ADDR": address},
        headers=headers or {},
    )


def statuses(app):
    with get_db(app).read() as conn:
        return [r["status"] for r in queries.list_comments(conn)]


@pytest.mark.parametrize("transport", ["json", "data"])
def test_filled_honeypot_answers_400_and_stores_nothing(client, app, transport):
    answer = client.post("/api/comments", **{transport: comment(website_confirm="http://spam")})
    assert answer.status_code == 400
    assert statuses(app) == []


def test_empty_honeypot_is_fine(client):
    assert client.post("/api/comments", data=comment(website_confirm="")).status_code == 303


def test_rate_limit_refuses_the_third_comment_in_a_minute(make_app):
    client = make_app(COMMENTS_RATE_LIMIT="2 per minute").test_client()
    assert post(client, body="one").status_code == 201
    assert post(client, body="two").status_code == 201
    third = post(client, body="three")
    assert third.status_code == 429
    assert 0 < int(third.headers["Retry-After"]) <= 60
    assert post(client, address="203.0.113.9", body="someone else").status_code == 201


def test_refused_submissions_do_not_count_against_the_rate_limit(make_app):
    client = make_app(COMMENTS_RATE_LIMIT="2 per minute").test_client()
    for _ in range(5):
        assert post(client, email="broken").status_code == 422
    assert post(client, body="one").status_code == 201
    assert post(client, body="two").status_code == 201
    assert post(client, body="three").status_code == 429


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(make_app):
    client = make_app(COMMENTS_RATE_LIMIT="1 per minute").test_client()
    assert post(client, headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 201
    spoofed = post(client, headers={"X-Forwarded-For": "192.0.2.2"}, body="spoofed")
    assert spoofed.status_code == 429


def test_forwarded_for_from_a_trusted_proxy_names_the_client(make_app):
    client = make_app(
        COMMENTS_RATE_LIMIT="1 per minute", COMMENTS_TRUSTED_PROXIES="10.0.0.0/8"
    ).test_client()
    proxy = "10.1.2.3"
    assert post(client, proxy, {"X-Forwarded-For": "192.0.2.1"}).status_code == 201
    assert post(client, proxy, {"X-Forwarded-For": "192.0.2.2"}, body="b").status_code == 201
    assert post(client, proxy, {"X-Forwarded-For": "192.0.2.1"}, body="c").status_code == 429


def test_flood_interval_refuses_the_address_and_holds_the_email_from_elsewhere(make_app):
    client = make_app(COMMENTS_FLOOD_SECONDS=15).test_client()
    assert post(client, body="first").status_code == 201
    same_address = post(client, email="other@example.org", body="second")
    assert same_address.status_code == 429
    wait = int(same_address.headers["Retry-After"])
    assert 1 <= wait <= 16
    assert same_address.get_json()["error"] == (
        f"You are posting comments too quickly. Please wait {wait} seconds before posting again."
    )
    # Another client under the same email is not told that the email just posted: it is held.
    same_email = post(client, address="203.0.113.50", body="third")
    assert (same_email.status_code, same_email.get_json()["status"]) == (201, "pending")
    stranger = post(client, address="203.0.113.51", email="new@example.org", body="fourth")
    assert (stranger.status_code, stranger.get_json()["status"]) == (201, "published")


def test_flood_email_match_ignores_case(make_app):
    client = make_app(COMMENTS_FLOOD_SECONDS=15).test_client()
    assert post(client, email="Case@Example.org", body="a").status_code == 201
    held = post(client, "203.0.113.60", email="case@example.org", body="b")
    assert held.get_json()["status"] == "pending"


def test_refused_submissions_do_not_start_the_flood_interval(make_app):
    client = make_app(COMMENTS_FLOOD_SECONDS=15).test_client()
    assert post(client, body="").status_code == 422
    assert post(client, thread="closed-story").status_code == 403
    assert post(client, body="now it counts").status_code == 201


def test_flood_zero_turns_the_interval_off(make_app):
    client = make_app(COMMENTS_FLOOD_SECONDS=0).test_client()
    assert all(post(client, body=f"n{i}").status_code == 201 for i in range(4))


def test_duplicate_comment_from_the_same_client_answers_409(client, app):
    assert post(client, body="Same words.").status_code == 201
    again = post(client, body="Same words.")
    assert again.status_code == 409
    assert again.get_json()["error"].startswith("Duplicate comment")
    assert post(client, body="  Same words.\n").status_code == 409
    assert post(client, email="else@example.org", body="Same words.").status_code == 409
    assert post(client, thread="second-story", body="Same words.").status_code == 201
    assert len(statuses(app)) == 2


def test_the_same_text_under_a_guessed_email_from_elsewhere_is_held_not_refused(client, app):
    assert post(client, body="Public words.").status_code == 201
    guess = post(client, address="203.0.113.9", body="Public words.")
    wrong = post(client, address="203.0.113.10", email="wrong@example.org", body="Public words.")
    assert (guess.status_code, guess.get_json()["status"]) == (201, "pending")
    assert (wrong.status_code, wrong.get_json()["status"]) == (201, "published")
    assert statuses(app) == ["published", "pending", "published"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("one link https://a.example is fine", "published"),
        ("two https://a.example and https://b.example", "pending"),
        ("bare www.a.example and www.b.example", "pending"),
        ("[x](https://a.example) and <https://b.example>", "pending"),
    ],
)
def test_two_or_more_links_hold_the_comment(client, body, status):
    assert post(client, body=body).get_json()["status"] == status


def test_moderation_words_hold_and_disallowed_words_mark_spam(make_app):
    app = make_app(
        COMMENTS_MODERATION_WORDS="casino, viagra", COMMENTS_DISALLOWED_WORDS="buy followers"
    )
    client = app.test_client()
    assert post(client, body="Best CASINO bonus").get_json()["status"] == "pending"
    spam = post(client, author="Buy Followers Now", body="hello")
    assert spam.status_code == 201
    # A spammer is told what any held commenter is told.
    assert spam.get_json()["status"] == "pending"
    assert post(client, body="nothing odd").get_json()["status"] == "published"
    assert statuses(app) == ["pending", "spam", "published"]


def test_first_time_commenters_are_held_until_one_comment_is_approved(make_app):
    app = make_app(COMMENTS_MODERATION="first-time")
    client = app.test_client()
    first = post(client, body="first").get_json()
    assert first["status"] == "pending"
    assert post(client, body="second").get_json()["status"] == "pending"
    set_status(app, [first["id"]], "published")
    assert post(client, body="third").get_json()["status"] == "published"
    assert post(client, email="READER.private+tag@example.org", body="4").get_json()["status"] == (
        "published"
    )
    assert post(client, email="new@example.org", body="5").get_json()["status"] == "pending"


def test_moderation_all_holds_even_returning_commenters(make_app):
    app = make_app(COMMENTS_MODERATION="all")
    client = app.test_client()
    first = post(client, body="first").get_json()
    set_status(app, [first["id"]], "published")
    assert post(client, body="second").get_json()["status"] == "pending"


def test_decide_status_order_spam_before_holds():
    policy = Policy(moderation="none", disallowed_words=("bad",), moderation_words=("meh",))
    fields = {"author": "A", "email": "a@example.org", "url": ""}
    assert decide_status(policy, body="bad meh", returning=True, **fields)[0] == "spam"
    assert decide_status(policy, body="meh", returning=True, **fields)[0] == "pending"
    assert decide_status(policy, body="fine", returning=False, **fields)[0] == "published"
    first = Policy(moderation="first-time")
    assert decide_status(first, body="fine", returning=False, **fields)[0] == "pending"
    assert decide_status(first, body="fine", returning=True, **fields)[0] == "published"


def test_an_edit_can_hold_a_comment_but_never_publish_it():
    policy = Policy(moderation="all")
    fields = {"author": "A", "email": "a@example.org", "url": ""}
    assert status_after_edit(policy, "published", body="fine", **fields) == "published"
    links = "https://a.example https://b.example"
    assert status_after_edit(policy, "published", body=links, **fields) == "pending"
    assert status_after_edit(policy, "pending", body="fine", **fields) == "pending"
    assert status_after_edit(policy, "spam", body="fine", **fields) == "spam"


def test_refused_attempts_count_so_guessing_costs_as_much_as_posting(make_app):
    client = make_app(COMMENTS_ATTEMPT_LIMIT="5 per minute").test_client()
    for _ in range(5):
        assert post(client, email="broken").status_code == 422
    refused = post(client, body="a good one, too late")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert post(client, address="203.0.113.77", body="someone else").status_code == 201


def test_edits_and_deletions_count_toward_the_attempt_limit(make_app):
    client = make_app(COMMENTS_ATTEMPT_LIMIT="3 per minute").test_client()
    posted = post(client).get_json()
    url, bearer = (
        f"/api/comments/{posted['id']}",
        {"Authorization": f"Bearer {posted['edit_token']}"},
    )
    environ = {"REMOTE_ADDR": "198.51.100.7"}
    assert (
        client.patch(url, json={"body": "v2"}, headers=bearer, environ_base=environ).status_code
        == 200
    )
    assert (
        client.patch(url, json={"body": "v3"}, headers=bearer, environ_base=environ).status_code
        == 200
    )
    assert client.delete(url, headers=bearer, environ_base=environ).status_code == 429

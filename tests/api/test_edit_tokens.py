"""The author's edit and delete, proven by the signed token of the 201 answer or its cookie."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comments_api.core.tokens import TokenError, check_token, make_token
from comments_api.extensions import get_db
from comments_api.store import queries
from tests.support import SECRET, SITE, THREAD, comment


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def posted(client):
    return client.post("/api/comments", json=comment(body="Original")).get_json()


def test_author_can_edit_body_name_and_website(client, posted):
    answer = client.patch(
        f"/api/comments/{posted['id']}",
        json={"body": "Edited *text*", "author": "Ada L.", "url": "ada.example"},
        headers=bearer(posted["edit_token"]),
    )
    assert answer.status_code == 200
    data = answer.get_json()
    assert (data["body_html"], data["author"], data["url"]) == (
        "<p>Edited <em>text</em></p>",
        "Ada L.",
        "https://ada.example",
    )
    listed = client.get(f"/api/threads/{THREAD}/comments").get_json()["comments"]
    assert listed[0]["body_html"] == "<p>Edited <em>text</em></p>"


def test_edit_is_validated_like_a_new_comment(client, posted):
    answer = client.patch(
        f"/api/comments/{posted['id']}",
        json={"body": " ", "url": "javascript:x"},
        headers=bearer(posted["edit_token"]),
    )
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"body", "url"}


@pytest.mark.parametrize("field", ["email", "thread", "parent"])
def test_email_thread_and_parent_cannot_be_changed(client, posted, field):
    answer = client.patch(
        f"/api/comments/{posted['id']}", json={field: "x"}, headers=bearer(posted["edit_token"])
    )
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {field}


def test_edit_that_adds_links_holds_the_comment_again(app, client, posted):
    answer = client.patch(
        f"/api/comments/{posted['id']}",
        json={"body": "now https://a.example and https://b.example"},
        headers=bearer(posted["edit_token"]),
    )
    assert answer.get_json()["status"] == "pending"
    assert client.get(f"/api/comments/{posted['id']}").status_code == 404
    # The desk says why it is back in the queue.
    with get_db(app).read() as conn:
        assert queries.get_comment(conn, posted["id"])["held_reason"] == "edited after approval"


def test_edit_without_or_with_a_wrong_token_answers_403(client, posted):
    other = client.post("/api/comments", json=comment(body="Other")).get_json()
    url = f"/api/comments/{posted['id']}"
    client.delete_cookie(f"comment_edit_{posted['id']}", path=url)
    assert client.patch(url, json={"body": "x"}).status_code == 403
    assert client.patch(url, json={"body": "x"}, headers=bearer("forged")).status_code == 403
    wrong = client.patch(url, json={"body": "x"}, headers=bearer(other["edit_token"]))
    assert wrong.status_code == 403
    assert client.delete(url).status_code == 403


def test_token_signed_with_another_key_is_refused():
    created = datetime.now(UTC)
    token = make_token("another-secret-of-enough-size", 1, created)
    with pytest.raises(TokenError):
        check_token(SECRET, token, 1, created, 900, created)
    check_token("another-secret-of-enough-size", token, 1, created, 900, created)


def test_token_for_a_reused_id_with_another_creation_time_is_refused():
    token = make_token(SECRET, 5, datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(TokenError):
        check_token(SECRET, token, 5, datetime(2024, 1, 2, tzinfo=UTC), 10**9, datetime.now(UTC))


def test_token_is_good_to_the_last_second_of_the_window():
    created = datetime(2024, 1, 1, tzinfo=UTC)
    token = make_token(SECRET, 5, created)
    check_token(SECRET, token, 5, created, 60, created + timedelta(seconds=60))
    with pytest.raises(TokenError, match="has passed"):
        check_token(SECRET, token, 5, created, 60, created + timedelta(seconds=61))


def test_cookie_from_the_post_authorises_the_edit(client, posted):
    url = f"/api/comments/{posted['id']}"
    assert client.get_cookie(f"comment_edit_{posted['id']}", path=url) is not None
    answer = client.patch(url, json={"body": "Through the cookie"}, headers={"Origin": SITE})
    assert answer.status_code == 200


def test_edit_from_another_origin_is_refused_even_with_the_cookie(client, posted):
    answer = client.patch(
        f"/api/comments/{posted['id']}",
        json={"body": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403


def test_author_can_delete_within_the_window(client, posted):
    url = f"/api/comments/{posted['id']}"
    answer = client.delete(url, headers=bearer(posted["edit_token"]))
    assert answer.status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=bearer(posted["edit_token"])).status_code == 404


def test_edit_after_the_window_answers_403(make_app, clock):
    client = make_app(COMMENTS_EDIT_SECONDS=1, CLOCK=clock).test_client()
    posted = client.post("/api/comments", json=comment()).get_json()
    clock.advance(seconds=2)
    answer = client.patch(
        f"/api/comments/{posted['id']}", json={"body": "late"}, headers=bearer(posted["edit_token"])
    )
    assert answer.status_code == 403
    assert answer.get_json()["error"] == "The time to change this comment has passed."


def test_edit_window_zero_hands_out_no_edit_token_at_all(make_app):
    client = make_app(COMMENTS_EDIT_SECONDS=0).test_client()
    answer = client.post("/api/comments", json=comment())
    cookies = answer.headers.getlist("Set-Cookie")
    assert not [c for c in cookies if c.startswith("comment_edit_")]
    assert "edit_token" not in answer.get_json() and "edit_until" not in answer.get_json()
    # A token made for it anyway (same second, same key) opens nothing either.
    created = datetime.fromisoformat(answer.get_json()["created"])
    with pytest.raises(TokenError, match="has passed"):
        check_token(SECRET, make_token(SECRET, 1, created), 1, created, 0, created)


def test_edit_publishes_change_through_the_hook(make_app):
    calls = []
    client = make_app(COMMENTS_ON_PUBLISH=lambda app, thread: calls.append(thread)).test_client()
    posted = client.post("/api/comments", json=comment()).get_json()
    client.patch(
        f"/api/comments/{posted['id']}", json={"body": "new"}, headers=bearer(posted["edit_token"])
    )
    client.delete(f"/api/comments/{posted['id']}", headers=bearer(posted["edit_token"]))
    assert calls == [THREAD, THREAD, THREAD]

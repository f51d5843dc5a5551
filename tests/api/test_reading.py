"""Reading endpoints: a thread's comments page by page with ETags, counts, avatars, health."""

from __future__ import annotations

import re

import pytest

from comments_api.actions.editor import delete, set_status
from comments_api.core.avatars import identicon_svg
from comments_api.fields import FIELDS
from tests.support import THREAD, comment

PUBLIC_FIELDS = [f.name for f in FIELDS if f.public]


def post_many(client, count, **fields):
    return [
        client.post("/api/comments", json=comment(body=f"Comment {i}", **fields)).get_json()["id"]
        for i in range(count)
    ]


def test_thread_lists_published_comments_oldest_first_with_public_fields_only(make_app):
    app = make_app(COMMENTS_MODERATION="all")
    client = app.test_client()
    ids = post_many(client, 3)
    set_status(app, [ids[2], ids[0]], "published")
    answer = client.get(f"/api/threads/{THREAD}/comments")
    assert answer.status_code == 200
    data = answer.get_json()
    assert [c["id"] for c in data["comments"]] == [ids[0], ids[2]]
    assert all(list(c) == list(PUBLIC_FIELDS) for c in data["comments"])
    assert data["next"] is None


def test_pagination_with_limit_and_after_follows_next(client):
    ids = post_many(client, 7)
    seen, url = [], f"/api/threads/{THREAD}/comments?limit=3"
    pages = 0
    while url:
        data = client.get(url).get_json()
        seen += [c["id"] for c in data["comments"]]
        url, pages = data["next"], pages + 1
    assert seen == ids
    assert pages == 3
    after = client.get(f"/api/threads/{THREAD}/comments?after={ids[4]}").get_json()
    assert [c["id"] for c in after["comments"]] == ids[5:]


def test_exactly_full_last_page_has_no_next(client):
    post_many(client, 4)
    data = client.get(f"/api/threads/{THREAD}/comments?limit=4").get_json()
    assert len(data["comments"]) == 4
    assert data["next"] is None


def test_default_limit_is_100(client):
    post_many(client, 101)
    data = client.get(f"/api/threads/{THREAD}/comments").get_json()
    assert len(data["comments"]) == 100
    assert data["next"].endswith("limit=100&after=100")


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=abc", "limit=-1", "after=x"])
def test_bad_paging_parameters_answer_400(client, query):
    answer = client.get(f"/api/threads/{THREAD}/comments?{query}")
    assert answer.status_code == 400
    assert set(answer.get_json()["errors"]) == {query.split("=")[0]}


def test_limit_500_is_allowed(client):
    assert client.get(f"/api/threads/{THREAD}/comments?limit=500").status_code == 200


def test_unknown_thread_answers_404(client):
    assert client.get("/api/threads/nope/comments").status_code == 404


def test_etag_is_honoured_and_changes_with_the_thread(client):
    first = client.get(f"/api/threads/{THREAD}/comments")
    etag = first.headers["ETag"]
    again = client.get(f"/api/threads/{THREAD}/comments", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    client.post("/api/comments", json=comment())
    changed = client.get(f"/api/threads/{THREAD}/comments", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_reply_to_a_hidden_comment_is_shown_under_the_nearest_published_ancestor(client, app):
    root = client.post("/api/comments", json=comment(body="root")).get_json()["id"]
    middle = client.post("/api/comments", json=comment(body="mid", parent=root)).get_json()["id"]
    leaf = client.post("/api/comments", json=comment(body="leaf", parent=middle)).get_json()["id"]
    set_status(app, [middle], "spam")
    data = client.get(f"/api/threads/{THREAD}/comments").get_json()
    assert {c["id"]: c["parent"] for c in data["comments"]} == {root: None, leaf: root}
    assert client.get(f"/api/comments/{leaf}").get_json()["parent"] == root
    set_status(app, [root], "pending")
    data = client.get(f"/api/threads/{THREAD}/comments").get_json()
    assert {c["id"]: c["parent"] for c in data["comments"]} == {leaf: None}


def test_deleting_a_comment_moves_its_replies_up(client, app):
    root = client.post("/api/comments", json=comment(body="root")).get_json()["id"]
    middle = client.post("/api/comments", json=comment(body="mid", parent=root)).get_json()["id"]
    leaf = client.post("/api/comments", json=comment(body="leaf", parent=middle)).get_json()["id"]
    delete(app, [middle])
    data = client.get(f"/api/threads/{THREAD}/comments").get_json()
    assert {c["id"]: c["parent"] for c in data["comments"]} == {root: None, leaf: root}


def test_one_comment_is_shown_only_when_published(make_app):
    app = make_app(COMMENTS_MODERATION="all")
    client = app.test_client()
    [cid] = post_many(client, 1)
    assert client.get(f"/api/comments/{cid}").status_code == 404
    set_status(app, [cid], "published")
    assert client.get(f"/api/comments/{cid}").get_json()["id"] == cid
    assert client.get("/api/comments/999").status_code == 404
    assert client.get("/api/comments/99999999999999999999999").status_code == 404


def test_counts_count_published_comments_per_thread(make_app):
    app = make_app(COMMENTS_MODERATION="all")
    client = app.test_client()
    ids = post_many(client, 3) + post_many(client, 1, thread="second-story")
    set_status(app, ids[1:], "published")
    answer = client.get(f"/api/counts?thread={THREAD}&thread=second-story&thread=unknown")
    assert answer.get_json() == {"counts": {THREAD: 2, "second-story": 1, "unknown": 0}}
    assert "ETag" in answer.headers
    assert client.get("/api/counts").get_json() == {"counts": {}}


def test_counts_refuse_too_many_threads(client):
    query = "&".join(f"thread=t{i}" for i in range(1001))
    assert client.get(f"/api/counts?{query}").status_code == 400


def test_avatar_is_a_deterministic_svg_for_the_keyed_hash(client):
    avatar = client.post("/api/comments", json=comment()).get_json()["avatar"]
    key = re.fullmatch(r"/api/avatars/([0-9a-f]{32})\.svg", avatar).group(1)
    image = client.get(avatar)
    assert image.status_code == 200
    assert image.mimetype == "image/svg+xml"
    assert image.text == identicon_svg(key)
    assert "max-age" in image.headers["Cache-Control"]
    assert client.get("/api/avatars/not-a-key.svg").status_code == 404
    assert identicon_svg("0" * 32) != identicon_svg("f" * 32)


def test_health_reports_the_store_and_manifest(client):
    data = client.get("/api/health").get_json()
    assert data == {"status": "ok", "database": "ok", "manifest": "ok", "threads": 5}


def test_unknown_api_path_answers_json_404(client):
    answer = client.get("/api/nothing-here")
    assert answer.status_code == 404
    assert answer.get_json() == {"error": "Nothing here."}


def test_a_kept_answer_is_never_served_after_any_change_to_the_thread(make_app):
    app = make_app(COMMENTS_MODERATION="all")
    client = app.test_client()
    url = f"/api/threads/{THREAD}/comments"

    def shown() -> list[str]:
        return [c["body_html"] for c in client.get(url).get_json()["comments"]]

    first = client.post("/api/comments", json=comment(body="First.")).get_json()["id"]
    second = client.post("/api/comments", json=comment(body="Second.")).get_json()["id"]
    assert shown() == []
    set_status(app, [first], "published")
    assert shown() == ["<p>First.</p>"]
    assert shown() == ["<p>First.</p>"]  # answered from what was kept
    set_status(app, [second], "published")
    assert shown() == ["<p>First.</p>", "<p>Second.</p>"]
    set_status(app, [first], "spam")
    assert shown() == ["<p>Second.</p>"]
    delete(app, [second])
    assert shown() == []
    # Each page of the thread is kept apart.
    set_status(app, [first], "published")
    paged = client.get(f"{url}?limit=1&after={first}").get_json()
    assert paged["comments"] == [] and shown() == ["<p>First.</p>"]

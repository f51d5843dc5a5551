"""POST /api/comments through the Flask test client: both transports, every refusal."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from comments_api.extensions import get_db
from comments_api.store import queries
from tests.support import EMAIL, SITE, THREAD, comment, write_manifest

CREATED_KEYS = {
    "id", "parent", "author", "url", "body_html", "created", "avatar", "staff", "featured",
    "status", "edit_token", "edit_until",
}  # fmt: skip


def stored(app):
    with get_db(app).read() as conn:
        return queries.list_comments(conn)


def test_json_post_answers_201_with_the_public_comment_and_status(client, app):
    answer = client.post("/api/comments", json=comment(url="example.org", body="Hi *there*"))
    assert answer.status_code == 201
    data = answer.get_json()
    assert set(data) == CREATED_KEYS
    assert data["status"] == "published"
    assert data["author"] == "Ada"
    assert data["url"] == "https://example.org"
    assert data["body_html"] == "<p>Hi <em>there</em></p>"
    assert data["parent"] is None
    assert datetime.fromisoformat(data["created"]).utcoffset().total_seconds() == 0
    assert answer.headers["Location"] == f"/api/comments/{data['id']}"
    [row] = stored(app)
    assert (row["id"], row["email"], row["body"]) == (data["id"], EMAIL, "Hi *there*")


def test_form_post_redirects_303_to_the_new_comment(client):
    answer = client.post("/api/comments", data=comment())
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/rebels-capture-hama.html#comment-1"


def test_form_post_of_a_held_comment_redirects_to_the_authors_own_page(make_app):
    client = make_app(COMMENTS_MODERATION="all").test_client()
    answer = client.post("/api/comments", data=comment(thread="second-story"))
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/api/comments/1/own"


def test_redirect_keeps_the_site_path_prefix(make_app, manifest):
    write_manifest(manifest, site_url="https://example.org/news/")
    client = make_app(COMMENTS_SITE_URL=None).test_client()
    answer = client.post("/api/comments", data=comment(), headers={"Origin": "https://example.org"})
    assert answer.headers["Location"] == "/news/rebels-capture-hama.html#comment-1"


@pytest.mark.parametrize("field", ["author", "email", "body", "thread"])
@pytest.mark.parametrize("value", [None, "", "  \u200b "])
def test_missing_or_blank_field_answers_422_naming_it(client, field, value):
    data = comment(**{field: value})
    if value is None:
        del data[field]
    answer = client.post("/api/comments", json=data)
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {field}


@pytest.mark.parametrize("value", [["x"], 3, 2.5, False, {"a": 1}])
def test_wrong_json_types_answer_422(client, value):
    answer = client.post("/api/comments", json=comment(author=value, body=value))
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"author", "body"}


def test_repeated_form_field_is_a_field_error(client):
    answer = client.post(
        "/api/comments",
        data="thread=rebels-capture-hama&author=A&author=B&email=a%40example.org&body=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 422
    assert "comment-author-error" in answer.text


@pytest.mark.parametrize(
    ("body", "status"),
    [("{not json", 400), ("[1, 2]", 400), ('"text"', 400), ("", 400), ("\ufeff{}", 400)],
)
def test_bad_json_answers_400(client, body, status):
    answer = client.post("/api/comments", data=body, content_type="application/json")
    assert answer.status_code == status
    assert "error" in answer.get_json()


@pytest.mark.parametrize("field", ["author", "body", "url", "thread", "email"])
def test_invalid_utf8_in_a_form_field_answers_400_naming_it(client, app, field):
    raw = "&".join(f"{k}={v}" for k, v in comment(url="https://a.example").items() if k != field)
    raw += f"&{field}=abc%FF%FEdef"
    answer = client.post(
        "/api/comments", data=raw.encode(), content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 400
    assert f"The field {field} is not valid UTF-8." in answer.text
    assert stored(app) == []


@pytest.mark.parametrize("field", ["author", "body"])
def test_invalid_utf8_in_json_answers_400_naming_it(client, field):
    raw = json.dumps(comment(**{field: "HERE"})).encode().replace(b"HERE", b"a\xc3\x28b")
    answer = client.post("/api/comments", data=raw, content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json()["error"] == f"The field {field} is not valid UTF-8."
    assert set(answer.get_json()["errors"]) == {field}


def test_escaped_lone_surrogate_in_json_answers_400(client):
    raw = json.dumps(comment(body="x")).replace('"x"', '"\\ud800"')
    answer = client.post("/api/comments", data=raw, content_type="application/json")
    assert answer.status_code == 400
    assert set(answer.get_json()["errors"]) == {"body"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "HEAD"])
def test_other_methods_answer_405(client, method):
    answer = client.open("/api/comments", method=method)
    assert answer.status_code == 405
    assert "POST" in answer.headers["Allow"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "multipart/form-data; boundary=x", "application/xml", ""]
)
def test_other_content_types_answer_415(client, content_type):
    answer = client.post("/api/comments", data=b"thread=x", content_type=content_type)
    assert answer.status_code == 415


def test_json_in_another_charset_answers_415(client):
    answer = client.post(
        "/api/comments", data=b"{}", content_type="application/json; charset=latin-1"
    )
    assert answer.status_code == 415


@pytest.mark.parametrize(
    ("thread", "status", "message"),
    [
        ("no-such-article", 422, "There is no article with comments at this address."),
        ("closed-story", 403, "Comments are closed."),
        ("expired-story", 403, "Comments are closed."),
    ],
)
def test_unknown_or_closed_thread_is_refused(client, app, thread, status, message):
    answer = client.post("/api/comments", json=comment(thread=thread))
    assert answer.status_code == status
    assert answer.get_json()["errors"] == {"thread": message}
    assert stored(app) == []


def test_thread_closing_in_the_future_is_open(client):
    assert client.post("/api/comments", json=comment(thread="closing-later")).status_code == 201


def test_reply_to_a_published_comment_of_the_same_thread(client):
    first = client.post("/api/comments", json=comment()).get_json()
    reply = client.post("/api/comments", json=comment(parent=first["id"], body="Agreed"))
    assert reply.status_code == 201
    assert reply.get_json()["parent"] == first["id"]


def test_bad_parent_is_refused(make_app):
    app = make_app(COMMENTS_MODERATION="all")
    client = app.test_client()
    pending = client.post("/api/comments", json=comment()).get_json()["id"]
    other = client.post("/api/comments", json=comment(thread="second-story")).get_json()["id"]
    from comments_api.actions.editor import set_status

    set_status(app, [other], "published")
    for parent in (pending, other, 999):
        answer = client.post("/api/comments", json=comment(parent=parent, body=f"re {parent}"))
        assert answer.status_code == 422, parent
        assert set(answer.get_json()["errors"]) == {"parent"}


def test_oversized_request_answers_413_and_stores_nothing(make_app):
    app = make_app(COMMENTS_MAX_REQUEST_BYTES=4096)
    answer = app.test_client().post("/api/comments", json=comment(body="x" * 5000))
    assert answer.status_code == 413
    assert stored(app) == []


def test_full_length_comment_fits_the_default_request_limit(client):
    answer = client.post("/api/comments", data=comment(body="Long & true. " * 5040 + "end"))
    assert answer.status_code == 303


def test_manifest_change_is_picked_up_without_a_restart(client, manifest):
    assert client.post("/api/comments", json=comment(thread="brand-new")).status_code == 422
    write_manifest(manifest, {"brand-new": {"url": "brand-new.html", "title": "New"}})
    assert client.post("/api/comments", json=comment(thread="brand-new")).status_code == 201
    assert client.post("/api/comments", json=comment(body="again")).status_code == 422


def test_broken_manifest_keeps_the_last_good_one(client, manifest):
    assert client.post("/api/comments", json=comment()).status_code == 201
    manifest.write_text('{"version": 1, "threads": {"half')
    assert client.post("/api/comments", json=comment(body="more")).status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page.html"},
        {"Origin": "http://127.0.0.1:8001"},
        {"Origin": "https://127.0.0.1:8000"},
    ],
)
def test_posts_from_other_origins_answer_403(client, app, headers):
    for send in ({"json": comment()}, {"data": comment()}):
        answer = client.post("/api/comments", headers=headers, **send)
        assert answer.status_code == 403
    assert stored(app) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": SITE},
        {"Referer": SITE + "/rebels-capture-hama.html"},
        {"Origin": "http://localhost"},
        {},
    ],
)
def test_posts_from_the_site_or_this_host_are_accepted(client, headers):
    answer = client.post("/api/comments", headers=headers, data=comment())
    assert answer.status_code == 303


def test_cors_preflight_is_answered_for_the_site_origin_only(client):
    preflight = {"Access-Control-Request-Method": "POST"}
    ours = client.options("/api/comments", headers={"Origin": SITE, **preflight})
    assert ours.headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in ours.headers["Access-Control-Allow-Methods"]
    evil = {"Origin": "https://evil.example", **preflight}
    theirs = client.options("/api/comments", headers=evil)
    assert "Access-Control-Allow-Origin" not in theirs.headers


def test_locked_database_answers_503_with_retry_after(make_app, database_url):
    import sqlite3

    app = make_app(COMMENTS_DB_TIMEOUT=0.2)
    client = app.test_client()
    assert client.post("/api/comments", json=comment()).status_code == 201
    blocker = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        answer = client.post("/api/comments", json=comment(body="while locked"))
        assert answer.status_code == 503
        assert int(answer.headers["Retry-After"]) > 0
        form = client.post("/api/comments", data=comment(body="form while locked"))
        assert form.status_code == 503
        assert form.mimetype == "text/html"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert client.post("/api/comments", json=comment(body="after")).status_code == 201


def test_publish_hook_gets_the_thread_after_commit(make_app):
    calls = []

    def hook(app, thread):
        with get_db(app).read() as conn:
            calls.append((thread, len(queries.list_comments(conn, status="published"))))

    client = make_app(COMMENTS_ON_PUBLISH=hook).test_client()
    client.post("/api/comments", json=comment())
    assert calls == [(THREAD, 1)]


def test_failing_publish_hook_is_logged_and_the_post_still_succeeds(make_app, caplog):
    def hook(app, thread):
        raise RuntimeError("rebuild failed")

    client = make_app(COMMENTS_ON_PUBLISH=hook).test_client()
    answer = client.post("/api/comments", json=comment())
    assert answer.status_code == 201
    assert "publish hook failed for thread rebels-capture-hama" in caplog.text


def test_held_comment_does_not_call_the_publish_hook(make_app):
    calls = []
    client = make_app(COMMENTS_MODERATION="all", COMMENTS_ON_PUBLISH=lambda a, t: calls.append(t))
    client.test_client().post("/api/comments", json=comment())
    assert calls == []


@pytest.mark.parametrize("extra", [0, 1])
def test_request_size_limit_is_exact(make_app, extra):
    app = make_app(COMMENTS_MAX_REQUEST_BYTES=4096)
    shell = len(json.dumps(comment(body=""), separators=(",", ":")))
    payload = json.dumps(comment(body="x" * (4096 - shell + extra)), separators=(",", ":"))
    assert len(payload) == 4096 + extra
    answer = app.test_client().post("/api/comments", data=payload, content_type="application/json")
    assert answer.status_code == (413 if extra else 201)


def test_random_bodies_never_cause_a_server_error(client):
    import random

    rng = random.Random(20241205)
    pieces = [b"thread=", b"rebels-capture-hama", b"&", b"=", b"%", b"%FF", b"%00", b"+", b"body",
              b"author", b"email", b"parent", b"url", b"\xff", b"\x00", b"{", b"}", b"[", b'"',
              b":", b",", b"null", b"1e999", b"-1", b"\\ud800", b"\\u0000", b"a@b.co",
              b"\r\n"]  # fmt: skip
    for i in range(400):
        raw = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        kind = rng.choice(["application/json", "application/x-www-form-urlencoded"])
        answer = client.post("/api/comments", data=raw, content_type=kind)
        assert answer.status_code < 500, (i, raw, answer.status_code)

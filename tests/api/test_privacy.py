"""A commenter's email address appears in no answer, page or log; addresses are not stored."""

from __future__ import annotations

import hashlib
import logging
import re

from comments_api.core.keys import avatar_hash
from comments_api.extensions import get_db
from comments_api.store import queries
from comments_api.store.engine import sqlite_path
from tests.support import EMAIL, SECRET, THREAD, comment

IP = "198.51.100.23"
OTHER = "Second.Reader@Example.org"


def every_form_of(email: str) -> list[str]:
    """Return the address as it could leak: plain, lower-cased, escaped, hashed."""
    lower = email.lower()
    return [
        email,
        lower,
        email.replace("@", "%40"),
        email.replace("@", "&#64;"),
        email.replace("+", "%2B"),
        hashlib.md5(lower.encode()).hexdigest(),
        hashlib.sha256(lower.encode()).hexdigest(),
    ]


def test_email_is_absent_from_every_answer_and_log_line(make_app, caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app(COMMENTS_MODERATION="first-time", COMMENTS_FLOOD_SECONDS=15)
    client = app.test_client()
    env = {"REMOTE_ADDR": IP}
    answers = [
        client.post("/api/comments", json=comment(), environ_base=env),
        client.post("/api/comments", data=comment(email=OTHER, body="Form post")),
        client.post("/api/comments", json=comment(), environ_base=env),  # duplicate
        client.post("/api/comments", json=comment(body="Too soon"), environ_base=env),  # flood
        client.post("/api/comments", data=comment(url="javascript:x", body="x")),  # 422 page
        client.post("/api/comments", json=comment(url="javascript:x", body="x")),  # 422 JSON
        client.post("/api/comments", data=comment(thread="closed-story")),
        client.post("/api/comments", data=comment(website_confirm="bot")),
        client.post("/api/comments", data=comment(), headers={"Origin": "https://evil.example"}),
        client.post("/api/comments", data=comment(email=EMAIL + "x@")),  # invalid email echo
    ]
    cid = answers[0].get_json()["id"]
    from comments_api.actions.editor import set_status

    set_status(app, [cid], "published")
    answers += [
        client.get(f"/api/threads/{THREAD}/comments"),
        client.get(f"/api/comments/{cid}"),
        client.get(f"/api/counts?thread={THREAD}"),
        client.get("/api/openapi.json"),
        client.get("/api/health"),
        client.get(answers[0].get_json()["avatar"]),
    ]
    statuses = [a.status_code for a in answers]
    assert statuses[:10] == [201, 303, 409, 429, 422, 422, 403, 400, 403, 422]
    leaks = every_form_of(EMAIL) + every_form_of(OTHER)
    for answer in answers:
        text = answer.get_data(as_text=True) + str(answer.headers)
        for leak in leaks:
            assert leak not in text, (answer.status_code, answer.request.path)
    assert caplog.records, "the service should log what it does"
    for leak in leaks:
        assert leak not in caplog.text
    assert IP not in caplog.text


def test_avatar_is_a_keyed_hash_not_a_plain_digest(client):
    avatar = client.post("/api/comments", json=comment()).get_json()["avatar"]
    key = re.search(r"([0-9a-f]{32})", avatar).group(1)
    assert key == avatar_hash(SECRET, EMAIL)
    assert key != avatar_hash("some-other-secret-key-value", EMAIL)
    for digest in (hashlib.md5, hashlib.sha1, hashlib.sha256):
        assert key not in digest(EMAIL.lower().encode()).hexdigest()


def test_client_address_is_not_stored_in_clear(client, app, database_url):
    client.post("/api/comments", json=comment(), environ_base={"REMOTE_ADDR": IP})
    with get_db(app).read() as conn:
        [row] = queries.list_comments(conn)
    assert IP not in str(row)
    assert re.fullmatch(r"[0-9a-f]{32}", row["address_hash"])
    app.extensions["comments_db"].dispose()
    raw = b"".join(
        p.read_bytes()
        for p in sqlite_path(database_url).parent.iterdir()
        if p.name.startswith("comments.db")
    )
    assert IP.encode() not in raw
    assert EMAIL.encode() in raw  # kept for moderation, as intended


def test_database_errors_do_not_quote_the_values(app):
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as error, get_db(app).write() as conn:
        queries.insert_comment(conn, {"thread": THREAD, "email": EMAIL, "author": None})
    assert EMAIL not in str(error.value)

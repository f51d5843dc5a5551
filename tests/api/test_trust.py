"""Nothing a stranger can guess buys trust: not an email address, not a name, not an edit."""

from __future__ import annotations

from bs4 import BeautifulSoup

from comments_api.actions.editor import set_status
from tests.support import EMAIL, SITE, THREAD, comment


def post(client, address="198.51.100.7", **fields):
    return client.post(
        "/api/comments", json=comment(**fields), environ_base={"REMOTE_ADDR": address}
    )


def test_an_approved_commenters_email_and_name_alone_are_held(make_app):
    app = make_app(COMMENTS_MODERATION="first-time")
    reader = app.test_client()
    first = post(reader, body="My first comment.").get_json()
    assert first["status"] == "pending"
    set_status(app, [first["id"]], "published")
    stranger = app.test_client()
    forged = post(stranger, address="203.0.113.66", body="Pretending to be Ada.")
    assert forged.get_json()["status"] == "pending"
    assert reader.get(f"/api/comments/{forged.get_json()['id']}").status_code == 404


def test_the_browser_that_posted_before_is_trusted_once_approved(make_app):
    app = make_app(COMMENTS_MODERATION="first-time")
    reader = app.test_client()
    first = post(reader, body="My first comment.").get_json()
    assert post(reader, body="Still waiting.").get_json()["status"] == "pending"
    set_status(app, [first["id"]], "published")
    assert post(reader, body="Back again.").get_json()["status"] == "published"
    # The proof is for that email only.
    other = post(reader, email="someone.else@example.org", body="Another me.")
    assert other.get_json()["status"] == "pending"


def test_the_commenter_cookie_is_http_only_strict_and_holds_no_address(client):
    answer = post(client)
    [cookie] = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("commenter=")]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/api/comments" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert EMAIL.split("@")[0] not in value and "example" not in value


def test_an_edit_to_an_approved_comment_goes_back_to_moderation(make_app):
    calls = []
    app = make_app(
        COMMENTS_MODERATION="first-time", COMMENTS_ON_PUBLISH=lambda a, t: calls.append(t)
    )
    client = app.test_client()
    posted = post(client, body="Measured words.").get_json()
    set_status(app, [posted["id"]], "published")
    edited = client.patch(
        f"/api/comments/{posted['id']}",
        json={"body": "Something else entirely.", "author": "The Editor"},
        headers={"Authorization": f"Bearer {posted['edit_token']}"},
    )
    assert edited.status_code == 200 and edited.get_json()["status"] == "pending"
    assert client.get(f"/api/comments/{posted['id']}").status_code == 404
    assert calls == [THREAD, THREAD]  # published by the editor, then taken down by the edit


def test_cookies_are_secure_behind_a_trusted_https_proxy(make_app):
    app = make_app(COMMENTS_TRUSTED_PROXIES="127.0.0.1", COMMENTS_SITE_URL="http://127.0.0.1:8000")
    answer = app.test_client().post(
        "/api/comments",
        json=comment(),
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
        headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"},
    )
    cookies = answer.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies)
    plain = app.test_client().post(
        "/api/comments",
        json=comment(body="other"),
        environ_base={"REMOTE_ADDR": "198.51.100.8"},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert not any("Secure" in c for c in plain.headers.getlist("Set-Cookie"))


def test_cookies_are_secure_when_the_site_is_https(make_app):
    app = make_app(COMMENTS_SITE_URL="https://news.example.org")
    answer = app.test_client().post(
        "/api/comments", json=comment(), headers={"Origin": "https://news.example.org"}
    )
    assert all("Secure" in c for c in answer.headers.getlist("Set-Cookie"))


def typed_back(answer) -> str:
    return BeautifulSoup(answer.text, "html.parser").get_text()


def test_every_form_error_page_gives_back_the_typed_text_but_not_the_email(client):
    text = "A long comment I would hate to lose."
    cases = [
        comment(thread="no-such-story", body=text),
        comment(thread="closed-story", body=text),
        comment(body=text, website_confirm="autofilled by the browser"),
    ]
    for fields in cases:
        answer = client.post("/api/comments", data=fields, headers={"Origin": SITE})
        assert answer.status_code in (400, 403, 422), fields
        assert text in typed_back(answer), fields
        assert EMAIL not in answer.text

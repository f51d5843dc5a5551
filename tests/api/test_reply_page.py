"""The reply page: the article's form set to answer one comment, for readers without JavaScript."""

from __future__ import annotations

from bs4 import BeautifulSoup

from comments_api.actions.editor import set_status
from tests.support import THREAD, comment


def test_reply_page_holds_the_form_with_the_parent_and_a_cancel_link(client):
    first = client.post("/api/comments", json=comment(author="Ada <b>", body="Worth *reading*"))
    cid = first.get_json()["id"]
    answer = client.get(f"/api/threads/{THREAD}/reply?parent={cid}")
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    soup = BeautifulSoup(answer.text, "html.parser")
    assert soup.find("h1").get_text() == "Reply to Ada <b>"
    assert soup.find("div", class_="comment-content").find("em").get_text() == "reading"
    form = soup.find("form")
    assert form["action"] == "/api/comments"
    assert form.find(attrs={"name": "parent"})["value"] == str(cid)
    assert form.find(attrs={"name": "thread"})["value"] == THREAD
    cancel = soup.find("a", string="Cancel reply")
    assert cancel["href"] == f"/rebels-capture-hama.html#comment-{cid}"
    assert "Leave a Reply to Ada <b>" in soup.find(id="reply-title").get_text()
    assert form.find(attrs={"aria-invalid": True}) is None
    assert soup.find(id="comment-email-note") is None


def test_reply_posted_from_the_page_is_nested(client):
    cid = client.post("/api/comments", json=comment()).get_json()["id"]
    html = client.get(f"/api/threads/{THREAD}/reply?parent={cid}").text
    page = BeautifulSoup(html, "html.parser")
    fields = {i["name"]: i.get("value", "") for i in page.find("form").find_all("input")}
    fields.update(author="Ben", email="ben@example.org", body="A reply", remember="")
    answer = client.post("/api/comments", data=fields)
    assert answer.status_code == 303
    listed = client.get(f"/api/threads/{THREAD}/comments").get_json()["comments"]
    assert [(c["body_html"], c["parent"]) for c in listed] == [
        ("<p>A fair report.</p>", None),
        ("<p>A reply</p>", cid),
    ]


def test_reply_to_a_hidden_missing_or_foreign_comment_is_404(make_app):
    app = make_app(COMMENTS_MODERATION="all")
    client = app.test_client()
    held = client.post("/api/comments", json=comment()).get_json()["id"]
    other = client.post("/api/comments", json=comment(thread="second-story")).get_json()["id"]
    set_status(app, [other], "published")
    for query in (f"parent={held}", f"parent={other}", "parent=999", "parent=x", ""):
        answer = client.get(f"/api/threads/{THREAD}/reply?{query}")
        assert answer.status_code == 404, query
        assert answer.mimetype == "text/html"
        assert "Rebels capture Hama" in answer.text


def test_reply_page_for_unknown_or_closed_threads(client):
    assert client.get("/api/threads/nope/reply?parent=1").status_code == 404
    closed = client.get("/api/threads/closed-story/reply?parent=1")
    assert closed.status_code == 403
    assert "Comments are closed." in closed.text

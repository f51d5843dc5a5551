"""The HTML answers to browser form posts: errors at their fields, typed text given back inert."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.support import EMAIL, THREAD, comment


def test_form_error_page_shows_each_error_at_its_field_and_gives_back_the_text(client):
    typed = comment(author="Ada <b>L</b>", email="ada@@example.org", url="javascript:x",
                    body="My \"considered\" view </textarea><script>alert(1)</script>",
                    remember="yes")  # fmt: skip
    answer = client.post("/api/comments", data=typed)
    assert answer.status_code == 422
    assert answer.mimetype == "text/html"
    assert "ada@@example.org" not in answer.text
    soup = BeautifulSoup(answer.text, "html.parser")
    assert soup.find("link", rel="stylesheet")["href"] == "/theme/css/site.css"
    assert soup.find("script") is None
    form = soup.find("form")
    assert form["action"] == "/api/comments"
    assert form["method"] == "post"
    for name, label in [("body", "Comment"), ("author", "Name"), ("email", "Email"),
                        ("url", "Website")]:  # fmt: skip
        field = form.find(attrs={"name": name})
        assert form.find("label", attrs={"for": field["id"]}).get_text().startswith(label)
    email, url = form.find(attrs={"name": "email"}), form.find(attrs={"name": "url"})
    for field in (email, url):
        assert field["aria-invalid"] == "true"
        error_id = field["aria-describedby"].split()[0]
        assert soup.find(id=error_id).get_text().strip()
    assert email.get("value", "") == ""
    assert url["value"] == "javascript:x"
    assert "aria-invalid" not in form.find(attrs={"name": "author"}).attrs
    assert form.find(attrs={"name": "author"})["value"] == "Ada <b>L</b>"
    assert form.find("textarea").get_text().strip() == typed["body"]
    assert form.find(attrs={"name": "thread"})["value"] == THREAD
    assert form.find(attrs={"name": "remember"}).has_attr("checked")
    assert form.find("button").get_text() == "Post Comment"
    assert "Save my name, email, and website in this browser" in form.get_text()
    assert soup.find("a", string="Rebels capture Hama")["href"] == "/rebels-capture-hama.html"


def test_form_error_page_for_a_closed_thread_has_a_message(client):
    answer = client.post("/api/comments", data=comment(thread="closed-story"))
    assert answer.status_code == 403
    assert "Comments are closed." in answer.text
    assert EMAIL not in answer.text


HOSTILE = [
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "' onmouseover='alert(1)",
    "</textarea><svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}",
]


def assert_inert_page(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(["script", "img", "svg", "iframe"]) is None
    for tag in soup.find_all(True):
        assert not any(name.startswith("on") for name in tag.attrs), tag
        assert "javascript:" not in (tag.get("href") or ""), tag
    assert "49" not in soup.get_text()


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_text_in_every_field_is_inert_on_the_error_page(client, payload):
    fields = comment(author=payload, url=payload, body=payload, email=payload, parent=payload)
    answer = client.post("/api/comments", data=fields)
    assert answer.status_code == 422
    assert_inert_page(answer.text)
    form = BeautifulSoup(answer.text, "html.parser").find("form")
    assert form.find(attrs={"name": "author"})["value"] == payload
    assert form.find("textarea").get_text().strip() == payload
    assert form.find(attrs={"name": "parent"})["value"] == ""
    assert form.find(attrs={"name": "email"}).get("value", "") == ""


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_thread_is_not_echoed(client, payload):
    answer = client.post("/api/comments", data=comment(thread=payload))
    assert answer.status_code == 422
    assert_inert_page(answer.text)
    assert payload not in answer.text


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_author_is_returned_as_plain_data(client, payload):
    answer = client.post("/api/comments", json=comment(author=payload, body=payload))
    assert answer.status_code == 201
    data = answer.get_json()
    assert data["author"] == payload
    assert_inert_page(data["body_html"])
    assert answer.mimetype == "application/json"

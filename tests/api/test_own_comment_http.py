"""The commenter's own comment over real HTTP: shown only to the holder of its edit token,
changed and deleted from plain HTML forms, and the flood answer that names the wait."""

from __future__ import annotations

import re

import pytest
import requests

from comments_api.actions.commenter import NOT_YOURS, please_wait, wait_words
from tests.support import SITE, LiveServer, comment

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
SECOND = "second-story"


@pytest.fixture
def served(make_app, clock):
    """Serve an app that holds every comment (the edit window as configured) over HTTP."""
    with LiveServer(make_app(COMMENTS_MODERATION="all", CLOCK=clock)) as server:
        yield server


def post_form(server, session, **fields) -> requests.Response:
    """Post the article form as a browser without JavaScript does, without following."""
    return session.post(
        f"{server.url}/api/comments",
        data=comment(thread=SECOND, **fields),
        headers={"Origin": SITE},
        allow_redirects=False,
    )


def test_a_held_form_post_leads_to_the_authors_own_page(served):
    author = requests.Session()
    posted = post_form(served, author, body="Held until an editor reads it.")
    assert posted.status_code == 303
    match = re.fullmatch(r"/api/comments/(\d+)/own", posted.headers["Location"])
    assert match
    page = author.get(served.url + posted.headers["Location"], headers=HTML)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Awaiting moderation: only you can see this" in page.text
    assert "Held until an editor reads it." in page.text
    assert f'action="/api/comments/{match[1]}/edit"' in page.text
    assert f'action="/api/comments/{match[1]}/delete"' in page.text


def test_without_an_edit_window_a_held_post_still_goes_to_the_pending_notice(make_app):
    client = make_app(COMMENTS_MODERATION="all", COMMENTS_EDIT_SECONDS=0).test_client()
    answer = client.post("/api/comments", data=comment(thread=SECOND))
    assert answer.headers["Location"] == "/world/second-story.html#comment-pending"


def test_the_own_comment_answers_only_the_holder_of_its_token(served):
    author = requests.Session()
    created = author.post(
        f"{served.url}/api/comments", json=comment(body="Mine *alone*."), headers=JSON
    ).json()
    cid = created["id"]
    own = author.get(f"{served.url}/api/comments/{cid}/own", headers=JSON)
    assert own.status_code == 200
    assert own.json()["status"] == "pending"
    assert own.json()["body"] == "Mine *alone*."
    assert own.json()["edit_until"] == created["edit_until"]
    assert "email" not in own.json()
    bearer = {**JSON, "Authorization": f"Bearer {created['edit_token']}"}
    assert requests.get(f"{served.url}/api/comments/{cid}/own", headers=bearer).status_code == 200

    published = (
        requests.Session()
        .post(f"{served.url}/api/comments", json=comment(body="Another reader."), headers=JSON)
        .json()
    )
    wrong = {**JSON, "Authorization": f"Bearer {published['edit_token']}"}
    answers = [
        requests.get(f"{served.url}/api/comments/{cid}/own", headers=JSON),  # a stranger
        requests.get(f"{served.url}/api/comments/{cid}/own", headers=wrong),  # another token
        requests.get(f"{served.url}/api/comments/{cid + 100}/own", headers=JSON),  # none
        author.get(f"{served.url}/api/comments/{published['id']}/own", headers=JSON),
    ]
    assert [a.status_code for a in answers] == [404] * 4
    assert {a.text for a in answers} == {answers[0].text}
    assert answers[0].json() == {"error": NOT_YOURS}
    page = requests.get(f"{served.url}/api/comments/{cid}/own", headers=HTML)
    assert page.status_code == 404
    assert "Mine" not in page.text and "Ada" not in page.text


def test_the_own_comment_is_gone_once_the_edit_time_is_over(served, clock):
    author = requests.Session()
    cid = author.post(f"{served.url}/api/comments", json=comment(), headers=JSON).json()["id"]
    clock.advance(seconds=15 * 60 + 1)
    answer = author.get(f"{served.url}/api/comments/{cid}/own", headers=JSON)
    assert answer.status_code == 404
    assert answer.json() == {"error": NOT_YOURS}


def test_the_authors_forms_change_and_delete_the_comment(served):
    author = requests.Session()
    location = post_form(served, author, body="First words.").headers["Location"]
    cid = int(location.split("/")[3])
    origin = {"Origin": SITE}
    bad = author.post(
        f"{served.url}/api/comments/{cid}/edit",
        data={"body": "  ", "author": "Ada"},
        headers=origin,
        allow_redirects=False,
    )
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text and "error-summary" in bad.text
    saved = author.post(
        f"{served.url}/api/comments/{cid}/edit",
        data={"body": "Second thoughts.", "author": "Ada L.", "url": ""},
        headers=origin,
        allow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"/api/comments/{cid}/own?saved=1"
    page = author.get(served.url + saved.headers["Location"], headers=HTML)
    assert "Your changes are saved." in page.text
    assert "Second thoughts." in page.text and "First words." not in page.text
    own = author.get(f"{served.url}/api/comments/{cid}/own", headers=JSON).json()
    assert (own["author"], own["body"], own["status"]) == ("Ada L.", "Second thoughts.", "pending")

    gone = author.post(f"{served.url}/api/comments/{cid}/delete", headers=origin)
    assert gone.status_code == 200
    assert "Your comment has been deleted." in gone.text
    assert f"comment_edit_{cid}" not in author.cookies.get_dict()
    assert author.get(f"{served.url}/api/comments/{cid}/own", headers=JSON).status_code == 404


def test_the_authors_forms_refuse_strangers_and_other_sites(served):
    author = requests.Session()
    cid = int(post_form(served, author, body="Keep me.").headers["Location"].split("/")[3])
    stranger = requests.post(f"{served.url}/api/comments/{cid}/delete", headers={"Origin": SITE})
    assert stranger.status_code == 404
    assert "Keep me." not in stranger.text
    # A page of another site that makes the author's browser post (cross-site request).
    for action, data in (("delete", {}), ("edit", {"body": "Forged.", "author": "Ada"})):
        forged = author.post(
            f"{served.url}/api/comments/{cid}/{action}",
            data=data,
            headers={"Origin": "https://elsewhere.example"},
        )
        assert forged.status_code == 403
    own = author.get(f"{served.url}/api/comments/{cid}/own", headers=JSON).json()
    assert own["body"] == "Keep me."


def test_the_flood_answer_names_the_wait(make_app):
    with LiveServer(make_app(COMMENTS_FLOOD_SECONDS=40)) as server:
        first = requests.post(f"{server.url}/api/comments", json=comment(), headers=JSON)
        assert first.status_code == 201
        again = requests.post(
            f"{server.url}/api/comments", json=comment(body="Once more."), headers=JSON
        )
        assert again.status_code == 429
        wait = int(again.headers["Retry-After"])
        assert 1 <= wait <= 41
        expected = f"Please wait {wait} seconds before posting again."
        assert again.json()["error"].endswith(expected)
        page = requests.post(
            f"{server.url}/api/comments",
            data=comment(body="And by form."),
            headers={"Origin": SITE},
        )
        assert page.status_code == 429
        assert re.search(r"Please wait \d+ seconds before posting again\.", page.text)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (40, "40 seconds"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (3600, "60 minutes"),
    ],
)
def test_wait_words(seconds, words):
    assert wait_words(seconds) == words
    assert please_wait(seconds) == f"Please wait {words} before posting again."

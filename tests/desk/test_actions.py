"""The desk's actions end to end over real HTTP, on the built sample site: delete and restore,
an editor's edit with a note, a staff reply with its badge on the static page, featured
comments, readers' reports, rules on commenters, and an admin closing an article."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import pytest
import requests

from comments_api.store.queries import REPORTED
from tests.conftest import build_site
from tests.support import start_live_site
from tests.test_journeys import HAMA

PASSWORD = "a long desk password 42"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
EMAILS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    # Reports and posts tell clients apart by the address the proxy (here: the test) names.
    site = start_live_site(
        tmp_path_factory.mktemp("desk-actions"), build_site,
        COMMENTS_TRUSTED_PROXIES="127.0.0.1", COMMENTS_REPORT_LIMIT="off",
    )  # fmt: skip
    site.add_editor("mira", PASSWORD)
    site.add_editor("ada", PASSWORD, role="admin")
    yield site
    site.stop()


class Desk:
    """A browser-like client of the desk: cookies, the CSRF token, the site's Origin."""

    def __init__(self, live, name: str) -> None:
        self.live, self.http = live, requests.Session()
        self.http.headers["Origin"] = live.url
        page = self.http.get(f"{live.url}/desk/sign-in").text
        answer = self.http.post(
            f"{live.url}/desk/sign-in",
            data={"name": name, "password": PASSWORD, "csrf": CSRF.search(page).group(1)},
            allow_redirects=False,
        )
        assert answer.status_code == 303, answer.text[:300]
        self.csrf = CSRF.search(self.get("/desk/").text).group(1)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f"{self.live.url}{path}", **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        return self.http.post(f"{self.live.url}{path}", data={"csrf": self.csrf, **data},
                              allow_redirects=False, **kwargs)  # fmt: skip

    def act(self, action: str, *ids: int, queue: str = "pending") -> dict:
        answer = self.post(
            "/desk/act", {"action": action, "id": [str(i) for i in ids], "queue": queue},
            headers={"Accept": "application/json"},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text[:300]
        return answer.json()


@pytest.fixture(scope="module")
def moderator(live) -> Desk:
    return Desk(live, "mira")


@pytest.fixture(scope="module")
def admin(live) -> Desk:
    return Desk(live, "ada")


def post(live, body: str, *, email: str, address: str = "198.51.100.7", token: str | None = None,
         author: str = "Reader", thread: str = HAMA) -> requests.Response:  # fmt: skip
    cookies = {"commenter": token} if token else {}
    return requests.post(
        f"{live.url}/api/comments",
        json={"thread": thread, "author": author, "email": email, "body": body},
        headers={"X-Forwarded-For": address}, cookies=cookies, timeout=30,
    )  # fmt: skip


def posted(live, body: str, **kwargs) -> dict:
    answer = post(live, body, **kwargs)
    assert answer.status_code == 201, answer.text
    return {**answer.json(), "commenter": answer.cookies.get("commenter")}


def page(live) -> str:
    return (live.output / f"{HAMA}.html").read_text(encoding="utf-8")


def eventually(check: Callable[[], bool], within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def shown(live, comment_id: int) -> bool:
    return f'id="comment-{comment_id}"' in page(live)


def published(live, moderator, body: str, **kwargs) -> int:
    made = posted(live, body, **kwargs)
    moderator.act("approve", made["id"])
    assert eventually(lambda: shown(live, made["id"]))
    return made["id"]


def log_entries(desk: Desk) -> str:
    return desk.get("/desk/log").text


def test_delete_moves_a_comment_to_deleted_and_restore_brings_it_back(live, moderator):
    comment_id = published(live, moderator, "Soon deleted, then restored.", email="del@example.org")
    done = moderator.act("delete", comment_id, queue="published")
    assert done["done"] == [comment_id] and done["message"] == "1 comment deleted."
    assert eventually(lambda: not shown(live, comment_id))
    deleted = moderator.get("/desk/deleted").text
    assert f'id="c{comment_id}"' in deleted and "purged after 30 days" in deleted
    assert f'id="c{comment_id}"' not in moderator.get("/desk/published").text
    assert moderator.act("restore", comment_id, queue="deleted")["done"] == [comment_id]
    assert eventually(lambda: shown(live, comment_id))
    assert f'id="c{comment_id}"' in moderator.get("/desk/published").text
    # Before and after are in the log under the editor's name.
    assert re.search(rf"mira</td>\s*<td>restore</td>\s*<td>{comment_id} on", log_entries(moderator))


def test_an_editors_edit_changes_the_page_and_keeps_the_note(live, moderator):
    comment_id = published(live, moderator, "The mayor said tax rises.", email="ed@example.org")
    form = moderator.get(f"/desk/comments/{comment_id}/edit").text
    assert "The mayor said tax rises." in form
    answer = moderator.post(
        f"/desk/comments/{comment_id}/edit",
        {"body": "The mayor said tax cuts.", "author": "Reader", "url": "", "note": "Fact fix"},
    )
    assert answer.status_code == 303
    assert eventually(lambda: "The mayor said tax cuts." in page(live))
    shown_on_desk = moderator.get("/desk/published").text
    assert "Edited by" in shown_on_desk and "Fact fix" in shown_on_desk
    log = log_entries(moderator)
    assert "tax rises" in log and "tax cuts" in log and "Fact fix" in log


def test_an_edit_that_breaks_a_field_is_refused_naming_it_and_keeps_the_text(live, moderator):
    comment_id = published(live, moderator, "Stays as it was.", email="ed2@example.org")
    answer = moderator.post(
        f"/desk/comments/{comment_id}/edit",
        {"body": "A new text that is kept.", "author": "", "url": "", "note": ""},
    )
    assert answer.status_code == 422
    assert "Please enter your name." in answer.text
    assert "A new text that is kept." in answer.text
    assert "Stays as it was." in page(live)


def test_a_staff_reply_is_published_with_the_badge_on_the_static_page(live, moderator):
    comment_id = published(live, moderator, "Who checks these numbers?", email="ask@example.org")
    answer = moderator.post(
        f"/desk/comments/{comment_id}/reply", {"body": "Our data desk does, every week."}
    )
    assert answer.status_code == 303
    assert eventually(lambda: "Our data desk does, every week." in page(live))
    html = page(live)
    reply = html[html.index("Our data desk does") - 2000 : html.index("Our data desk does")]
    assert '<span class="staff-badge" lang="en">Staff</span>' in reply
    thread = requests.get(f"{live.url}/api/threads/{HAMA}/comments", timeout=30).json()
    [staff] = [c for c in thread["comments"] if c["staff"]]
    assert staff["parent"] == comment_id and "email" not in staff


def test_a_featured_comment_is_pinned_at_the_top_of_its_thread(live, moderator):
    comment_id = published(live, moderator, "The clearest summary here.", email="ft@example.org")
    answer = moderator.act("feature", comment_id, queue="published")
    # It stays in the queue, and the desk's script gets its new HTML.
    assert answer["done"] == [] and "Featured" in answer["items"][str(comment_id)]
    assert eventually(lambda: 'class="featured-comments"' in page(live))
    html = page(live)
    box = html[html.index('class="featured-comments"') : html.index('id="comment-list"')]
    assert "The clearest summary here." in box and f'href="#comment-{comment_id}"' in box
    moderator.act("unfeature", comment_id, queue="published")
    assert eventually(lambda: 'class="featured-comments"' not in page(live))


def report(live, comment_id: int, address: str, **fields) -> requests.Response:
    return requests.post(
        f"{live.url}/api/comments/{comment_id}/report",
        data={"reason": "abuse", "note": "", **fields},
        headers={"X-Forwarded-For": address}, timeout=30,
    )  # fmt: skip


def test_three_readers_reports_take_a_comment_off_the_page_into_the_reported_queue(live, moderator):
    comment_id = published(live, moderator, "A rude remark.", email="rude@example.org")
    form = requests.get(f"{live.url}/api/comments/{comment_id}/report", timeout=30)
    assert form.status_code == 200 and "What is wrong with it?" in form.text
    first = report(live, comment_id, "203.0.113.1", note="Insults another reader")
    assert first.status_code == 200 and "An editor will look at this comment." in first.text
    # The same client again counts once and is answered alike.
    assert report(live, comment_id, "203.0.113.1").text == first.text
    report(live, comment_id, "203.0.113.2")
    time.sleep(0.5)
    assert shown(live, comment_id)
    report(live, comment_id, "203.0.113.3", reason="spam")
    assert eventually(lambda: not shown(live, comment_id))
    queue = moderator.get(f"/desk/{REPORTED}").text
    assert f'id="c{comment_id}"' in queue
    assert "3 reports" in queue and "Insults another reader" in queue
    assert "readers&#39; reports (3)" in queue
    assert "203.0.113" not in queue
    # Approving keeps it and dismisses the reports.
    assert moderator.act("approve", comment_id, queue=REPORTED)["done"] == [comment_id]
    assert eventually(lambda: shown(live, comment_id))
    assert f'id="c{comment_id}"' not in moderator.get(f"/desk/{REPORTED}").text


def test_a_report_names_the_missing_field_keeps_the_note_and_tells_nothing_of_held_comments(
    live, moderator
):
    comment_id = published(live, moderator, "Reported without reason.", email="nr@example.org")
    refused = report(live, comment_id, "203.0.113.9", reason="", note="my note stays")
    assert refused.status_code == 422
    assert "Choose one of the reasons." in refused.text and "my note stays" in refused.text
    held = posted(live, "Held, not public.", email="held-rep@example.org")
    missing = report(live, 10**8, "203.0.113.9")
    hidden = report(live, held["id"], "203.0.113.9")
    assert hidden.status_code == missing.status_code == 404
    assert "Held, not public." not in hidden.text
    scripted = requests.post(
        f"{live.url}/api/comments/{comment_id}/report", json={"reason": "other"},
        headers={"X-Forwarded-For": "203.0.113.10"}, timeout=30,
    )  # fmt: skip
    assert scripted.status_code == 202 and "email" not in scripted.text


def test_blocking_a_commenter_silently_stores_their_later_posts_as_spam(live, moderator):
    made = posted(live, "First words of a troll.", email="troll@example.org", address="192.0.2.66")
    assert moderator.act("block", made["id"])["done"] == [made["id"]]
    ordinary = posted(live, "An ordinary first comment.", email="new@example.org",
                      address="192.0.2.67")  # fmt: skip
    by_email = posted(live, "Back again.", email="TROLL@example.org", address="192.0.2.68")
    by_address = posted(live, "New name, same line.", email="x@example.org", address="192.0.2.66")
    # Each answer looks like any held comment.
    assert {ordinary["status"], by_email["status"], by_address["status"]} == {"pending"}
    assert set(ordinary) == set(by_email) == set(by_address)
    spam = moderator.get("/desk/spam").text
    for comment in (made, by_email, by_address):
        assert f'id="c{comment["id"]}"' in spam
    assert "blocked commenter" in spam and "Blocked" in spam
    assert f'id="c{ordinary["id"]}"' in moderator.get("/desk/pending").text


def test_trust_publishes_the_proven_commenter_directly_and_always_hold_holds(live, moderator):
    first = posted(live, "A newcomer's first comment.", email="trusted@example.org")
    moderator.act("trust", first["id"])
    assert eventually(lambda: shown(live, first["id"]))
    again = posted(live, "Published at once now, many links: a.example b.example c.example.",
                   email="trusted@example.org", token=first["commenter"])  # fmt: skip
    assert again["status"] == "published"
    # Without this browser's proof the email alone is not trusted.
    stranger = posted(live, "Claims to be trusted.", email="trusted@example.org")
    assert stranger["status"] == "pending"

    regular = published(live, moderator, "An approved regular.", email="reg@example.org")
    moderator.act("always-hold", regular, queue="published")
    held = posted(live, "Held from now on.", email="reg@example.org")
    assert held["status"] == "pending"
    pending = moderator.get("/desk/pending").text
    assert "the editors hold every comment from this commenter" in pending


def test_an_admin_closes_and_reopens_an_article_and_a_moderator_may_not(live, moderator, admin):
    assert moderator.get("/desk/articles").status_code == 403
    assert moderator.post("/desk/articles", {"thread": HAMA, "open": "0"}).status_code == 403
    articles = admin.get("/desk/articles").text
    assert f'id="a-{HAMA}"' in articles
    assert admin.post("/desk/articles", {"thread": HAMA, "open": "0"}).status_code == 303
    assert eventually(lambda: "Comments are closed." in page(live))
    assert 'id="commentform"' not in page(live)
    refused = post(live, "Too late.", email="late@example.org")
    assert refused.status_code == 403 and refused.json()["errors"]["thread"]
    assert admin.post("/desk/articles", {"thread": HAMA, "open": "1"}).status_code == 303
    assert eventually(lambda: 'id="commentform"' in page(live))
    assert post(live, "Open again.", email="late@example.org").status_code == 201
    assert re.search(rf"ada</td>\s*<td>close</td>\s*<td>{HAMA}</td>", log_entries(admin))


def test_an_admin_adds_and_removes_an_editor_on_the_desk(live, admin, moderator):
    added = admin.post("/desk/editors", {"name": "noor", "role": "moderator", "password": "short"})
    assert added.status_code == 422 and "noor" in added.text
    added = admin.post("/desk/editors", {"name": "noor", "role": "moderator", "password": PASSWORD})
    assert added.status_code == 200 and "Added noor (moderator)." in added.text
    noor = Desk(live, "noor")
    assert noor.get("/desk/pending").status_code == 200
    assert admin.post("/desk/editors", {"remove": "noor"}).status_code == 200
    # Their session ended at once.
    assert noor.get("/desk/pending", allow_redirects=False).status_code == 303
    assert moderator.get("/desk/editors").status_code == 403


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/desk/act", {"action": "approve", "id": "1"}),
        ("/desk/comments/1/edit", {"body": "x", "author": "y", "url": "", "note": ""}),
        ("/desk/comments/1/reply", {"body": "x"}),
        ("/desk/articles", {"thread": HAMA, "open": "0"}),
        ("/desk/editors", {"remove": "mira"}),
    ],
)
def test_every_desk_form_refuses_a_missing_or_wrong_csrf_token(live, admin, path, data):
    for token in ("", "not-the-token"):
        answer = admin.http.post(f"{live.url}{path}", data={**data, "csrf": token},
                                 allow_redirects=False)  # fmt: skip
        assert answer.status_code == 403, (path, answer.text[:200])
    foreign = admin.http.post(
        f"{live.url}{path}", data={**data, "csrf": admin.csrf},
        headers={"Origin": "https://elsewhere.example"}, allow_redirects=False,
    )  # fmt: skip
    assert foreign.status_code == 403


def test_signed_out_no_desk_page_or_answer_shows_an_email_address(live, moderator):
    made = posted(live, "Secret address inside.", email="private-person@example.org")
    moderator.act("spam", made["id"])
    stranger = requests.Session()
    paths = [
        "/desk/", "/desk/pending", "/desk/spam", f"/desk/{REPORTED}", "/desk/deleted",
        "/desk/published", "/desk/log", "/desk/articles", "/desk/editors",
        f"/desk/comments/{made['id']}/edit", f"/desk/comments/{made['id']}/reply",
        f"/api/comments/{made['id']}/report", f"/api/threads/{HAMA}/comments",
    ]  # fmt: skip
    for path in paths:
        answer = stranger.get(f"{live.url}{path}")
        assert "private-person@" not in answer.text, path
        assert not EMAILS.findall(answer.text), path
    for path, data in [("/desk/act", {"one": f"approve:{made['id']}"}),
                       (f"/desk/comments/{made['id']}/edit", {"body": "x"})]:  # fmt: skip
        answer = stranger.post(f"{live.url}{path}", data=data, allow_redirects=False)
        assert answer.status_code == 401 and "private-person@" not in answer.text
    assert "private-person@" not in json.dumps(
        requests.get(f"{live.url}/api/threads/{HAMA}/comments", timeout=30).json()
    )

"""The desk's queues and actions over HTTP: what an editor sees of each held comment, approving,
holding and marking spam one by one and in bulk, the log, and what a stranger gets."""

from __future__ import annotations

import getpass
import re

import pytest

from comments_api import create_app
from comments_api.extensions import get_db
from comments_api.store import queries
from tests.support import EMAIL, LIMITS_OFF, SECRET, SITE, THREAD, comment, write_manifest

PASSWORD = "a long desk password 42"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def desk_app(tmp_path):
    manifest = write_manifest(tmp_path / "output" / "comments" / "threads.json")
    app = create_app(
        {
            "TESTING": True,
            "COMMENTS_SECRET_KEY": SECRET,
            "COMMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'comments.db'}",
            "COMMENTS_MANIFEST": manifest,
            "COMMENTS_SITE_DIR": manifest.parent.parent,
            "COMMENTS_SITE_URL": SITE,
            "COMMENTS_PAGE_WORKER": "inline",
            "COMMENTS_MODERATION": "first-time",
            **LIMITS_OFF,
        }
    )
    result = app.test_cli_runner().invoke(
        args=["editors", "add", "mira", "--role", "moderator", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    yield app
    get_db(app).dispose()


def post_held(app, count: int = 1, **fields) -> list[int]:
    """Post `count` comments that the first-time rule holds; return their ids."""
    client = app.test_client()
    ids = []
    for n in range(count):
        answer = client.post(
            "/api/comments", json=comment(**{"body": f"Held comment {n}.", **fields})
        )
        assert answer.status_code == 201 and answer.get_json()["status"] == "pending"
        ids.append(answer.get_json()["id"])
    return ids


def sign_in(app):
    client = app.test_client()
    page = client.get("/desk/sign-in").get_data(as_text=True)
    answer = client.post(
        "/desk/sign-in",
        data={"name": "mira", "password": PASSWORD, "csrf": CSRF.search(page).group(1)},
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    return client


def form_token(client, path: str = "/desk/pending") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def status_of(app, comment_id: int) -> str:
    with get_db(app).read() as conn:
        return queries.get_comment(conn, comment_id)["status"]


def test_signed_out_no_desk_page_or_action_shows_anything(desk_app):
    [held] = post_held(desk_app)
    client = desk_app.test_client()
    for path in ("/desk/", "/desk/pending", "/desk/spam", "/desk/log"):
        answer = client.get(path)
        assert answer.status_code == 303 and "/desk/sign-in" in answer.headers["Location"]
        assert EMAIL not in answer.get_data(as_text=True)
    answer = client.post("/desk/act", data={"one": f"approve:{held}"})
    assert answer.status_code in (401, 403)
    assert EMAIL not in answer.get_data(as_text=True)
    assert status_of(desk_app, held) == "pending"


def test_the_pending_queue_says_who_wrote_where_and_why_it_is_held(desk_app):
    [held] = post_held(desk_app, url="https://ada.example")
    client = sign_in(desk_app)
    answer = client.get("/desk/pending")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert "noindex" in answer.headers["X-Robots-Tag"]
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    item = html[html.index(f'id="c{held}"') :]
    assert "Rebels capture Hama" in item and f"rebels-capture-hama.html#comment-{held}" in item
    assert EMAIL in item and "https://ada.example" in item and "<p>Held comment 0.</p>" in item
    assert "First-time" in item
    assert "first comment from this email" in item
    assert "0 approved · 1 held · 0 spam" in item
    # The nav counts every queue.
    assert re.search(r"Pending <span class=\"count\">1</span>", html)


def test_approving_one_publishes_it_logs_who_did_it_and_the_queue_says_so(desk_app):
    first, second = post_held(desk_app, 2)
    client = sign_in(desk_app)
    answer = client.post(
        "/desk/act",
        data={"csrf": form_token(client), "one": f"approve:{first}", "back": "/desk/pending"},
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/desk/pending?")
    assert status_of(desk_app, first) == "published" and status_of(desk_app, second) == "pending"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "1 comment approved." in page
    assert f'id="c{first}"' not in page and f'id="c{second}"' in page
    # The second comment's writer now has an approved comment: the record says so.
    assert "1 approved · 1 held · 0 spam" in page
    log = client.get("/desk/log").get_data(as_text=True)
    assert re.search(rf"<td>mira</td>\s*<td>approve</td>\s*<td>{first} on {THREAD}</td>", log)
    assert "<td>pending</td>" in log and "<td>published</td>" in log
    with get_db(desk_app).read() as conn:
        [entry] = [e for e in queries.log_entries(conn, limit=5) if e["comment_id"]]
    assert (entry["actor"], entry["action"], entry["comment_id"]) == ("mira", "approve", first)
    assert (entry["old_value"], entry["new_value"]) == ("pending", "published")


def test_bulk_spam_of_three_moves_exactly_the_ticked_ones(desk_app):
    ids = post_held(desk_app, 4)
    client = sign_in(desk_app)
    answer = client.post(
        "/desk/act",
        data={"csrf": form_token(client), "action": "spam", "id": [str(i) for i in ids[:3]]},
    )
    assert answer.status_code == 303
    assert [status_of(desk_app, i) for i in ids] == ["spam", "spam", "spam", "pending"]
    spam = client.get("/desk/spam").get_data(as_text=True)
    assert all(f'id="c{i}"' in spam for i in ids[:3])
    assert "3 comments marked as spam." in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )


def test_an_action_without_the_csrf_token_is_refused_and_changes_nothing(desk_app):
    [held] = post_held(desk_app)
    client = sign_in(desk_app)
    for token in (None, "forged-token"):
        data = {"one": f"approve:{held}"} | ({"csrf": token} if token else {})
        assert client.post("/desk/act", data=data).status_code == 403
    assert status_of(desk_app, held) == "pending"
    with get_db(desk_app).read() as conn:
        assert [e for e in queries.log_entries(conn, limit=5) if e["comment_id"]] == []


def test_an_action_from_another_site_is_refused(desk_app):
    [held] = post_held(desk_app)
    client = sign_in(desk_app)
    answer = client.post(
        "/desk/act",
        data={"csrf": form_token(client), "one": f"approve:{held}"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert answer.status_code == 403 and status_of(desk_app, held) == "pending"


def test_with_javascript_an_action_answers_json_with_the_new_counts(desk_app):
    first, second = post_held(desk_app, 2)
    client = sign_in(desk_app)
    answer = client.post(
        "/desk/act",
        data={"csrf": form_token(client), "action": "approve", "id": [str(first), str(second)]},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["done"] == [first, second]
    assert body["counts"] == {"pending": 0, "reported": 0, "published": 2, "spam": 0, "deleted": 0}
    assert body["message"] == "2 comments approved."
    assert EMAIL not in answer.get_data(as_text=True)


def test_nothing_ticked_is_said_and_changes_nothing(desk_app):
    [held] = post_held(desk_app)
    client = sign_in(desk_app)
    answer = client.post("/desk/act", data={"csrf": form_token(client), "action": "spam"})
    assert answer.status_code == 303
    assert "Select at least one comment first." in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    assert status_of(desk_app, held) == "pending"


@pytest.mark.parametrize(
    "back", ["https://elsewhere.example/desk/", "//elsewhere.example/desk/", "/api/comments"]
)
def test_an_action_never_leads_off_the_desk(desk_app, back):
    [held] = post_held(desk_app)
    client = sign_in(desk_app)
    answer = client.post(
        "/desk/act", data={"csrf": form_token(client), "one": f"hold:{held}", "back": back}
    )
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/desk/?")


def test_filters_find_by_article_email_and_text_in_either_order_a_page_at_a_time(desk_app):
    ids = post_held(desk_app, 27)
    other = post_held(desk_app, 1, thread="second-story", email="other@example.org",
                      body="Seagrass meadows recover.")[0]  # fmt: skip
    client = sign_in(desk_app)

    def shown(path: str) -> list[int]:
        return [int(n) for n in re.findall(r'id="c(\d+)"', client.get(path).get_data(as_text=True))]

    assert shown("/desk/pending")[:2] == [other, ids[-1]] and len(shown("/desk/pending")) == 25
    assert shown("/desk/pending?page=2") == [ids[2], ids[1], ids[0]]
    assert shown("/desk/pending?order=oldest")[:2] == [ids[0], ids[1]]
    assert shown("/desk/pending?article=second-story") == [other]
    assert shown("/desk/pending?email=OTHER@example.org") == [other]
    assert shown("/desk/pending?q=seagrass") == [other]
    assert shown("/desk/pending?q=100%25") == []
    assert "No comments match these filters." in client.get("/desk/pending?q=zzz").get_data(
        as_text=True
    )
    assert client.get("/desk/nowhere").status_code == 404


def test_cli_actions_enter_the_log_as_the_system_user(desk_app):
    [held] = post_held(desk_app)
    result = desk_app.test_cli_runner().invoke(args=["comments", "approve", str(held)])
    assert result.exit_code == 0
    with get_db(desk_app).read() as conn:
        [entry] = [e for e in queries.log_entries(conn, limit=5) if e["comment_id"]]
    assert entry["actor"] == f"system:{getpass.getuser()}" and entry["action"] == "approve"

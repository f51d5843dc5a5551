"""The build bakes published comments into article pages and writes the thread manifest."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup

from comments_api import create_app
from comments_api.actions import editor
from comments_api.bake.manifest import parse_manifest
from tests.conftest import ROOT, build_site
from tests.support import LIMITS_OFF, MODERATION_OFF

ARTICLE = """\
    Title: {title}
    Date: 2025-02-0{day} 09:00
    Category: Local
    Tags: harbour
    Summary: A short story about the harbour, number {day}.
    Slug: {slug}
    {extra}

    The harbour master said the new pier opens in spring.

    Fishermen welcomed the news.
"""


def write_article(folder, slug, day, extra=""):
    text = textwrap.dedent(ARTICLE).format(title=f"Story {slug}", day=day, slug=slug, extra=extra)
    (folder / f"{slug}.md").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build a small site, post comments through the service, then build again."""
    tmp = tmp_path_factory.mktemp("baked")
    content = tmp / "content"
    content.mkdir()
    write_article(content, "open-story", 1)
    write_article(content, "closed-story", 2, "Comments: closed")
    write_article(content, "quiet-story", 3, "Comments: off")
    database = f"sqlite:///{tmp / 'comments.db'}"
    output = build_site(tmp / "output", content, COMMENTS_DATABASE_URL=database)
    app = create_app(
        {
            "TESTING": True,
            "COMMENTS_DATABASE_URL": database,
            "COMMENTS_MANIFEST": output / "comments/threads.json",
            "COMMENTS_SITE_URL": "http://127.0.0.1:8000",
            "COMMENTS_SECRET_KEY": "build-test-secret-0123456789",
            **MODERATION_OFF,
            **LIMITS_OFF,
            "COMMENTS_ON_PUBLISH": "off",
        }
    )
    client = app.test_client()

    def post(**fields):
        data = {"thread": "open-story", "author": "Ann", "email": "ann@example.org", **fields}
        answer = client.post("/api/comments", json=data)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    first = post(body="First *comment*.", url="https://ann.example.org/")
    reply = post(body="A reply.", parent=first["id"], author="Bo", email="bo@example.org")
    refused = client.post(
        "/api/comments",
        json={
            "thread": "closed-story",
            "author": "C",
            "email": "c@example.org",
            "body": "Too late.",
        },
    )
    rebuilt = build_site(tmp / "output2", content, COMMENTS_DATABASE_URL=database)
    return {"first": first, "reply": reply, "refused": refused, "output": rebuilt, "tmp": tmp}


def soup(output, name):
    return BeautifulSoup((output / name).read_text(encoding="utf-8"), "html.parser")


def test_published_comments_are_baked_in_threaded(built):
    page = soup(built["output"], "open-story.html")
    assert page.find(id="comments-heading").get_text() == "2 Comments"
    first = page.find(id=f"comment-{built['first']['id']}")
    assert first.select_one(".comment-content em").get_text() == "comment"
    author = first.select_one(".comment-author a")
    assert author["href"] == "https://ann.example.org/"
    assert set(author["rel"]) >= {"nofollow", "ugc"}
    nested = first.select_one(f"ol.children #comment-{built['reply']['id']}")
    assert nested and "A reply." in nested.get_text()
    assert first.select_one(".avatar")["src"].startswith("/api/avatars/")


def test_list_pages_show_the_comment_count(built):
    home = soup(built["output"], "index.html")
    count = home.select_one("a.comment-count[data-thread='open-story']")
    assert count.get_text(strip=True) == "2 Comments"
    assert count["href"].endswith("open-story.html#comments")


def test_a_closed_article_shows_no_form_and_the_service_refuses_it(built):
    page = soup(built["output"], "closed-story.html")
    assert page.select_one(".comments-closed").get_text() == "Comments are closed."
    assert page.find("form", id="commentform") is None
    assert built["refused"].status_code in (403, 409, 422)
    manifest = json.loads((built["output"] / "comments/threads.json").read_text())
    assert manifest["threads"]["closed-story"]["open"] is False
    assert manifest["threads"]["open-story"]["open"] is True


def test_comments_off_removes_the_section_and_the_thread(built):
    page = soup(built["output"], "quiet-story.html")
    assert page.find(id="comments") is None
    manifest = json.loads((built["output"] / "comments/threads.json").read_text())
    assert "quiet-story" not in manifest["threads"]


def test_comments_close_a_set_number_of_days_after_publication(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    write_article(content, "old-story", 1)
    output = build_site(
        tmp_path / "out",
        content,
        COMMENTS_CLOSE_AFTER_DAYS=30,
        COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'none.db'}",
    )
    assert soup(output, "old-story.html").select_one(".comments-closed")
    entry = json.loads((output / "comments/threads.json").read_text())["threads"]["old-story"]
    assert entry["closes_at"].startswith("2025-03-03")
    manifest = parse_manifest(json.loads((output / "comments/threads.json").read_text()))
    assert not manifest.threads["old-story"].is_open(datetime.now(UTC))


def test_a_build_without_a_store_creates_none(tmp_path):
    database = tmp_path / "never.db"
    build_site(tmp_path / "out", ROOT / "content", COMMENTS_DATABASE_URL=f"sqlite:///{database}")
    assert not database.exists()


def test_the_build_keeps_the_desks_closing_featured_comments_and_staff_replies(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    write_article(content, "desk-story", 4)
    database = f"sqlite:///{tmp_path / 'comments.db'}"
    output = build_site(tmp_path / "output", content, COMMENTS_DATABASE_URL=database)
    app = create_app({
        "TESTING": True, "COMMENTS_DATABASE_URL": database,
        "COMMENTS_MANIFEST": output / "comments/threads.json",
        "COMMENTS_SECRET_KEY": "build-test-secret-0123456789", "COMMENTS_ON_PUBLISH": "off",
        **MODERATION_OFF, **LIMITS_OFF,
    })  # fmt: skip
    answer = app.test_client().post("/api/comments", json={
        "thread": "desk-story", "author": "Ann", "email": "ann@example.org", "body": "Pin me.",
    })  # fmt: skip
    first = answer.get_json()["id"]
    editor.feature(app, [first], True, actor="system:tests")
    editor.reply(app, first, "Thanks, from the newsroom.", actor="mira")
    editor.set_thread_open(app, "desk-story", False, actor="system:tests")
    page = soup(build_site(tmp_path / "again", content, COMMENTS_DATABASE_URL=database),
                "desk-story.html")  # fmt: skip
    assert page.select_one(".comments-closed").get_text() == "Comments are closed."
    assert page.find("form", id="commentform") is None
    featured = page.select_one(".featured-comments")
    assert "Pin me." in featured.get_text()
    assert featured.find("a")["href"] == f"#comment-{first}"
    [badge] = page.select("li.comment > article .staff-badge")
    assert "Thanks, from the newsroom." in badge.find_parent("article").get_text()
    assert "ann@example.org" not in str(page)

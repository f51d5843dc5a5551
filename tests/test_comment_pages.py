"""Bounded pages: an article bakes at most COMMENTS_PER_PAGE top-level comments; older ones
are baked into numbered comment pages beside it, linked without JavaScript."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Page, expect

from comments_api import create_app
from comments_api.actions import editor
from comments_api.bake.discussion import make_discussions, page_window
from comments_api.bake.threads import ThreadState
from comments_api.web.site import create_site_app
from tests.conftest import build_site
from tests.support import LIMITS_OFF, MODERATION_OFF, LiveServer
from tests.test_comments_build import write_article

SLUG = "open-story"
PER_PAGE = 2


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def shown_ids(page: BeautifulSoup) -> list[int]:
    """Return the ids of the comments a page shows, in order."""
    return [int(li["id"].split("-")[1]) for li in page.select("#comment-list li[id^=comment-]")]


def test_a_long_thread_links_the_first_last_and_nearby_pages_only():
    # Links stay few however long the thread is, and a gap shows where pages are left out.
    assert page_window(1, 1) == [1]
    assert page_window(2, 3) == [1, 2, 3]
    assert page_window(50, 100) == [1, 48, 49, 50, 51, 52, 100]
    assert page_window(100, 100) == [1, 98, 99, 100]
    comments = [
        {"id": n, "parent": None, "author": f"Reader {n}", "url": None, "avatar": "/a.svg",
         "body_html": "<p>Hi</p>", "created": "2026-01-01T10:00:00+00:00"}
        for n in range(1, 41)
    ]  # fmt: skip
    state = ThreadState(enabled=True, open=True, closes_at=None)
    pages = make_discussions(
        SLUG, state, comments, datetime(2026, 1, 2, tzinfo=UTC), 5,
        per_page=2, article_url=f"{SLUG}.html",
    )  # fmt: skip
    assert len(pages) == 20
    seventh = pages[6]
    assert [(link.number, link.after_gap) for link in seventh.links] == [
        (1, False), (5, True), (6, False), (7, False), (8, False), (9, False), (20, True)
    ]  # fmt: skip
    assert [link.current for link in seventh.links].count(True) == 1
    assert (seventh.older.number, seventh.newer.number) == (6, 8)
    assert seventh.older.href == f"{SLUG}-comments-6.html"
    assert pages[-1].newer is None and pages[-1].links[-1].href == f"{SLUG}.html"
    assert pages[0].older is None


def service_settings(database: str, output: Path, **changes) -> dict:
    return {
        "TESTING": True,
        "COMMENTS_DATABASE_URL": database,
        "COMMENTS_SITE_DIR": output,
        "COMMENTS_SITE_URL": "http://127.0.0.1:8000",
        "COMMENTS_SECRET_KEY": "pages-test-secret-0123456789",
        "COMMENTS_PAGE_WORKER": "inline",
        **MODERATION_OFF,
        **LIMITS_OFF,
        **changes,
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build a one-article site, post five top-level comments and a reply, build again."""
    tmp = tmp_path_factory.mktemp("paged")
    content = tmp / "content"
    content.mkdir()
    write_article(content, SLUG, 1)
    database = f"sqlite:///{tmp / 'comments.db'}"
    first_build = build_site(
        tmp / "first", content, COMMENTS_DATABASE_URL=database, COMMENTS_PER_PAGE=PER_PAGE
    )
    app = create_app(service_settings(database, first_build, COMMENTS_ON_PUBLISH="off"))
    client = app.test_client()
    ids = []
    for n in range(1, 6):
        data = {"thread": SLUG, "author": f"Reader {n}", "email": f"r{n}@example.org"}
        answer = client.post("/api/comments", json={**data, "body": f"Top-level comment {n}."})
        assert answer.status_code == 201
        ids.append(answer.get_json()["id"])
    reply = client.post(
        "/api/comments",
        json={"thread": SLUG, "author": "Replier", "email": "re@example.org",
              "body": "A reply to the first.", "parent": ids[0]},
    ).get_json()  # fmt: skip
    output = build_site(
        tmp / "output", content, COMMENTS_DATABASE_URL=database, COMMENTS_PER_PAGE=PER_PAGE
    )
    return {"output": output, "database": database, "ids": ids, "reply": reply["id"]}


def test_the_article_bakes_only_the_newest_top_level_comments(site):
    article = soup(site["output"] / f"{SLUG}.html")
    ids = site["ids"]
    # Five threads, two per page: pages hold [1, 2], [3, 4] and the article [5].
    assert shown_ids(article) == [ids[4]]
    assert article.find(id="comments-heading").get_text() == "6 Comments"
    assert "data-older-page" not in article.find(id="comments").attrs
    nav = article.select_one("nav.comment-pages")
    assert [a["href"] for a in nav.select("ol a")] == [
        f"{SLUG}-comments-1.html#comments",
        f"{SLUG}-comments-2.html#comments",
    ]
    assert nav.select_one("[aria-current=page]").get_text() == "3"
    assert nav.select_one("a[rel=prev]")["href"] == f"{SLUG}-comments-2.html#comments"
    assert nav.select_one("a[rel=next]") is None


def test_older_comments_are_baked_into_linked_comment_pages(site):
    output, ids = site["output"], site["ids"]
    first = soup(output / f"{SLUG}-comments-1.html")
    second = soup(output / f"{SLUG}-comments-2.html")
    assert shown_ids(first) == [ids[0], site["reply"], ids[1]]
    assert first.select_one(f"#comment-{ids[0]} ol.children #comment-{site['reply']}")
    assert shown_ids(second) == [ids[2], ids[3]]
    for page, number in ((first, 1), (second, 2)):
        section = page.find(id="comments")
        assert section["data-older-page"] == str(number)
        # Its place, not the count, so a comment elsewhere in the thread leaves it as it is.
        assert page.find(id="comments-heading").get_text() == f"Comments, page {number} of 3"
        # The rest of the page is the article's: its headline, and its canonical address.
        assert page.find("h1").get_text(strip=True) == f"Story {SLUG}"
        assert page.find("link", rel="canonical")["href"].endswith(f"/{SLUG}.html")
        for link in page.select("nav.comment-pages a"):
            assert (output / link["href"].split("#")[0]).is_file(), link["href"]
    assert second.select_one("a[rel=next]")["href"] == f"{SLUG}.html#comments"
    assert not (output / f"{SLUG}-comments-3.html").exists()


def test_page_updates_move_comments_between_pages_and_remove_pages_no_longer_needed(site, tmp_path):
    # A copy of the built site, so the other tests keep theirs.
    output = tmp_path / "site"
    output.mkdir()
    for path in site["output"].rglob("*"):
        if path.is_file():
            target = output / path.relative_to(site["output"])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    app = create_app(service_settings(site["database"], output))
    client = app.test_client()
    sixth = client.post(
        "/api/comments",
        json={"thread": SLUG, "author": "Six", "email": "six@example.org",
              "body": "Top-level comment 6."},
    ).get_json()["id"]  # fmt: skip
    ids = site["ids"]
    assert shown_ids(soup(output / f"{SLUG}.html")) == [ids[4], sixth]
    assert shown_ids(soup(output / f"{SLUG}-comments-2.html")) == [ids[2], ids[3]]

    # A reply on the article's page: the older pages are neither rendered nor written again.
    older = [output / f"{SLUG}-comments-{n}.html" for n in (1, 2)]
    before = [path.stat().st_ino for path in older]
    reply = client.post(
        "/api/comments",
        json={"thread": SLUG, "author": "Seven", "email": "seven@example.org",
              "body": "Replying to six.", "parent": sixth},
    ).get_json()["id"]  # fmt: skip
    assert shown_ids(soup(output / f"{SLUG}.html")) == [ids[4], sixth, reply]
    assert [path.stat().st_ino for path in older] == before

    editor.delete(app, [ids[0], site["reply"], ids[1], ids[2]])
    # Left: 4, 5, 6: pages [4, 5] and the article [6].
    assert shown_ids(soup(output / f"{SLUG}.html")) == [sixth, reply]
    assert shown_ids(soup(output / f"{SLUG}-comments-1.html")) == [ids[3], ids[4]]
    assert not (output / f"{SLUG}-comments-2.html").exists()
    editor.delete(app, [ids[3], ids[4]])
    assert not (output / f"{SLUG}-comments-1.html").exists()
    assert soup(output / f"{SLUG}.html").select_one("nav.comment-pages") is None


def test_a_reader_walks_the_comment_pages_and_older_pages_load_nothing_newer(
    site, page: Page, tmp_path
):
    app = create_site_app(
        site["output"],
        service_settings(
            site["database"],
            site["output"],
            COMMENTS_MANIFEST=site["output"] / "comments" / "threads.json",
        ),
    )
    ids = site["ids"]
    with LiveServer(app) as live:
        page.goto(f"{live.url}/{SLUG}.html")
        expect(page.locator(f"#comment-{ids[4]}")).to_be_visible()
        page.get_by_role("link", name="Older comments").click()
        expect(page).to_have_url(re.compile(f"{SLUG}-comments-2.html#comments$"))
        expect(page.locator(f"#comment-{ids[2]}")).to_be_visible()
        page.wait_for_load_state("networkidle")
        # The newest comment belongs to the article page; the script does not add it here.
        expect(page.locator(f"#comment-{ids[4]}")).to_have_count(0)
        page.get_by_role("navigation", name="Comment pages").get_by_role("link", name="1").click()
        expect(page.locator(f"#comment-{site['reply']}")).to_be_visible()
        page.get_by_role("link", name="Newer comments").click()
        expect(page).to_have_url(re.compile(f"{SLUG}-comments-2.html#comments$"))
        page.set_viewport_size({"width": 1280, "height": 900})
        artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        page.locator("#comments").screenshot(path=artifacts / "comment-pages.png")

"""Search: every build writes a Pagefind index of the articles; the masthead's box finds an
article by a word of its body in a real browser, and leads to the archive without JavaScript."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from plugins.search.records import article_record, plain_text
from tests.conftest import build_site
from tests.support import start_live_site

SYRIA = "islamic-state-attack-southern-syria"
# A word found in that article's body only: not in its headline or standfirst, nor elsewhere.
BODY_WORD = "apostate"


def test_plain_text_keeps_words_apart_and_leaves_out_scripts():
    html = "<h2>Title</h2><p>One <em>two</em></p><script>var x;</script><ul><li>three</li></ul>"
    assert plain_text(html) == "Title\nOne two\nthree"


def test_record_searches_headline_standfirst_and_body_and_keeps_the_language():
    record = article_record(
        url="r.html", title="Régates", summary="<p>Le large</p>", body="<p>Voile &amp; mer</p>",
        lang="fr", image="images/r.svg", image_alt="Trois voiliers",
    )  # fmt: skip
    assert record.content == "Régates\nLe large\nVoile & mer"
    assert record.meta == {
        "title": "Régates", "lang": "fr", "image": "images/r.svg", "image_alt": "Trois voiliers"
    }  # fmt: skip


def test_every_build_writes_an_index_of_the_published_articles_only(site):
    entry = json.loads((site / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    articles = [
        p
        for p in site.glob("*.html")
        if p.name not in {"index.html", "404.html", "search.html"}
        and not re.fullmatch(
            r"index\d+\.html|archives\.html|categories\.html|authors\.html"
            r"|tags\.html",
            p.name,
        )  # fmt: skip
    ]
    # One index for every language: the French article is found from the English page.
    assert list(entry["languages"]) == ["en"]
    assert entry["languages"]["en"]["page_count"] == len(articles) == 20
    assert (site / "pagefind/pagefind.js").is_file()


def test_a_small_build_indexes_its_own_articles(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "one.md").write_text(
        "Title: One\nDate: 2025-01-01\nCategory: News\nSlug: one\n\nA word.\n", encoding="utf-8"
    )
    output = build_site(
        tmp_path / "output", content=content, COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path}/c.db"
    )
    entry = json.loads((output / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == 1


def test_search_page_and_masthead_box_are_plain_forms(page_soup):
    home = page_soup("index.html")
    box = home.select_one("header.masthead form[role=search]")
    assert box["method"] == "get" and box["action"].endswith("search.html")
    field = box.select_one("input[name=q]")
    assert home.find("label", attrs={"for": field["id"]}).get_text(strip=True)

    search = page_soup("search.html")
    assert not search.select("header.masthead form")  # the page's own box is enough
    form = search.select_one("main form[role=search]")
    assert form["action"].endswith("search.html") and form.select_one("input[name=q]")
    assert search.select_one("#search-status[role=status]")
    assert search.select_one("ol#search-results")
    note = search.select_one("#search-fallback")
    assert {a["href"] for a in note.find_all("a")} == {"./archives.html", "./categories.html"}
    # Search engines may index the page, once: every query's address has it as canonical.
    assert search.find("meta", attrs={"name": "robots"}) is None
    assert search.find("link", rel="canonical")["href"].endswith("/search.html")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    site = start_live_site(tmp_path_factory.mktemp("search"), build_site)
    yield site
    site.stop()


@pytest.mark.browser
def test_masthead_box_finds_an_article_by_a_word_of_its_body(page: Page, live):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live.url + "/")
    page.get_by_role("search").get_by_label("Search articles").fill(BODY_WORD)
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(rf"/search\.html\?q={BODY_WORD}$"))
    expect(page.get_by_label("Words to look for in the articles")).to_have_value(BODY_WORD)
    expect(page.get_by_role("status")).to_have_text(f"1 article found for “{BODY_WORD}”.")
    result = page.locator("#search-results li")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text(BODY_WORD)
    result.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/{SYRIA}\.html$"))
    assert errors == []


@pytest.mark.browser
def test_typing_on_the_search_page_finds_the_french_article_and_marks_its_language(
    page: Page, live
):
    page.goto(live.url + "/search.html")
    page.get_by_label("Words to look for in the articles").fill("voiliers")
    link = page.locator("#search-results a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("lang", "fr")
    expect(link).to_have_attribute("href", re.compile(r"regates-port-valmee-fr\.html$"))


@pytest.mark.browser
def test_without_javascript_the_box_leads_to_the_archive(browser, live):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live.url + "/")
        page.get_by_label("Search articles").fill(BODY_WORD)
        page.get_by_label("Search articles").press("Enter")
        expect(page).to_have_url(re.compile(r"/search\.html\?q="))
        expect(page.get_by_text("Search needs JavaScript")).to_be_visible()
        page.get_by_role("link", name="archives", exact=True).click()
        expect(page).to_have_url(re.compile(r"/archives\.html$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Archives")
    finally:
        context.close()

"""The front page and the lists as a reader sees them: pictures, the lead story, counts,
kickers, numbered pages and the language of headlines, read from real builds."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Page

from tests.conftest import ROOT, build_site

FEATURED = "islamic-state-attack-southern-syria"
NEWEST = "harbour-ward-by-election"
FRENCH = "regates-port-valmee"
ARTIFACTS = ROOT / "test-artifacts"
LISTS = [
    "index.html",
    "category/sport.html",
    "tag/lou-garnier.html",
    "author/nadia-ferreira.html",
]


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def card_link(card) -> str:
    return card.select_one(".card-title a")["href"]


# A small newsroom of its own: no article is featured, the newest has no picture and a newer
# draft is marked featured (it must never lead).
SMALL = {
    "old-picture": ("2025-01-01 09:00", "News", "images/seagrass.svg", ""),
    "second": ("2025-02-01 09:00", "Sport", None, ""),
    "third": ("2025-03-01 09:00", "News", None, ""),
    "fourth": ("2025-04-01 09:00", "Sport", None, ""),
    "newest-plain": ("2025-05-01 09:00", "News", None, ""),
    "draft-featured": ("2025-06-01 09:00", "News", None, "Status: draft\nFeatured: yes\n"),
}


def write_small_content(folder: Path) -> Path:
    (folder / "images").mkdir(parents=True)
    shutil.copy(ROOT / "content/images/seagrass.svg", folder / "images/seagrass.svg")
    for slug, (date, category, image, extra) in SMALL.items():
        picture = f"Image: {image}\nImage_alt: A picture\n" if image else ""
        (folder / f"{slug}.md").write_text(
            f"Title: The story called {slug}\nDate: {date}\nAuthor: Ada Reporter\n"
            f"Category: {category}\nTags: town\nSummary: What happened in {slug}, in short.\n"
            f"Slug: {slug}\n{picture}{extra}\nPlain words about {slug}.\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture(scope="module")
def small_site(tmp_path_factory) -> Path:
    """Return the output of a build of the small newsroom, two articles a page."""
    tmp = tmp_path_factory.mktemp("small")
    content = write_small_content(tmp / "content")
    return build_site(
        tmp / "output",
        content=content,
        DEFAULT_PAGINATION=2,
        COMMENTS_DATABASE_URL=f"sqlite:///{tmp / 'comments.db'}",
    )


def test_cards_show_sized_pictures_lazy_below_the_lead(page_soup):
    home = page_soup("index.html")
    lead_img = home.select_one(".lead-story .card-image img")
    assert lead_img["alt"] == "" and lead_img["width"] and lead_img["height"]
    assert not lead_img.has_attr("loading") and lead_img["fetchpriority"] == "high"
    pictured = home.select(".latest .card.has-image")
    assert pictured, "no card below the lead shows its picture"
    for card in pictured:
        img = card.select_one(".card-image img")
        assert img["src"].endswith(".svg") and not img.has_attr("srcset")
        assert int(img["width"]) > 0 and int(img["height"]) > 0
        assert img["loading"] == "lazy" and img["decoding"] == "async"
        assert img["alt"] == ""
        # The picture's link is a duplicate of the headline's: out of the tab order and tree.
        link = card.select_one("a.card-image")
        assert link["tabindex"] == "-1" and link["aria-hidden"] == "true"
        assert link["href"] == card_link(card)
    # Every article with an image shows it on whichever page lists it.
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "content/articles").glob("*.md")]
    pictured = {
        line.removeprefix("Slug: ").strip()
        for text in sources
        if "\nImage:" in text
        for line in text.splitlines()
        if line.startswith("Slug:")
    }
    shown = 0
    for name in ("index.html", "index2.html", "index3.html"):
        for card in page_soup(name).select(".card"):
            slug = card_link(card).rsplit("/", 1)[-1].removesuffix(".html").removesuffix("-fr")
            assert bool(card.select_one(".card-image img")) == (slug in pictured), (name, slug)
            shown += slug in pictured
    assert shown == len(pictured) == 9


def test_lead_is_the_newest_featured_article(page_soup):
    home = page_soup("index.html")
    lead = home.select_one(".lead-story .card-lead")
    assert card_link(lead).endswith(f"{FEATURED}.html")
    assert "has-image" in lead["class"]
    latest = [card_link(c) for c in home.select(".latest .card")]
    # The newest story is not lost: it heads the list, and the lead is not listed twice.
    assert latest[0].endswith(f"{NEWEST}.html")
    assert not any(link.endswith(f"{FEATURED}.html") for link in latest)


def test_without_featured_the_newest_published_article_leads_in_full_width(small_site):
    home = soup_of(small_site / "index.html")
    lead = home.select_one(".lead-story .card-lead")
    assert card_link(lead).endswith("newest-plain.html")
    assert "has-image" not in lead["class"] and not lead.select_one("img")
    assert "draft-featured" not in (small_site / "index.html").read_text(encoding="utf-8")


def test_cards_say_nothing_about_comments_when_there_are_none(site):
    for name in [*LISTS, "index2.html", "category/world.html"]:
        soup = soup_of(site / name)
        cards = soup.select(".card")
        assert cards, name
        for card in cards:
            assert "No comments" not in card.get_text(), name
            count = card.select_one("a.comment-count")
            # Kept for counts.js to fill in when a comment arrives, hidden until then.
            assert count is not None and count.has_attr("hidden") and not count.get_text(strip=True)


def test_section_pages_leave_out_the_kicker_that_repeats_the_section(site):
    for name in ("category/world.html", "category/sport.html"):
        cards = soup_of(site / name).select("main .card")
        assert cards and not any(card.select_one(".kicker") for card in cards), name
    for name in ("tag/lou-garnier.html", "author/nadia-ferreira.html"):
        cards = soup_of(site / name).select("main .card")
        assert cards and all(card.select_one(".kicker a") for card in cards), name
    home_kickers = soup_of(site / "index.html").select(".latest .card .kicker a")
    assert {k.get_text() for k in home_kickers} >= {"Politics", "World"}


def pagination(soup: BeautifulSoup):
    nav = soup.select_one("nav.pagination[aria-label]")
    numbers = {
        a.get_text(" ", strip=True): a
        for a in nav.select("a")
        if a.get_text(strip=True).removeprefix("Page").strip().isdigit()
    }
    return nav, numbers


def test_pages_are_numbered_with_previous_and_next(small_site):
    # Five published articles, two a page: three pages.
    nav, numbers = pagination(soup_of(small_site / "index.html"))
    assert list(numbers) == ["Page 1", "Page 2", "Page 3"]
    assert numbers["Page 1"]["aria-current"] == "page"
    assert not numbers["Page 2"].has_attr("aria-current")
    assert numbers["Page 2"]["href"].endswith("index2.html")
    assert numbers["Page 3"]["href"].endswith("index3.html")
    assert nav.find("a", rel="next")["href"].endswith("index2.html")
    assert nav.find("a", rel="prev") is None

    nav, numbers = pagination(soup_of(small_site / "index2.html"))
    assert numbers["Page 2"]["aria-current"] == "page"
    assert not numbers["Page 1"].has_attr("aria-current")
    assert numbers["Page 1"]["href"].endswith("index.html")
    prev, nxt = nav.find("a", rel="prev"), nav.find("a", rel="next")
    assert prev.get_text(" ", strip=True).startswith("← Previous")
    assert prev["href"].endswith("index.html") and nxt["href"].endswith("index3.html")

    nav, numbers = pagination(soup_of(small_site / "index3.html"))
    assert numbers["Page 3"]["aria-current"] == "page" and nav.find("a", rel="next") is None


def test_a_french_headline_carries_its_language_on_every_list(site):
    for name in [*LISTS, "archives.html"]:
        soup = soup_of(site / name)
        link = soup.select_one(f"main a[href$='{FRENCH}-fr.html']:not(.card-image)")
        assert link is not None, name
        marked = link.find_parent(attrs={"lang": True})
        assert (link.get("lang") or marked.get("lang")) == "fr", name
        summary = link.find_parent("article")
        if summary is not None:
            assert summary.select_one(".card-summary")["lang"] == "fr", name
        # English headlines carry nothing: the page's language is theirs.
        others = soup.select(".card-title[lang], .archive-list a[lang]")
        assert len(others) == 1, name


@pytest.fixture(scope="module")
def static_server():
    """Serve built folders as any static host would; yield a function that returns a URL."""
    servers = []

    def serve(folder: Path) -> str:
        handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *_args: None
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_an_image_less_lead_spans_the_width(page: Page, small_site, static_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(static_server(small_site) + "/")
    story = page.locator(".lead-story").bounding_box()
    text = page.locator(".card-lead .card-text").bounding_box()
    assert text["width"] >= story["width"] * 0.98
    title_size = page.locator(".card-lead .card-title").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    card_size = page.locator(".latest .card-title").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert title_size > card_size * 1.8


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_home_page_screenshots(page: Page, site, static_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(static_server(site) + "/")
    lead = page.locator(".lead-story .card-image img")
    assert lead.evaluate("img => img.complete && img.naturalWidth > 0")
    # Scroll through the page so the lazy pictures load before the full-page picture.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(
        "[...document.querySelectorAll('.card-image img')].every(i => i.complete && i.naturalWidth)"
    )
    # Nothing wider than the screen, at either width.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"home-{width}.png", full_page=True)

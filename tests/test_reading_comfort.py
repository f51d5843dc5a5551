"""Reading comfort and languages: the dark scheme, tables, figures, code and print styles in a
real browser (Debian's chromium), and pages marking every element in another language than
their own."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Page, expect

from tests.conftest import build_site
from tests.support import start_live_site
from tests.test_journeys import field, fill_comment, run_axe

FRENCH = "regates-port-valmee-fr"
BUDGET = "port-alden-budget-passes"  # has a Markdown table
HAMA = "rebels-capture-hama"
SCHEMES = ["light", "dark"]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    site = start_live_site(tmp_path_factory.mktemp("comfort"), build_site)
    yield site
    site.stop()


def soup_of(site, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser")


def luminance(css_colour: str) -> float:
    """Relative luminance (WCAG) of an `rgb(r, g, b)` colour."""
    channels = [int(n) / 255 for n in re.findall(r"\d+", css_colour)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# Languages


def test_a_french_article_marks_the_sites_english_words_and_dates_itself_in_french(site):
    soup = soup_of(site, f"{FRENCH}.html")
    assert soup.html["lang"] == "fr"
    chrome = [soup.find(class_="skip-link"), soup.find("header", class_="masthead"),
              soup.find("footer", class_="site-footer"), soup.select_one(".story .kicker"),
              soup.select_one(".story-header .byline")]  # fmt: skip
    assert [element.get("lang") for element in chrome] == ["en"] * 5
    published = soup.select_one(".story-header .byline time")
    assert published["lang"] == "fr"
    assert published.get_text() == "6 juillet 2025"
    assert published["datetime"].startswith("2025-07-06")
    # The related list's dates are the site's English, as its headings.
    assert {t.get("lang") for t in soup.select(".related-list time")} == {"en"}
    # The headline and the text are the page's own language: no mark needed.
    assert soup.find("h1", id="story-title").get("lang") is None


def test_an_english_page_marks_nothing(site):
    soup = soup_of(site, f"{BUDGET}.html")
    assert soup.html["lang"] == "en"
    assert soup.find("header", class_="masthead").get("lang") is None
    assert soup.select_one(".story-header .byline").get("lang") is None
    assert soup.select_one(".story-header .byline time").get_text() == "27 February 2025"


# The dark scheme and accessibility in both schemes


@pytest.mark.browser
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(
    "path", ["/", f"/{HAMA}.html", f"/{FRENCH}.html", f"/{BUDGET}.html", "/archives.html",
             "/search.html?q=harbour"],
)  # fmt: skip
def test_pages_have_no_axe_violations_in_either_scheme(page: Page, live, scheme, path):
    page.emulate_media(color_scheme=scheme)
    page.goto(live.url + path)
    if "search" in path:
        expect(page.locator("#search-results li").first).to_be_visible()
    assert run_axe(page) == []


@pytest.mark.browser
@pytest.mark.parametrize("scheme", SCHEMES)
def test_an_error_submit_with_javascript_has_no_axe_violations(page: Page, live, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live.url}/{HAMA}.html")
    fill_comment(page, "", "Reader Four", "not-an-email")
    page.get_by_role("button", name="Post Comment").click()
    expect(field(page, "Comment")).to_have_attribute("aria-invalid", "true")
    assert page.url.endswith(f"/{HAMA}.html")  # the script answered, not the service's page
    assert run_axe(page) == []


@pytest.mark.browser
def test_the_dark_scheme_follows_the_readers_setting(page: Page, live):
    grounds = {}
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{live.url}/{HAMA}.html")
        grounds[scheme] = page.evaluate(
            "() => [getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(document.body).color,"
            " getComputedStyle(document.querySelector('textarea')).backgroundColor]"
        )
    assert page.locator('meta[name="color-scheme"]').get_attribute("content") == "light dark"
    light_ground, light_text, light_field = map(luminance, grounds["light"])
    dark_ground, dark_text, dark_field = map(luminance, grounds["dark"])
    assert light_ground > 0.9 and light_text < 0.05
    assert dark_ground < 0.05 and dark_text > 0.7
    # Form fields follow the page, not the browser's white default.
    assert light_field > 0.9 and dark_field < 0.05


# Tables, figures and code


INSERTED = """
<figure id="t-figure"><img src="images/comet.svg" alt="" width="960" height="540">
<figcaption>The comet over the cape. <span class="credit">Illustration: the newsroom</span>
</figcaption></figure>
<p>Run <code id="t-code">make html</code> again.</p>
<pre id="t-pre"><code>pelican content -o output</code></pre>
"""


@pytest.mark.browser
@pytest.mark.parametrize("scheme", SCHEMES)
def test_tables_figures_and_code_have_styles(page: Page, live, scheme):
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live.url}/{BUDGET}.html")
    table = page.locator(".story-body table")
    expect(table).to_have_count(1)
    assert table.evaluate("t => getComputedStyle(t).borderCollapse") == "collapse"
    assert table.evaluate("t => getComputedStyle(t.querySelector('th')).borderBottomStyle") == (
        "solid"
    )
    # A wide table scrolls inside the column instead of widening the page.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.locator(".story-body").evaluate(
        "(body, html) => body.insertAdjacentHTML('beforeend', html)", INSERTED
    )
    page.locator("#comments").evaluate(
        "(c, html) => c.insertAdjacentHTML('afterbegin',"
        ' \'<div class="comment-content"><p><code id="c-code">x = 1</code></p></div>\')'
    )
    styles = page.evaluate(
        """() => Object.fromEntries(['t-code', 't-pre', 'c-code'].map(id => {
            const s = getComputedStyle(document.getElementById(id));
            return [id, [s.fontFamily, s.backgroundColor, s.overflowX]];
        }))"""
    )
    for name in ("t-code", "c-code"):
        assert "monospace" in styles[name][0]
        assert styles[name][1] != "rgba(0, 0, 0, 0)"  # a tint behind inline code
    assert styles["t-pre"][2] == "auto"
    caption = page.locator("#t-figure figcaption")
    credit = page.locator("#t-figure .credit")
    assert caption.evaluate("c => getComputedStyle(c).fontSize") != credit.evaluate(
        "c => getComputedStyle(c).fontSize"
    )
    assert credit.evaluate("c => getComputedStyle(c).display") == "block"
    assert run_axe(page) == []


# Print


@pytest.mark.browser
def test_print_drops_the_topic_pills_and_headings_left_empty(page: Page, live):
    page.emulate_media(color_scheme="dark", media="print")
    page.goto(f"{live.url}/{HAMA}.html")
    for selector in (".story-tags", ".related-heading", ".respond", ".site-nav"):
        if page.locator(selector).count():
            expect(page.locator(selector).first).to_be_hidden()
    # Print is black on white whatever the screen's scheme.
    assert luminance(page.evaluate("() => getComputedStyle(document.body).color")) < 0.01
    visible_headings = page.evaluate(
        """() => [...document.querySelectorAll('h1, h2, h3')]
            .filter(h => h.offsetParent !== null && !h.classList.contains('visually-hidden'))
            .filter(h => {
                let next = h.nextElementSibling;
                while (next && next.offsetParent === null) next = next.nextElementSibling;
                return !next && !h.parentElement.innerText.replace(h.innerText, '').trim();
            }).map(h => h.textContent.trim())"""
    )
    assert visible_headings == []

"""Share cards and what social sites and search engines read: built and opened as they would."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from PIL import Image, ImageDraw

from plugins.share_cards import render
from plugins.share_cards.structured_data import og_locale, website
from tests import conftest
from tests.conftest import ROOT, build_site

SITEURL = "http://127.0.0.1:8000"
CARD = (1200, 630)
RATIOS = [(1200, 675), (1200, 900), (1200, 1200)]


def _soup(site: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser")


def _meta(soup: BeautifulSoup) -> dict[str, str]:
    tags = soup.find_all("meta", attrs={"property": True}) + soup.find_all(
        "meta", attrs={"name": True}
    )
    return {tag.get("property") or tag["name"]: tag["content"] for tag in tags}


def _file(site: Path, url: str) -> Path:
    assert url.startswith(f"{SITEURL}/"), url
    return site / url.removeprefix(f"{SITEURL}/")


def _json_ld(soup: BeautifulSoup) -> list[dict]:
    return [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]


def _article_pages(site: Path) -> list[str]:
    names = []
    for path in sorted(site.glob("*.html")):
        head = path.read_text(encoding="utf-8").split("</head>")[0]
        if '<meta property="og:type" content="article">' in head and "-comments-" not in path.name:
            names.append(path.name)
    return names


def test_every_article_shares_a_raster_card_its_tags_describe(site):
    pages = _article_pages(site)
    assert len(pages) >= 20
    for name in pages:
        meta = _meta(_soup(site, name))
        with Image.open(_file(site, meta["og:image"])) as card:
            assert card.size == CARD, name
            assert (int(meta["og:image:width"]), int(meta["og:image:height"])) == card.size
            assert Image.MIME[card.format] == meta["og:image:type"], name
        assert meta["og:image:alt"].strip()
        assert meta["twitter:card"] == "summary_large_image"
        assert meta["twitter:image"] == meta["og:image"]
        assert meta["twitter:image:alt"] == meta["og:image:alt"]


def test_article_card_is_cut_from_its_picture(site):
    meta = _meta(_soup(site, "rebels-capture-hama.html"))
    assert meta["og:image:alt"].startswith("Simplified map of western Syria")
    with Image.open(_file(site, meta["og:image"])) as card:
        # The map's sea (light blue) is on the card's left edge, its land (sand) in the middle.
        red, green, blue = card.convert("RGB").getpixel((5, 315))
        assert blue > red
        assert card.convert("RGB").getpixel((600, 600))[0] > 200


def test_article_without_picture_gets_a_headline_card(site):
    meta = _meta(_soup(site, "harriers-promotion.html"))
    site_card = _meta(_soup(site, "index.html"))["og:image"]
    assert meta["og:image"] != site_card
    assert meta["og:image:alt"].startswith("Harriers win promotion on final day")
    with Image.open(_file(site, meta["og:image"])) as card:
        rgb = card.convert("RGB")
        assert rgb.getpixel((5, 300)) == (0x8C, 0x1C, 0x13)  # the accent rule on the left
        colours = {colour for _, colour in rgb.getcolors(1_000_000)}
        assert (0x1D, 0x2A, 0x3A) in colours  # the headline's ink


def test_og_locale_follows_the_page_language(site):
    assert _meta(_soup(site, "rebels-capture-hama.html"))["og:locale"] == "en_GB"
    assert _meta(_soup(site, "regates-port-valmee-fr.html"))["og:locale"] == "fr_FR"
    assert _meta(_soup(site, "index.html"))["og:locale"] == "en_GB"


def test_news_article_data_has_publisher_logo_and_three_ratios(site):
    for name in ("rebels-capture-hama.html", "harriers-promotion.html"):
        (data,) = _json_ld(_soup(site, name))
        assert data["@type"] == "NewsArticle"
        logo = data["publisher"]["logo"]
        assert logo["@type"] == "ImageObject"
        with Image.open(_file(site, logo["url"])) as image:
            assert image.size == (logo["width"], logo["height"]) == (512, 512)
        assert len(data["image"]) == 3
        sizes = []
        for url in data["image"]:
            with Image.open(_file(site, url)) as image:
                sizes.append(image.size)
        assert sizes == RATIOS


def test_home_page_describes_the_site_and_its_publisher(site):
    items = {item["@type"]: item for item in _json_ld(_soup(site, "index.html"))}
    assert items["WebSite"]["name"] == "The Alden Courier"
    assert items["WebSite"]["url"] == f"{SITEURL}/"
    assert items["WebSite"]["inLanguage"] == "en"
    # The site's search page answers ?q=, as the SearchAction says.
    action = items["WebSite"]["potentialAction"]
    assert action["target"]["urlTemplate"] == f"{SITEURL}/search.html?q={{search_term_string}}"
    assert (site / "search.html").is_file()
    assert items["Organization"]["url"] == f"{SITEURL}/"
    assert _file(site, items["Organization"]["logo"]["url"]).is_file()
    assert _json_ld(_soup(site, "index2.html")) == []  # only the home page itself


def test_search_action_only_with_a_search_page():
    assert "potentialAction" not in website("S", "https://x.example/", "en", None)
    with_search = website("S", "https://x.example/", "en", "search.html")
    target = with_search["potentialAction"]["target"]["urlTemplate"]
    assert target == "https://x.example/search.html?q={search_term_string}"


def test_home_canonical_og_url_and_sitemap_agree(site):
    soup = _soup(site, "index.html")
    canonical = soup.find("link", rel="canonical")["href"]
    assert canonical == _meta(soup)["og:url"] == f"{SITEURL}/"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.parse(site / "sitemap.xml").getroot()
    locs = {loc.text for loc in root.findall("s:url/s:loc", ns)}
    assert canonical in locs
    assert f"{SITEURL}/index.html" not in locs
    second = _soup(site, "index2.html")
    assert second.find("link", rel="canonical")["href"] == f"{SITEURL}/index2.html"
    assert _meta(second)["og:url"] == f"{SITEURL}/index2.html"


def test_other_pages_share_the_site_card_at_their_own_address(site):
    home = _meta(_soup(site, "index.html"))
    for name in ("categories.html", "archives.html", "category/world.html"):
        soup = _soup(site, name)
        meta = _meta(soup)
        assert meta["og:url"] == soup.find("link", rel="canonical")["href"]
        assert meta["og:image"] == home["og:image"]
        assert meta["og:locale"] == "en_GB"
    with Image.open(_file(site, home["og:image"])) as card:
        assert card.size == CARD


def test_headline_font_draws_accented_letters():
    face = render.font(60)

    def drawn(text: str) -> bytes:
        image = Image.new("L", (200, 100))
        ImageDraw.Draw(image).text((10, 10), text, font=face, fill=255)
        return image.tobytes()

    missing = drawn("\uffff")  # no font has this: the "missing letter" box
    assert drawn("é") != missing
    assert drawn("é") != drawn("e")
    assert drawn("É") != missing


def test_wrap_breaks_between_words_and_splits_overlong_ones():
    assert render.wrap("one two three four", len, 9) == ["one two", "three", "four"]
    assert render.wrap("abcdefghij", len, 4) == ["abcd", "efgh", "ij"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "en_GB"), ("fr", "fr_FR"), ("de", "de_DE"), ("pt-BR", "pt_BR"), (None, "en_GB")],
)
def test_og_locale_of_a_language(lang, expected):
    assert og_locale(lang, {"en": "en_GB"}) == expected


def test_a_bad_card_format_stops_the_build(tmp_path):
    # The plugin Pelican loads is its own module: its error is a ShareSettingsError there.
    with pytest.raises(ValueError, match="SHARE_CARDS_FORMAT must be one of"):
        build_site(tmp_path / "output", SHARE_CARDS_FORMAT="gif")


ARTICLE = """Title: {title}
Slug: {slug}
Date: 2025-03-0{day} 09:00
Category: News
Summary: A short summary of the story.
{image}

The body of the story, in a few plain words.
"""


def _write_content(folder: Path, headline: str) -> Path:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "content" / "images" / "comet.svg", folder / "images" / "comet.svg")
    stories = {
        "pictured": ("Comet seen from the cape", 1, "Image: images/comet.svg\nImage_alt: A comet"),
        "plain": (headline, 2, ""),
        "broken": ("Picture that is not there", 3, "Image: images/missing.svg"),
    }
    for slug, (title, day, image) in stories.items():
        text = ARTICLE.format(title=title, slug=slug, day=day, image=image)
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
    return folder


def _card_files(output: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in output.glob("images/share/*")}


def test_rebuild_with_unchanged_inputs_renders_nothing(tmp_path):
    content = _write_content(tmp_path / "content", "Café opens on the quay")
    output = tmp_path / "output"
    store = f"sqlite:///{tmp_path / 'comments.db'}"

    def build_site(output, content, **settings):
        # A cache of this test's own, not the one every other build of the run shares.
        own = str(tmp_path / "cache" / "cards")
        return conftest.build_site(output, content, **settings, SHARE_CARDS_CACHE_PATH=own)

    build_site(output, content, COMMENTS_DATABASE_URL=store)
    plugin = sys.modules["share_cards"]  # the module Pelican loaded from plugins/
    rendered = plugin.render_count()
    first = _card_files(output)
    cached = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("*.png")}
    # 3 articles × 4 images, the site's card and 2 logos, all drawn by this build.
    assert len(first) == len(cached) == 15

    build_site(output, content, COMMENTS_DATABASE_URL=store)
    assert plugin.render_count() == rendered
    assert _card_files(output) == first
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("*.png")} == cached

    # A new headline: that article's four images are drawn again, the old ones leave.
    _write_content(content, "Café on the quay closes for the winter")
    build_site(output, content, COMMENTS_DATABASE_URL=store)
    assert plugin.render_count() == rendered + 4
    after = _card_files(output)
    gone = set(first) - set(after)
    assert len(gone) == 4 and all(name.startswith("plain-") for name in gone)
    assert len(after) == 15


def test_article_with_an_unreadable_picture_gets_a_headline_card(tmp_path):
    content = _write_content(tmp_path / "content", "Café opens on the quay")
    output = build_site(
        tmp_path / "output", content, COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}"
    )
    meta = _meta(_soup(output, "broken.html"))
    assert meta["og:image:alt"].startswith("Picture that is not there")
    with Image.open(_file(output, meta["og:image"])) as card:
        assert card.size == CARD
    plain = _meta(_soup(output, "plain.html"))
    assert plain["og:image:alt"].startswith("Café opens on the quay")

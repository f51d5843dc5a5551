"""Stop words by the article's language, and lang on headlines in another language."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest
from bs4 import BeautifulSoup

from tests.check_also.support import ROOT, build, write_article

FRENCH_FUNCTION_WORDS = ["les", "des", "dans", "pour", "avec", "sur", "une", "est", "qui"]
FRENCH_CONTENT_WORDS = ["falaises", "régates", "bateaux", "flotte"]


def term_id(word: str) -> int:
    """Return the id the plugin gives a term (the CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(word.encode("utf-8"))


def cached_bodies(cache: Path) -> list[set[int]]:
    """Return the term ids of every body the build kept in its vector cache."""
    with np.load(cache / "check_also" / "vectors.npz") as data:
        bounds = np.r_[0, np.cumsum(data["body_len"])]
        ids = data["body_ids"]
        return [set(ids[a:b].tolist()) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


@pytest.fixture(scope="module")
def sample_bodies(tmp_path_factory) -> list[set[int]]:
    """Build the sample site's articles with the vector cache on; return the cached bodies."""
    output = tmp_path_factory.mktemp("languages") / "output"
    build(ROOT / "content", output, ARTICLE_PATHS=["articles"], CACHE_CONTENT=True)
    return cached_bodies(output.parent / "cache")


def test_the_french_article_drops_french_stop_words(sample_bodies):
    french = [b for b in sample_bodies if term_id("falaises") in b]
    assert len(french) == 1
    assert {term_id(w) for w in FRENCH_CONTENT_WORDS} <= french[0]
    assert not {term_id(w) for w in FRENCH_FUNCTION_WORDS} & french[0]


def test_english_articles_still_drop_english_stop_words(sample_bodies):
    english = [b for b in sample_bodies if term_id("falaises") not in b]
    assert len(english) >= 15
    assert all(not {term_id(w) for w in ("the", "and", "with", "from")} & b for b in english)


FLOOD_EN = """
River flood water rose over the levee in the Tervana delta overnight. Villages were
evacuated as the flood crest moved downstream and the levee gave way near the old mill.
"""
FLOOD_FR = """
Les eaux de la crue ont franchi la digue du delta de la Tervana pendant la nuit. Les
villages ont été évacués tandis que la crue descendait le fleuve vers le vieux moulin.
"""


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    """Build English stories and one French one that an English page names as its pick."""
    content = tmp_path_factory.mktemp("mixed-content")
    write_article(content, "flood-a", "Flood hits delta villages", FLOOD_EN, check_also="crue")
    write_article(content, "flood-b", "Flood crest moves downriver", FLOOD_EN + "\nRepairs begin.")
    write_article(content, "flood-c", "Levee gives way", FLOOD_EN + "\nThe mill is shut.")
    write_article(content, "crue", "La crue franchit la digue", FLOOD_FR, lang="fr")
    output = content.parent / "mixed-output"
    build(content, output)
    return output


def box(output: Path, name: str):
    page = BeautifulSoup((output / name).read_text(encoding="utf-8"), "html.parser")
    return page, page.find("aside", id="check-also")


def test_a_pick_in_another_language_carries_lang(mixed):
    _, found = box(mixed, "flood-a.html")
    title = found.select_one(".check-also-title a")
    assert title["href"].split("/")[-1].startswith("crue")
    assert title.find_parent(attrs={"lang": True})["lang"] == "fr"
    # The box's own words are in the page's language: no lang of their own.
    assert not found.find("h2").has_attr("lang")
    # The related list is English, like the page.
    assert [a for a in found.select(".related-list a") if a.has_attr("lang")] == []


def test_headlines_in_the_page_language_carry_no_lang(mixed):
    _, found = box(mixed, "flood-b.html")
    assert found.find(attrs={"lang": True}) is None


@pytest.fixture(scope="module")
def french_page(mixed) -> tuple:
    names = [p.name for p in mixed.glob("crue*.html")]
    assert len(names) == 1
    return box(mixed, names[0])


def test_the_french_page_box(french_page):
    page, found = french_page
    assert page.html["lang"] == "fr"
    assert found.find("h2")["lang"] == "en"  # "Check Also" is the site's English
    title = found.select_one(".check-also-title a")
    assert title.find_parent(attrs={"lang": True})["lang"] == "en"
    related = found.select(".related-list a")
    assert related and all(link["lang"] == "en" for link in related)

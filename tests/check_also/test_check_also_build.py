"""Real Pelican builds of small content folders with the plugin and the project's theme."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pelican import signals
from pelican.plugins.check_also import CheckAlso, CheckAlsoSettingError

from tests.check_also.support import ROOT, LogRecorder, build, write_article

FLOOD = """
River flood water rose over the levee in the Tervana delta overnight. Villages were
evacuated as the flood crest moved downstream and the levee gave way near the old mill.

Rescue boats reached the villages at dawn; the delta authority said more rain was coming.
"""
BUDGET = """
The council budget cuts three bus routes and raises parking fees to close a budget gap.
Councillors argued for hours before the vote on the budget and the bus routes.

Riders' groups said the bus cuts would hurt workers on night shifts the most.
"""
MATCH = """
The striker scored twice as the Harriers won the derby in front of a full stadium.
Fans sang long after the final whistle of the derby at Quayside Park.

The club's manager praised the striker and the defence after the derby win.
"""


def sample(folder: Path) -> Path:
    """Write a small content folder that exercises every exclusion and editorial control."""
    folder.mkdir(parents=True, exist_ok=True)
    write_article(
        folder,
        "flood-a",
        "Flood hits delta villages",
        FLOOD,
        date="2025-03-01 10:00",
        tags="delta, flood",
        summary="Flood water rose over the levee in the delta overnight and villages "
        "were evacuated before dawn.",
    )
    write_article(
        folder,
        "flood-b",
        "Flood crest moves downriver",
        FLOOD + "\nLevee repairs begin.",
        date="2025-03-02 10:00",
        tags="delta, flood",
    )
    write_article(
        folder, "flood-a", "Crue dans le delta", FLOOD, lang="fr", date="2025-03-01 11:00"
    )
    write_article(folder, "flood-draft", "Flood hits the delta", FLOOD, status="draft")
    write_article(folder, "flood-hidden", "Flood hits delta villages", FLOOD, status="hidden")
    write_article(folder, "budget-a", "Council passes budget", BUDGET, check_also="no-such-slug")
    write_article(
        folder,
        "budget-b",
        "Budget cuts bus routes",
        BUDGET + "\nRiders protest.",
        check_also="derby-a",
    )
    write_article(folder, "derby-a", "Derby win for the Harriers", MATCH, category="Sport")
    write_article(
        folder,
        "derby-b",
        "Harriers celebrate the derby",
        MATCH,
        category="Sport",
        check_also="none",
    )
    write_article(
        folder,
        "chess",
        "Chess club opens",
        "Grandmaster opening theory and endgames.",
        category="Sport",
        date="2024-06-01 10:00",
    )
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build the sample folder once; return (output folder, slug/lang -> check_also, log)."""
    root = tmp_path_factory.mktemp("check-also-build")
    seen: dict[str, object] = {}

    def record(generator, content):
        seen[f"{content.slug}:{content.lang}"] = content.check_also

    signals.article_generator_write_article.connect(record)
    try:
        with LogRecorder() as log:
            build(sample(root / "content"), root / "output")
    finally:
        signals.article_generator_write_article.disconnect(record)
    return root / "output", seen, log.messages


def page(output: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((output / name).read_text(encoding="utf-8"), "html.parser")


def pick_of(output: Path, name: str) -> str | None:
    box = page(output, name).find("aside", id="check-also")
    return None if box is None else box.select_one(".check-also-title a")["href"].split("/")[-1]


def test_similar_articles_point_at_each_other(built):
    output, seen, _ = built
    assert pick_of(output, "flood-a.html") == "flood-b.html"
    assert pick_of(output, "flood-b.html") == "flood-a.html"
    assert seen["flood-a:en"].reason == "similar"


def test_box_shows_title_teaser_and_related_list(built):
    output, seen, _ = built
    box = page(output, "flood-b.html").find("aside", id="check-also")
    assert box.select_one(".check-also-title a").get_text(strip=True) == "Flood hits delta villages"
    teaser = box.select_one(".check-also-teaser").get_text(strip=True)
    assert teaser.startswith("Flood water rose over the levee") and teaser.endswith("…")
    pick = seen["flood-b:en"]
    assert isinstance(pick, CheckAlso) and pick.teaser == teaser
    related = [a["href"].split("/")[-1] for a in box.select(".related-list a")]
    assert related and "flood-a.html" not in related and "flood-b.html" not in related


def test_drafts_hidden_articles_and_translations_are_never_picked(built):
    output, seen, _ = built
    targets = {c.article.slug + ":" + c.article.lang for c in seen.values() if c is not None}
    related = {a.slug + ":" + a.lang for c in seen.values() if c for a in c.related}
    for forbidden in ("flood-draft:en", "flood-hidden:en"):
        assert forbidden not in targets | related
    assert seen["flood-a:en"].article.lang == "en"
    assert "flood-a-fr.html" not in (pick_of(output, "flood-a.html"), None)
    # The hidden article's own page still gets a box.
    assert pick_of(output, "flood-hidden.html") in {"flood-a.html", "flood-b.html"}


def test_translation_points_elsewhere_than_its_original(built):
    _, seen, _ = built
    pick = seen["flood-a:fr"]
    assert pick is not None and (pick.article.slug, pick.article.lang) != ("flood-a", "en")


def test_override_and_none(built):
    output, seen, messages = built
    assert pick_of(output, "budget-b.html") == "derby-a.html"
    assert seen["budget-b:en"].reason == "override"
    assert pick_of(output, "derby-b.html") is None and seen["derby-b:en"] is None
    assert "check_also" not in (output / "derby-b.html").read_text(encoding="utf-8")


def test_unknown_override_is_logged_with_the_path_and_ignored(built):
    output, _, messages = built
    assert pick_of(output, "budget-a.html") == "budget-b.html"
    assert any(
        m.startswith("check_also: ") and "'no-such-slug'" in m and m.endswith("(budget-a.md)")
        for m in messages
    )


def test_fallback_is_the_most_recent_of_the_category_and_is_logged(built):
    output, seen, messages = built
    assert seen["chess:en"].reason == "fallback-category"
    assert pick_of(output, "chess.html") in {"derby-a.html", "derby-b.html"}
    assert "check_also: fallback-category (chess.md)" in messages


def test_pages_of_another_order_get_the_same_picks(tmp_path, built):
    output, _, _ = built
    content = sample(tmp_path / "content")
    # New files, same articles: names (and so the reading order) change, choices do not.
    for number, path in enumerate(sorted(content.glob("*.md"))):
        path.rename(path.with_name(f"{99 - number}-{path.name}"))
    other = tmp_path / "output"
    build(content, other)
    for name in ("flood-a.html", "flood-b.html", "budget-a.html", "budget-b.html", "chess.html"):
        assert pick_of(other, name) == pick_of(output, name)


@pytest.mark.parametrize(
    ("name", "value"),
    [("CHECK_ALSO_RELATED_COUNT", "four"), ("CHECK_ALSO_RECENCY_HALF_LIFE", 0)],
)
def test_bad_setting_stops_the_build_naming_it(tmp_path, name, value):
    content = sample(tmp_path / "content")
    with pytest.raises(CheckAlsoSettingError, match=name):
        build(content, tmp_path / "output", **{name: value})


def test_cache_reuses_vectors_and_choices_between_builds(tmp_path):
    content = sample(tmp_path / "content")
    cached = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True}
    with LogRecorder() as log:
        build(content, tmp_path / "output", **cached)
    assert (tmp_path / "cache" / "check_also" / "vectors.npz").exists()
    assert any("ranked 10 articles" in m and "(10 tokenised)" in m for m in log.messages)
    with LogRecorder() as log:
        build(content, tmp_path / "output", **cached)
    assert "check_also: reused the choices of the last build for 10 articles" in log.messages
    write_article(content, "flood-c", "Levee repaired in the delta", FLOOD)
    with LogRecorder() as log:
        build(content, tmp_path / "output", **cached)
    assert any("ranked 11 articles" in m and "(1 tokenised)" in m for m in log.messages)
    assert pick_of(tmp_path / "output", "flood-c.html") in {"flood-a.html", "flood-b.html"}


def test_cached_build_with_nothing_changed_loads_neither_numpy_nor_scipy(tmp_path):
    content = sample(tmp_path / "content")
    settings = {
        "PATH": str(content),
        "OUTPUT_PATH": str(tmp_path / "output"),
        "CACHE_PATH": str(tmp_path / "cache"),
        "PLUGINS": ["pelican.plugins.check_also"],
        "ARTICLE_PATHS": [""],
        "PAGE_PATHS": [],
        "STATIC_PATHS": [],
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
    }
    build(content, tmp_path / "output", **settings)
    # A fresh process, as `make html` is: reusing the last choices needs no arithmetic.
    script = textwrap.dedent(
        f"""
        import sys
        from pelican import Pelican
        from pelican.settings import read_settings
        Pelican(read_settings("pelicanconf.py", override={settings!r})).run()
        heavy = ("numpy", "scipy", "pelican.plugins.check_also.ranking")
        print(sorted(m for m in heavy if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert pick_of(tmp_path / "output", "flood-a.html") == "flood-b.html"

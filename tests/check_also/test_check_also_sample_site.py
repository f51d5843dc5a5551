"""The sample site: every article page ends with a Check Also box that points elsewhere."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest


def article_pages(site: Path) -> list[str]:
    """Return the built pages that hold an article story."""
    return sorted(
        str(p.relative_to(site))
        for p in site.rglob("*.html")
        if 'class="story"' in p.read_text(encoding="utf-8") and p.parent == site
    )


def test_every_article_page_has_a_check_also_box(site, page_soup):
    pages = article_pages(site)
    assert len(pages) >= 16
    targets = []
    for name in pages:
        box = page_soup(name).find("aside", id="check-also")
        assert box is not None, name
        link = box.select_one(".check-also-title a")
        target = link["href"].split("/")[-1]
        assert target != name and (site / target).exists(), name
        assert box.select_one(".check-also-teaser").get_text(strip=True).endswith("…")
        targets.append(target)
    # Picks are spread out, not all sent to the newest story.
    assert max(targets.count(t) for t in set(targets)) <= len(pages) // 3


def test_hama_article_points_to_the_islamic_state_attack(page_soup):
    box = page_soup("rebels-capture-hama.html").find("aside", id="check-also")
    link = box.select_one(".check-also-title a")
    assert link["href"].endswith("islamic-state-attack-southern-syria.html")
    assert "Islamic State" in link.get_text()


# Stories with a clear partner on the sample site, decided by reading them: the same event
# told twice, or the next chapter of the same story.
EXPECTED_PICKS = {
    "alden-bay-seagrass-replanting.html": "alden-bay-seagrass-second-season.html",
    "alden-bay-seagrass-second-season.html": "alden-bay-seagrass-replanting.html",
    "harriers-win-derby.html": "harriers-promotion.html",
    "harriers-promotion.html": "harriers-win-derby.html",
    "port-alden-budget-bus-cuts.html": "port-alden-budget-passes.html",
    "port-alden-budget-passes.html": "port-alden-budget-bus-cuts.html",
    "rebels-capture-hama.html": "islamic-state-attack-southern-syria.html",
    "islamic-state-attack-southern-syria.html": "rebels-capture-hama.html",
    "voltaris-battery-plant-port-alden.html": "voltaris-production-delay.html",
    "voltaris-production-delay.html": "voltaris-battery-plant-port-alden.html",
    "voltaris-tax-relief-vote.html": "voltaris-battery-plant-port-alden.html",
    "sodium-ion-cell-alden-institute.html": "voltaris-battery-plant-port-alden.html",
}


def pick_of(page_soup, name: str) -> str:
    box = page_soup(name).find("aside", id="check-also")
    return box.select_one(".check-also-title a")["href"].split("/")[-1]


def section_and_tags(page_soup, name: str) -> tuple[str, set[str]]:
    """Return the section (the kicker) and the topics of a built article page."""
    page = page_soup(name)
    tags = {a.get_text(strip=True).casefold() for a in page.select(".story-tags a[rel=tag]")}
    return page.select_one(".kicker a").get_text(strip=True), tags


@pytest.mark.parametrize(("page", "expected"), sorted(EXPECTED_PICKS.items()))
def test_a_story_with_a_clear_partner_points_to_it(page_soup, page, expected):
    assert pick_of(page_soup, page) == expected


def test_no_box_points_across_sections_to_an_unrelated_story(site, page_soup):
    pages = article_pages(site)
    facts = {name: section_and_tags(page_soup, name) for name in pages}
    # A topic on more than a third of the stories (the city's name) says nothing about them.
    counts = Counter(tag for _, tags in facts.values() for tag in tags)
    common = {tag for tag, n in counts.items() if n > len(pages) / 3}
    assert "port alden" in common
    crossing = []
    for name in pages:
        target = pick_of(page_soup, name)
        (section, tags), (other_section, other_tags) = facts[name], facts[target]
        if section != other_section and not (tags & other_tags) - common:
            crossing.append((name, target))
    assert crossing == []


def test_stories_without_a_partner_stay_in_their_section(page_soup):
    for name in ("comet-cape-morrow.html", "port-alden-marathon-course-record.html"):
        section, _ = section_and_tags(page_soup, name)
        assert section_and_tags(page_soup, pick_of(page_soup, name))[0] == section, name

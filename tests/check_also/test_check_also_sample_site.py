"""The sample site: every article page ends with a Check Also box that points elsewhere."""

from __future__ import annotations

from pathlib import Path


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

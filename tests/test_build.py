"""Build the sample site with Pelican and read it as a reader, a feed reader and a crawler would."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.conftest import ROOT, build_site
from tests.content_index import articles

SOURCES = articles(ROOT / "content")
PUBLISHED = [s for s in SOURCES if s.published]
HIDDEN = [s for s in SOURCES if not s.published]
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def text(node) -> str:
    """Return the visible text of a node with runs of white space made single."""
    return " ".join(node.get_text(" ").split())


def test_sample_content_is_large_enough():
    categories = {s.meta["category"] for s in PUBLISHED}
    assert len(PUBLISHED) >= 16
    assert len(categories) >= 4
    assert sum(1 for s in PUBLISHED if s.meta.get("image")) >= 5
    assert all(s.meta.get("tags") and s.meta.get("summary") for s in PUBLISHED)
    assert HIDDEN, "the sample content keeps a draft and a scheduled article"


@pytest.mark.parametrize("source", PUBLISHED, ids=lambda s: s.slug)
def test_article_page_has_the_seed_parts(page_soup, source):
    soup = page_soup(source.page)
    story = soup.find("article", class_="story")
    assert text(story.find("h1")) == BeautifulSoup(source.meta["title"], "html.parser").text
    assert len(story.select(".story-body p")) >= 2
    assert story.find("time", datetime=True) and "By" in text(story.select_one(".byline"))

    box = soup.find("aside", id="check-also")
    assert box is not None, "the Check Also box follows the article"
    assert text(box.find("h2")) == "Check Also"
    link = box.select_one(".check-also-title a")
    assert link["href"].endswith(".html") and link["href"] != source.page
    assert text(link)
    teaser = text(box.select_one(".check-also-teaser"))
    assert teaser.endswith("…") and len(teaser) > 20

    respond = soup.find(id="respond")
    assert text(respond.find("h2")).startswith("Leave a Reply")
    notes = text(respond.select_one(".comment-notes"))
    assert notes == ("Your email address will not be published. Required fields are marked *")
    form = respond.find("form")
    assert form["method"] == "post" and form["action"].endswith("/api/comments")
    labels = {text(label): soup.find(id=label["for"]) for label in form.find_all("label")}
    assert labels["Comment *"].name == "textarea"
    assert labels["Name *"]["name"] == "author"
    assert labels["Email *"]["type"] == "email"
    assert labels["Website"]["name"] == "url"
    remember = "Save my name, email, and website in this browser for the next time I comment."
    assert labels[remember]["type"] == "checkbox"
    assert text(form.find("button", type="submit")) == "Post Comment"
    assert form.find("input", attrs={"name": "thread"})["value"] == source.slug


def test_hama_points_to_the_islamic_state_attack(page_soup):
    box = page_soup("rebels-capture-hama.html").find("aside", id="check-also")
    assert box.select_one(".check-also-title a")["href"].endswith(
        "islamic-state-attack-southern-syria.html"
    )


def local_target(site: Path, page: Path, ref: str, site_url: str) -> Path | None:
    """Return the output file a link points to, or None for links that leave the site."""
    ref, _ = urldefrag(ref)
    if ref.startswith(site_url):
        ref = "/" + ref[len(site_url) :].lstrip("/")
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc or not parts.path or ref.startswith("/api/"):
        return None
    path = unquote(parts.path)
    target = site / path.lstrip("/") if path.startswith("/") else page.parent / path
    return target / "index.html" if target.is_dir() else target


def test_no_internal_link_or_asset_is_broken(site):
    site_url = "http://127.0.0.1:8000"
    broken, checked = [], 0
    for page in site.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        ids = {tag["id"] for tag in soup.find_all(id=True)}
        for tag in soup.find_all(href=True) + soup.find_all(src=True):
            ref = tag.get("href") or tag.get("src")
            if ref.startswith("#"):
                if ref != "#" and ref[1:] not in ids:
                    broken.append(f"{page.name}: {ref}")
                continue
            target = local_target(site, page, ref, site_url)
            if target is None:
                continue
            checked += 1
            if not target.resolve().is_file():
                broken.append(f"{page.relative_to(site)}: {ref}")
    assert checked > 500
    assert broken == []


def test_feeds_list_every_published_article(site):
    pages = {s.page for s in PUBLISHED}
    atom = ET.parse(site / "feeds/all.atom.xml").getroot()
    atom_links = {e.find(f"{ATOM}link").get("href") for e in atom.iter(f"{ATOM}entry")}
    rss = ET.parse(site / "feeds/all.rss.xml").getroot()
    rss_links = {item.findtext("link") for item in rss.iter("item")}
    for links in (atom_links, rss_links):
        assert {Path(urlsplit(link).path).name for link in links} == pages
        assert all(link.startswith("http://127.0.0.1:8000/") for link in links)


def test_sitemap_lists_every_page(site):
    root = ET.parse(site / "sitemap.xml").getroot()
    locs = {loc.text for loc in root.iter(f"{SITEMAP}loc")}
    for source in PUBLISHED:
        assert f"http://127.0.0.1:8000/{source.page}" in locs
    assert "http://127.0.0.1:8000/pages/about.html" in locs
    assert "http://127.0.0.1:8000/" in locs


def test_not_found_page_links_from_the_site_root(page_soup):
    # The 404 page is served at any missing address, however deep.
    soup = page_soup("404.html")
    assert soup.find("link", rel="stylesheet")["href"] == "/theme/css/site.css"
    assert all(a["href"].startswith(("/", "http")) for a in soup.select("main a[href]"))


def test_robots_txt_points_at_the_sitemap(site):
    lines = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in lines
    assert "Disallow: /api/" in lines


def test_drafts_and_future_articles_are_absent(site):
    built = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.*ml"))
    for source in HIDDEN:
        assert not list(site.rglob(f"*{source.slug}*"))
        assert source.slug not in built
        assert source.meta["title"] not in built
    assert not (site / "drafts").exists()


def test_article_carries_social_and_structured_data(page_soup):
    soup = page_soup("rebels-capture-hama.html")
    og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True)}
    assert og["og:type"] == "article"
    assert og["og:url"] == "http://127.0.0.1:8000/rebels-capture-hama.html"
    assert og["og:image"].startswith("http://127.0.0.1:8000/images/")
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == text(soup.find("h1"))
    assert data["datePublished"].startswith("2024-12-05")
    assert data["author"][0]["name"]


def test_home_page_leads_with_the_featured_story_and_paginates(site, page_soup):
    featured = max(
        (s for s in PUBLISHED if s.meta.get("featured") == "yes"), key=lambda s: s.meta["date"]
    )
    home = page_soup("index.html")
    lead = home.select_one(".lead-story .card-title a")
    assert lead["href"].endswith(f"{featured.slug}.html")
    assert home.select(".latest .card")
    assert home.find("a", rel="next")["href"].endswith("index2.html")
    assert (site / "index2.html").is_file()


@pytest.mark.parametrize(
    "listing", ["category/world.html", "archives.html", "tags.html", "authors.html"]
)
def test_listing_pages_exist_and_link_articles(page_soup, listing):
    soup = page_soup(listing)
    assert soup.find("h1")
    assert soup.select("main a[href]")


def test_every_page_is_accessible_in_structure(site):
    for page in site.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert soup.html.get("lang"), page
        assert soup.find("main", id="main") and soup.select_one("a.skip-link[href='#main']"), page
        assert len(soup.find_all("h1")) == 1, page
        for field in soup.select("input:not([type=hidden]), textarea, select"):
            assert soup.find("label", attrs={"for": field.get("id")}), (page, field)


def test_publish_settings_make_absolute_urls(tmp_path):
    output = build_site(
        tmp_path / "out",
        settings_file="publishconf.py",
        COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'none.db'}",
    )
    home = (output / "index.html").read_text(encoding="utf-8")
    assert 'href="https://news.example.org/theme/css/site.css"' in home
    article = (output / "rebels-capture-hama.html").read_text(encoding="utf-8")
    assert (
        '<link rel="canonical" href="https://news.example.org/rebels-capture-hama.html">' in article
    )
    atom = ET.parse(output / "feeds/all.atom.xml").getroot()
    assert atom.find(f"{ATOM}entry/{ATOM}link").get("href").startswith("https://news.example.org/")


def test_a_folder_of_plain_markdown_articles_builds(tmp_path):
    content = tmp_path / "notes"
    content.mkdir()
    for n in range(3):
        (content / f"note-{n}.md").write_text(
            f"Title: Note {n}\nDate: 2025-01-0{n + 1}\nCategory: Notes\n\n"
            f"Body of note {n} about harbour tides and ferries.\n\nA second paragraph.\n",
            encoding="utf-8",
        )
    result = subprocess.run(
        [
            str(ROOT / ".venv/bin/pelican"),
            str(content),
            "-s",
            "pelicanconf.py",
            "-o",
            str(tmp_path / "out"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COMMENTS_DATABASE_URL": f"sqlite:///{tmp_path}/no.db"},
    )
    assert result.returncode == 0, result.stderr
    page = BeautifulSoup((tmp_path / "out/note-1.html").read_text(), "html.parser")
    assert text(page.find("h1")) == "Note 1"
    assert "No comments yet" in text(page.find(id="comments"))


def test_make_newpost_writes_an_article_that_builds(tmp_path):
    content = tmp_path / "content"
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "newpost",
            "TITLE=Harbour lights return to Port Alden",
            f"CONTENT={content}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path == content / "articles/harbour-lights-return-to-port-alden.md"
    header = path.read_text(encoding="utf-8").split("\n\n")[0]
    keys = [line.split(":")[0] for line in header.splitlines()]
    assert keys == ["Title", "Date", "Category", "Summary", "Slug", "Status"]
    assert re.search(r"^Date: \d{4}-\d\d-\d\d \d\d:\d\d$", header, re.M)
    # A draft until the author publishes it.
    path.write_text(path.read_text(encoding="utf-8").replace("Status: draft", "Status: published"))
    output = build_site(
        tmp_path / "out", content, COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path}/x.db"
    )
    soup = BeautifulSoup(
        (output / "harbour-lights-return-to-port-alden.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    assert text(soup.find("h1")) == "Harbour lights return to Port Alden"


def test_nothing_in_the_output_names_a_folder_of_the_build_machine(site):
    folders = {str(ROOT), str(site), str(site.parent), str(Path.home())}
    for path in site.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            assert not [f for f in folders if f in text], path

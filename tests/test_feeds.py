"""The feeds as a reader parses them: language, icon and logo, a thumbnail for every item."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from PIL import Image

SITEURL = "http://127.0.0.1:8000"
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _image(site: Path, url: str) -> Image.Image:
    assert url.startswith(f"{SITEURL}/"), url
    return Image.open(site / url.removeprefix(f"{SITEURL}/"))


def _assert_thumbnail(site: Path, element) -> None:
    thumb = element.find(f"{MEDIA}thumbnail")
    assert thumb is not None
    with _image(site, thumb.get("url")) as image:
        assert image.size == (int(thumb.get("width")), int(thumb.get("height"))) == (1200, 630)


def test_atom_feed_has_language_icon_logo_and_thumbnails(site):
    for name in ("feeds/all.atom.xml", "feeds/category/world.atom.xml"):
        root = ElementTree.parse(site / name).getroot()
        assert root.get(XML_LANG) == "en"
        with _image(site, root.findtext(f"{ATOM}icon")) as icon:
            assert icon.size == (512, 512)
        with _image(site, root.findtext(f"{ATOM}logo")) as logo:
            assert logo.size == (1200, 630)
        entries = root.findall(f"{ATOM}entry")
        assert entries
        for entry in entries:
            _assert_thumbnail(site, entry)


def test_atom_entry_in_another_language_says_so(site):
    root = ElementTree.parse(site / "feeds/all.atom.xml").getroot()
    langs = {
        entry.findtext(f"{ATOM}title"): entry.get(XML_LANG)
        for entry in root.findall(f"{ATOM}entry")
    }
    french = [title for title, lang in langs.items() if lang == "fr"]
    assert french == ["Régates de Port-Valmée : Lou Garnier, 17 ans, remporte la course du large"]
    assert sum(lang is None for lang in langs.values()) == len(langs) - 1


def test_rss_feed_has_language_image_and_thumbnails(site):
    channel = ElementTree.parse(site / "feeds/all.rss.xml").getroot().find("channel")
    assert channel.findtext("language") == "en"
    image = channel.find("image")
    assert image.findtext("link") == channel.findtext("link")
    assert image.findtext("title") == channel.findtext("title")
    with _image(site, image.findtext("url")) as picture:
        assert picture.size == (int(image.findtext("width")), int(image.findtext("height")))
        assert picture.width <= 144  # the most RSS 2.0 allows
    items = channel.findall("item")
    assert len(items) >= 20
    for item in items:
        _assert_thumbnail(site, item)

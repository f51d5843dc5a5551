"""Which images a page gets, and making them through the cache: no Pelican import."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import render
from .config import FORMATS, ShareSettings
from .store import cached_image, image_key, publish

log = logging.getLogger(__name__)

CARD = (1200, 630)  # Open Graph and X/Twitter large card
RATIOS = ((1200, 675), (1200, 900), (1200, 1200))  # 16:9, 4:3 and 1:1 for structured data
LOGO = 512  # the publisher's square logo, and the Atom feed's icon
FEED_IMAGE = 144  # the RSS channel's image (RSS allows at most 144 pixels wide)
RASTER_TYPES = {".png", ".jpg", ".jpeg", ".webp", ".gif"}
# Bump when the drawing changes in a way the inputs do not show: every image is redone.
STYLE_KEY = (
    f"share-cards-1|{render.PAPER}|{render.INK}|{render.ACCENT}|"
    f"{render.LARGEST_HEADLINE}|{render.SMALLEST_HEADLINE}"
)


@dataclass(frozen=True)
class ShareImage:
    """One published image: where it is and what the tags say about it."""

    path: str
    url: str
    width: int
    height: int
    mime: str
    alt: str
    length: int


@dataclass(frozen=True)
class ArticleImages:
    """An article's share card and its three images for structured data."""

    card: ShareImage
    ratios: tuple[ShareImage, ...]


@cache
def _font_bytes() -> bytes:
    return render.FONT_FILE.read_bytes()


class CardMaker:
    """Makes and publishes the images of one build, each through the cache."""

    def __init__(self, settings: ShareSettings) -> None:
        self.settings = settings
        self.mark = settings.logo_path.read_bytes()
        self.written: set[str] = set()

    def _publish(
        self, key: str, stem: str, size: tuple[int, int], extension: str, mime: str, alt: str, draw
    ) -> ShareImage:
        cached = cached_image(self.settings.cache_path, key, extension, draw)
        name = f"{stem}-{size[0]}x{size[1]}-{key[:12]}.{extension}"
        folder = self.settings.output_path / self.settings.cards_path
        target = publish(cached, folder, name)
        self.written.add(name)
        path = f"{self.settings.cards_path}/{name}"
        return ShareImage(
            path,
            f"{self.settings.site_url}/{path}",
            size[0],
            size[1],
            mime,
            alt,
            target.stat().st_size,
        )

    def _card(self, stem: str, size: tuple[int, int], alt: str, parts: tuple, draw) -> ShareImage:
        settings = self.settings
        pil_format = FORMATS[settings.image_format][2]
        key = image_key(STYLE_KEY, settings.image_format, *size, *parts)
        return self._publish(
            key,
            stem,
            size,
            settings.extension,
            settings.mime,
            alt,
            lambda: render.encode(draw(size), pil_format),
        )

    def headline_images(self, stem: str, headline: str, ratios=RATIOS) -> ArticleImages:
        """Return cards that show the headline and the site's mark and name."""
        headline = " ".join(html.unescape(headline).split())
        alt = f"{headline} · {self.settings.site_name}"
        parts = ("headline", headline, self.settings.site_name, self.mark, _font_bytes())

        def draw(size):
            return render.text_card(headline, self.settings.site_name, self.mark, size)

        made = [self._card(stem, size, alt, parts, draw) for size in (CARD, *ratios)]
        return ArticleImages(made[0], tuple(made[1:]))

    def picture_images(self, stem: str, source: Path, alt: str) -> ArticleImages:
        """Return cards cut from the picture at `source`.

        Raises:
            OSError: the file cannot be read.
            render.SourceImageError: it is no picture (found when a card is first drawn).
        """
        data = source.read_bytes()
        svg = source.suffix.lower() == ".svg"
        parts = ("picture", source.suffix.lower(), data, _font_bytes() if svg else b"")
        sizes = [CARD, *RATIOS]

        @cache
        def picture():
            return render.open_picture(data, svg, sizes)

        def draw(size):
            return render.cover(picture(), size)

        made = [self._card(stem, size, alt, parts, draw) for size in sizes]
        return ArticleImages(made[0], tuple(made[1:]))

    def article_images(
        self, stem: str, headline: str, image: str | None, alt: str, where: str
    ) -> ArticleImages:
        """Return an article's images: from its picture, else (or when that fails) a headline
        card; a picture that cannot be used is logged and the build carries on."""
        if image:
            source = self.settings.content_path / image.lstrip("/")
            if source.suffix.lower() in RASTER_TYPES | {".svg"}:
                try:
                    return self.picture_images(stem, source, alt or headline)
                except (OSError, render.SourceImageError) as error:
                    log.warning("share_cards: cannot use image %s: %s (%s)", image, error, where)
            else:
                log.warning("share_cards: %s is no picture type it knows (%s)", image, where)
        return self.headline_images(stem, headline)

    def site_card(self) -> ShareImage:
        """Return the site's own card: its description (or name), mark and name."""
        settings = self.settings
        words = settings.site_subtitle or settings.site_name
        return self.headline_images("site", words, ratios=()).card

    def logo(self, side: int) -> ShareImage:
        """Return the site's mark as a square PNG of `side` pixels."""
        key = image_key(STYLE_KEY, "logo", side, self.mark, _font_bytes())
        return self._publish(
            key,
            "logo",
            (side, side),
            "png",
            "image/png",
            self.settings.site_name,
            lambda: render.encode(render.logo(self.mark, side), "PNG"),
        )

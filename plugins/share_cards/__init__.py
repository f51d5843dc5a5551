"""Pelican plugin: raster share cards, the site's logo and what search engines and feeds need.

A thin adapter. Once every generator has its content, it gives each article a `share`
attribute (its 1200×630 card and the 16:9, 4:3 and 1:1 images for structured data, cut from
the article's image or drawn with its headline), puts `share_site` (the site's card, logo,
publisher and home-page data, and `share_site.locale(lang)`) in the templates' context, and
writes the images into the output. Images are kept in CACHE_PATH by the hash of what made
them: a rebuild with the same inputs renders none. Feeds are written by `ShareFeedWriter`.
"""

from __future__ import annotations

import logging

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from .cards import FEED_IMAGE, LOGO, CardMaker
from .config import ShareSettingsError, read_share_settings
from .feeds import SITE_KEY, ShareFeedWriter
from .store import RenderCounter, prune
from .structured_data import SiteShare

log = logging.getLogger(__name__)

__all__ = ["ShareSettingsError", "register", "render_count"]


def render_count() -> int:
    """Return how many images this process rendered rather than found in the cache."""
    return RenderCounter.count


def check_settings(pelican) -> None:
    """Stop the build at once when a share-card setting is wrong."""
    read_share_settings(pelican.settings)


def _documents(generators):
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            yield from generator.articles
            yield from generator.translations
        elif isinstance(generator, PagesGenerator):
            yield from generator.pages
            yield from generator.translations
            yield from generator.hidden_pages


def attach_share_images(generators) -> None:
    """Make every article's images and the site's, and give them to the templates."""
    context = generators[0].context
    settings = read_share_settings(generators[0].settings)
    card = logo = feed_image = None
    if settings.enabled:
        maker = CardMaker(settings)
        card, logo, feed_image = maker.site_card(), maker.logo(LOGO), maker.logo(FEED_IMAGE)
        for doc in _documents(generators):
            doc.share = None
            if type(doc).__name__ != "Article" or doc.status != "published":
                continue
            stem = f"{doc.slug}-{doc.lang}" if doc.in_default_lang is False else doc.slug
            doc.share = maker.article_images(
                stem,
                doc.title,
                doc.metadata.get("image"),
                doc.metadata.get("image_alt", ""),
                doc.source_path,
            )
        prune(settings.output_path / settings.cards_path, maker.written)
    context[SITE_KEY] = SiteShare(
        card=card,
        logo=logo,
        feed_image=feed_image,
        name=settings.site_name,
        url=f"{settings.site_url}/",
        default_lang=settings.default_lang,
        search_url=settings.search_url,
        locales=settings.locales,
    )


def get_writer(pelican):
    """Write the feeds with their language, icon, logo and thumbnails."""
    return ShareFeedWriter


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.all_generators_finalized.connect(attach_share_images)
    signals.get_writer.connect(get_writer)

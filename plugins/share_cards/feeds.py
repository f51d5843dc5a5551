"""Pelican's feed writer, with the feed's language, icon and logo, and a thumbnail per item.

Pelican writes feeds through its `Writer`; the plugin hands it this subclass (signal
`get_writer`), so the feeds come out whole from feedgenerator rather than being patched
after they are written.
"""

from __future__ import annotations

from feedgenerator import Atom1Feed, Rss201rev2Feed
from pelican.writers import Writer

from .cards import ShareImage

MEDIA_NS = "http://search.yahoo.com/mrss/"
# The context key the plugin sets before anything is written.
SITE_KEY = "share_site"


def _thumbnail(handler, image: ShareImage | None) -> None:
    if image:
        attributes = {"url": image.url, "width": str(image.width), "height": str(image.height)}
        handler.addQuickElement("media:thumbnail", None, attributes)


class MediaAtomFeed(Atom1Feed):
    """An Atom feed with `<icon>`, `<logo>`, entries' own `xml:lang` and thumbnails."""

    def root_attributes(self):
        """Return the feed element's attributes, with the Media RSS namespace."""
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_root_elements(self, handler):
        """Write the feed's head, with its icon and logo."""
        super().add_root_elements(handler)
        if self.feed.get("icon"):
            handler.addQuickElement("icon", self.feed["icon"].url)
        if self.feed.get("logo"):
            handler.addQuickElement("logo", self.feed["logo"].url)

    def item_attributes(self, item):
        """Return an entry's attributes: its language where it is not the feed's."""
        lang = item.get("lang")
        if lang and lang != self.feed["language"]:
            return {"xml:lang": lang}
        return {}

    def add_item_elements(self, handler, item):
        """Write an entry, with its thumbnail."""
        super().add_item_elements(handler, item)
        _thumbnail(handler, item.get("thumbnail"))


class MediaRssFeed(Rss201rev2Feed):
    """An RSS 2.0 feed with the channel's `<image>` and a thumbnail per item."""

    def rss_attributes(self):
        """Return the rss element's attributes, with the Media RSS namespace."""
        return {**super().rss_attributes(), "xmlns:media": MEDIA_NS}

    def add_root_elements(self, handler):
        """Write the channel's head, with its image."""
        super().add_root_elements(handler)
        image = self.feed.get("image")
        if image:
            handler.startElement("image", {})
            handler.addQuickElement("url", image.url)
            handler.addQuickElement("title", self.feed["title"])
            handler.addQuickElement("link", self.feed["link"])
            handler.addQuickElement("width", str(image.width))
            handler.addQuickElement("height", str(image.height))
            handler.endElement("image")

    def add_item_elements(self, handler, item):
        """Write an item, with its thumbnail."""
        super().add_item_elements(handler, item)
        _thumbnail(handler, item.get("thumbnail"))


class ShareFeedWriter(Writer):
    """Pelican's writer; its feeds carry the site's language, icon, logo and thumbnails."""

    def _create_new_feed(self, feed_type, feed_title, context):
        plain = super()._create_new_feed(feed_type, feed_title, context)
        site = context.get(SITE_KEY)
        extra = {}
        if site:
            extra = {"icon": site.logo, "logo": site.card, "image": site.feed_image}
        feed_class = MediaRssFeed if feed_type == "rss" else MediaAtomFeed
        return feed_class(
            title=plain.feed["title"],
            link=plain.feed["link"],
            feed_url=plain.feed["feed_url"],
            description=plain.feed["description"],
            subtitle=plain.feed["subtitle"],
            language=context.get("DEFAULT_LANG"),
            **extra,
        )

    def _add_item_to_the_feed(self, feed, item):
        super()._add_item_to_the_feed(feed, item)
        images = getattr(item, "share", None)
        feed.items[-1]["thumbnail"] = images.card if images else None
        feed.items[-1]["lang"] = getattr(item, "lang", None)

"""Pelican plugin: sitemap.xml listing the home page, articles, pages and section pages."""

from __future__ import annotations

from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from .urls import sitemap_entries, sitemap_xml


class SitemapGenerator(Generator):
    """Write sitemap.xml with the rest of the output, after drafts are set aside."""

    def generate_output(self, writer) -> None:
        """Write sitemap.xml into the output folder."""
        ctx = self.context
        documents = list(ctx.get("articles", [])) + list(ctx.get("pages", []))
        for doc in list(documents):
            documents.extend(getattr(doc, "translations", []))
        groups = [
            group
            for key in ("categories", "tags", "authors")
            for group, _ in ctx.get(key, [])
            if getattr(group, "save_as", "")
        ]
        entries = sitemap_entries(self.settings["SITEURL"], documents, groups)
        target = Path(self.output_path) / self.settings.get("SITEMAP_SAVE_AS", "sitemap.xml")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sitemap_xml(entries), encoding="utf-8")


def get_generators(pelican):
    """Add the sitemap writer to the build."""
    return SitemapGenerator


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.get_generators.connect(get_generators)

"""Pelican plugin: sitemap.xml (home, articles, pages, section pages) and robots.txt."""

from __future__ import annotations

from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from .urls import robots_txt, sitemap_entries, sitemap_xml


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
        output = Path(self.output_path)
        (output / "sitemap.xml").write_text(sitemap_xml(entries), encoding="utf-8")
        (output / "robots.txt").write_text(
            robots_txt(self.settings["SITEURL"], self.settings.get("COMMENTS_API_PATH")),
            encoding="utf-8",
        )


def get_generators(pelican):
    """Add the sitemap writer to the build."""
    return SitemapGenerator


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.get_generators.connect(get_generators)

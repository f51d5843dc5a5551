"""Pure sitemap building: documents in, XML text out."""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_entries(
    site_url: str, documents: Iterable, groups: Iterable
) -> list[tuple[str, str | None]]:
    """Return (absolute URL, last modified date or None) for every page worth indexing."""
    base = site_url.rstrip("/")
    entries = {f"{base}/": None}
    for doc in documents:
        if getattr(doc, "status", "published") != "published" or not doc.save_as:
            continue
        modified = getattr(doc, "modified", None) or getattr(doc, "date", None)
        entries[f"{base}/{doc.url}"] = modified.date().isoformat() if modified else None
    for group in groups:
        entries.setdefault(f"{base}/{group.url}", None)
    return sorted(entries.items())


def sitemap_xml(entries: Iterable[tuple[str, str | None]]) -> str:
    """Return the sitemap document for the given entries."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{NAMESPACE}">']
    for loc, lastmod in entries:
        lines.append(f"  <url><loc>{escape(loc)}</loc>")
        if lastmod:
            lines.append(f"    <lastmod>{lastmod}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(site_url: str, api_path: str | None) -> str:
    """Return robots.txt: crawl everything but the comment service; find the sitemap."""
    lines = ["User-agent: *", "Allow: /"]
    if api_path:
        lines.append(f"Disallow: {api_path.rstrip('/')}/")
    lines.append(f"Sitemap: {site_url.rstrip('/')}/sitemap.xml")
    return "\n".join(lines) + "\n"

"""Which of our articles a source's page address is: paths compared without the leading slash
and the site's own path prefix, so /news/world/a.html and world/a.html are the same page."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..bake.manifest import Thread


def page_path(address: str, site_url: str | None = None) -> str:
    """Return the page part of an address: no scheme, host, query, leading slash or prefix."""
    path = unquote(urlsplit(address.strip()).path).lstrip("/")
    prefix = unquote(urlsplit(site_url or "").path).strip("/")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :].lstrip("/")
    # A folder's address is its index page.
    return path + "index.html" if path == "" or path.endswith("/") else path


def threads_by_path(threads: Mapping[str, Thread], site_url: str | None) -> dict[str, str]:
    """Return {page path: thread slug} of the build's articles."""
    return {page_path(thread.url, site_url): slug for slug, thread in threads.items()}


class ImportFileError(ValueError):
    """A file given to an importer cannot be used (not that export, or a bad map)."""


def read_map(path: Path) -> dict[str, str]:
    """Read a map of a source's page addresses (or thread identifiers) to article slugs, a
    JSON object, for pages that moved.

    Raises:
        ImportFileError: when the file is not a JSON object of texts.
    """
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFileError(f"the map {path} cannot be read: {error}") from None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise ImportFileError(f"the map {path} is not a JSON object of address to slug")
    return mapping

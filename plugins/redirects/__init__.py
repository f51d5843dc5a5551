"""Pelican plugin: old addresses keep working after a move.

content/extra/redirects.json (written by `comments import-wxr`, or by hand) maps each old
address of the site (`/2021/03/a-post/`, `/?p=12`) to its new page (`a-post.html`). The build
writes a small redirect page at each old path, which any static host serves, and
`redirects.map`, the same addresses as an nginx map, which the production config includes to
answer 301 (the only way for an address with a query, such as `?p=12`). The map is written on
every build, empty when there is nothing to redirect, so the config can always include it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from .pages import nginx_map, plan, redirect_page

log = logging.getLogger(__name__)
DEFAULT_FILE = "extra/redirects.json"
MAP_NAME = "redirects.map"


class RedirectsGenerator(Generator):
    """Write the redirect pages and the nginx map once the site's own files are written."""

    def generate_output(self, writer) -> None:
        """Write a redirect page for each old path, and redirects.map."""
        output = Path(self.output_path)
        source = Path(self.path) / self.settings.get("REDIRECTS_FILE", DEFAULT_FILE)
        redirects = {}
        if source.is_file():
            try:
                redirects = json.loads(source.read_text(encoding="utf-8"))
            except ValueError as error:
                log.warning("redirects: %s is not JSON (%s); no redirects written", source, error)
            if not isinstance(redirects, dict):
                log.warning("redirects: %s is not a JSON object; no redirects written", source)
                redirects = {}
        existing = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}
        found = plan(redirects, existing)
        for line in found.refused:
            log.warning("redirects: left out %s", line)
        site_url = self.settings.get("SITEURL", "")
        for page, new in found.pages.items():
            target = output / page
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(redirect_page(site_url, new, self.settings.get("SITENAME", "")),
                              encoding="utf-8")  # fmt: skip
        (output / MAP_NAME).write_text(nginx_map(found.entries), encoding="utf-8")
        if found.entries:
            log.info("redirects: %s old addresses, %s redirect pages", len(found.entries),
                     len(found.pages))  # fmt: skip


def get_generators(pelican):
    """Add the redirects writer to the build."""
    return RedirectsGenerator


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.get_generators.connect(get_generators)

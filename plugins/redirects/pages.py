"""Pure helpers of the redirects plugin: which old addresses can be redirected, the redirect
page of one, and the nginx map of all."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# What an old address and a new one may hold: the characters of ordinary permalinks. Anything
# else (quotes, braces, semicolons, spaces, line breaks) could change an nginx file, and is
# left out with a warning instead.
OLD_ADDRESS = re.compile(r"/[A-Za-z0-9._~%/+-]*(?:\?[A-Za-z0-9._~%=&+-]*)?")
NEW_ADDRESS = re.compile(r"[A-Za-z0-9._~%/+-]+")


@dataclass
class Plan:
    """The redirects a build writes: pages (file path → new address) and the map entries."""

    pages: dict[str, str] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


def plan(redirects: Mapping[object, object], existing: set[str]) -> Plan:
    """Return what to write for {old address: new site path}; `existing` holds the output's
    own files (never replaced by a redirect)."""
    found = Plan()
    for old, new in sorted(redirects.items(), key=lambda item: str(item[0])):
        if not (isinstance(old, str) and isinstance(new, str)):
            found.refused.append(f"{old!r}: not an address")
            continue
        new = new.lstrip("/")
        if not OLD_ADDRESS.fullmatch(old) or not NEW_ADDRESS.fullmatch(new) or ".." in new:
            found.refused.append(f"{old!r}: characters a redirect cannot hold")
            continue
        found.entries[old] = "/" + new
        if "?" in old:
            continue  # only a server can see the query: the nginx map alone
        path = old.lstrip("/")
        page = path + "index.html" if path.endswith("/") or not path else path
        if "." not in page.rsplit("/", 1)[-1]:
            page += "/index.html"
        if page in existing or not path:
            found.refused.append(f"{old!r}: a page of the site is there; no redirect page")
            continue
        found.pages[page] = "/" + new
    return found


def redirect_page(site_url: str, new: str, title: str) -> str:
    """Return the HTML of a page that sends readers (and search engines) to `new`."""
    site = html.escape(site_url.rstrip("/"), quote=True)
    target = html.escape(site_url.rstrip("/") + new, quote=True)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<link rel="canonical" href="{target}">\n'
        '<meta name="robots" content="noindex">\n'
        # Before the refresh, which drops the old address's anchor (#comment-12): the script
        # goes to the new address with it.
        f'<script src="{site}/theme/js/moved.js"></script>\n'
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        "</head>\n<body>\n"
        # A page like every other of the site for a reader whose browser does not follow the
        # refresh: a skip link, one main, one heading.
        '<a class="skip-link" href="#main">Skip to content</a>\n'
        '<main id="main" tabindex="-1">\n<h1>This page has moved</h1>\n'
        f'<p>It is now at <a href="{target}">{target}</a>.</p>\n</main>\n'
        "</body>\n</html>\n"
    )


def nginx_map(entries: Mapping[str, str]) -> str:
    """Return the lines of the nginx map from an old request address to its new path."""
    lines = ["# Old addresses and where they moved (made by the build; do not edit)."]
    lines += [f'"{old}" {new};' for old, new in sorted(entries.items())]
    return "\n".join(lines) + "\n"

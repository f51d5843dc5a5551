"""Render an article's comment section: the same templates and Jinja set-up for the build,
the page update and the service's own pages, with autoescape on.

The templates live in comments_api/templates/comments/; a theme overrides any of them by
keeping a file of the same name (comments/section.html, ...) in one of its template folders.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from ..core.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL, URL_SCHEMES
from ..fields import BY_NAME, FIELDS
from .discussion import Discussion

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SECTION_TEMPLATE = "comments/section.html"
# Pelican's own defaults, so a section rendered here is byte for byte the build's.
JINJA_OPTIONS = {"trim_blocks": True, "lstrip_blocks": True}
BEGIN, END = "<!--comments:begin-->", "<!--comments:end-->"
# The language the section's own words (headings, labels, buttons) are written in: the
# site's DEFAULT_LANG. They carry it, so that on an article in another language they are
# still read as what they are; comments themselves take the article's language.
CHROME_LANG = "en"
# The comment policy beside the form: the site's page content/pages/comment-policy.md.
POLICY_URL = "/pages/comment-policy.html"


def sanitiser_allowlist() -> dict[str, str]:
    """Return the server's sanitiser allowlist as the page's script reads it (data-* text)."""
    return {
        "tags": " ".join(sorted(ALLOWED_TAGS)),
        "attributes": " ".join(
            f"{tag}:{name}"
            for tag, names in sorted(ALLOWED_ATTRIBUTES.items())
            for name in sorted(names)
        ),
        "schemes": " ".join(sorted(URL_SCHEMES)),
        "rel": LINK_REL,
    }


def template_loader(theme_folders: Iterable[str | os.PathLike]) -> ChoiceLoader:
    """Return a loader that looks in the theme's folders first, then in the package's."""
    folders = [str(f) for f in theme_folders if Path(f).is_dir()]
    return ChoiceLoader([FileSystemLoader(folders), FileSystemLoader(str(PACKAGE_TEMPLATES))])


def template_globals() -> dict[str, Any]:
    """Return what every comment template may read: the field table and the allowlist."""
    return {
        "comment_fields": FIELDS,
        "comment_field": BY_NAME,
        "sanitiser": sanitiser_allowlist(),
        "chrome_lang": CHROME_LANG,
        "policy_url": POLICY_URL,
    }


@lru_cache(maxsize=8)
def _environment(theme_folders: tuple[str, ...]) -> Environment:
    env = Environment(
        loader=template_loader(theme_folders),
        autoescape=select_autoescape(default_for_string=True, default=True),
        **JINJA_OPTIONS,
    )
    env.globals.update(template_globals())
    return env


def render_section(
    discussion: Discussion,
    theme_folders: Iterable[str | os.PathLike],
    *,
    api_path: str,
    max_depth: int,
) -> str:
    """Return the HTML of a comment section, between its page-update markers."""
    env = _environment(tuple(str(f) for f in theme_folders))
    return env.get_template(SECTION_TEMPLATE).render(
        discussion=discussion, COMMENTS_API_PATH=api_path, COMMENTS_MAX_DEPTH=max_depth
    )


def check_section(section: str) -> None:
    """Check that a rendered section is one marked block: it starts with the BEGIN marker,
    ends with the END marker and holds no other pair, so a page update can find it again.

    Raises:
        ValueError: naming what is wrong (a theme's comments/section.html without markers).
    """
    text = section.strip()
    if not text.startswith(BEGIN):
        raise ValueError(f"it does not start with the marker {BEGIN}")
    if not text.endswith(END):
        raise ValueError(f"it does not end with the marker {END}")
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        raise ValueError(f"it holds more than one pair of markers {BEGIN} ... {END}")


def replace_section(page: str, section: str) -> str:
    """Return `page` with the part between the comment markers replaced by `section`.

    Raises:
        ValueError: when the page has no comment markers.
    """
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        raise ValueError("the page has no comment section markers")
    return page[:start] + section.strip() + page[end + len(END) :]

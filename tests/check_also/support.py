"""Small helpers for the check_also tests: hand-made documents and tiny Pelican builds."""

from __future__ import annotations

import logging
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from pelican import Pelican
from pelican.log import LimitFilter
from pelican.plugins.check_also.ranking import Doc
from pelican.plugins.check_also.text import term_vector
from pelican.settings import read_settings

ROOT = Path(__file__).resolve().parents[2]


def day(text: str) -> float:
    """Return the timestamp of an ISO date (UTC)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def doc(slug: str, title: str, body: str, **fields) -> Doc:
    """Return a ranking document made from plain text."""
    fields.setdefault("timestamp", day("2025-01-01"))
    fields.setdefault("category", "News")
    fields.setdefault("lang", "en")
    key = f"{slug}\x1f{fields['lang']}"
    return Doc(key=key, slug=slug, title=term_vector(title), body=term_vector(body), **fields)


def write_article(folder: Path, slug: str, title: str, body: str, **meta) -> Path:
    """Write a Markdown article with Pelican metadata and return its path."""
    given = {key[0].upper() + key[1:]: value for key, value in meta.items()}
    meta = {"Title": title, "Date": "2025-01-01 10:00", "Category": "News", "Slug": slug, **given}
    head = "".join(f"{key}: {value}\n" for key, value in meta.items())
    path = folder / f"{slug}{'-' + given['Lang'] if 'Lang' in given else ''}.md"
    path.write_text(head + "\n" + textwrap.dedent(body).strip() + "\n", encoding="utf-8")
    return path


class LogRecorder(logging.Handler):
    """Collect the plugin's log messages during a `with` block, at debug level."""

    def __init__(self):
        super().__init__()
        self.messages: list[str] = []
        self._logger = logging.getLogger("pelican.plugins.check_also")

    def emit(self, record):
        self.messages.append(record.getMessage())

    def __enter__(self):
        # Pelican drops a message it has already logged in this process; tests build the
        # same small folders several times, so start each recording with a clean slate.
        LimitFilter._raised_messages.clear()
        self._level = self._logger.level
        self._logger.setLevel(logging.DEBUG)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)


def build(content: Path, output: Path, **override) -> Pelican:
    """Build a content folder with the project's settings and theme, check_also only."""
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(content),
            "OUTPUT_PATH": str(output),
            "CACHE_PATH": str(output.parent / "cache"),
            "PLUGINS": ["pelican.plugins.check_also"],
            "ARTICLE_PATHS": [""],
            "PAGE_PATHS": [],
            "STATIC_PATHS": [],
            "EXTRA_PATH_METADATA": {},
            **override,
        },
    )
    pelican = Pelican(settings)
    pelican.run()
    return pelican

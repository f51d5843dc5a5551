"""Read the metadata headers of a content folder, to know what a build must (not) publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Source:
    """One Markdown article as its author wrote it."""

    path: Path
    meta: dict[str, str]

    @property
    def slug(self) -> str:
        """Return the article's slug."""
        return self.meta["slug"]

    @property
    def page(self) -> str:
        """Return the built page's path: Pelican marks other-language articles with -<lang>."""
        lang = self.meta.get("lang", "en")
        return f"{self.slug}.html" if lang == "en" else f"{self.slug}-{lang}.html"

    @property
    def published(self) -> bool:
        """Return True when a build today must publish it."""
        date = datetime.fromisoformat(self.meta["date"])
        return self.meta.get("status", "published") == "published" and date <= datetime.now()


def read_header(path: Path) -> dict[str, str]:
    """Return the lower-cased metadata keys and values of a Markdown file's header."""
    meta = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        meta[key.strip().lower()] = value.strip()
    return meta


def articles(content: Path) -> list[Source]:
    """Return every article source under `content`, pages excluded."""
    return [
        Source(path, read_header(path))
        for path in sorted(content.rglob("*.md"))
        if "pages" not in path.relative_to(content).parts
    ]

"""The build's thread manifest: which articles take comments, where they live, when they close.

The build rewrites comments/threads.json; the service checks its modification time on each
use (one stat call) and reads it again when it changed, so a rebuild needs no restart.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

log = logging.getLogger(__name__)
EXTENSION = "comments_manifest"


class ManifestError(ValueError):
    """The manifest file is not what the build writes."""


@dataclass(frozen=True)
class Thread:
    """One comment-enabled article."""

    slug: str
    url: str
    title: str
    open: bool
    closes_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        """Return True while the article takes comments."""
        return self.open and (self.closes_at is None or now < self.closes_at)


@dataclass(frozen=True)
class Manifest:
    """All comment-enabled articles of one build."""

    site_url: str | None = None
    threads: dict[str, Thread] = field(default_factory=dict)
    site_name: str | None = None


def _time(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ManifestError(f"{where}: closes_at is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_manifest(data: Any) -> Manifest:
    """Return the Manifest in `data` (the decoded JSON).

    Raises:
        ManifestError: when the data does not have the manifest's shape.
    """
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ManifestError("not a version 1 thread manifest")
    threads = data.get("threads")
    if not isinstance(threads, dict):
        raise ManifestError("'threads' is not an object")
    parsed = {}
    for slug, entry in threads.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise ManifestError(f"thread {slug!r} has no url")
        parsed[slug] = Thread(
            slug=slug,
            url=entry["url"],
            title=str(entry.get("title") or slug),
            open=entry.get("open", True) is True,
            closes_at=_time(entry.get("closes_at"), f"thread {slug!r}"),
        )
    site_url = data.get("site_url")
    site_url = site_url.rstrip("/") if isinstance(site_url, str) and site_url.strip() else None
    site_name = data.get("site_name")
    site_name = site_name.strip() if isinstance(site_name, str) and site_name.strip() else None
    return Manifest(site_url=site_url, threads=parsed, site_name=site_name)


class ManifestCache:
    """The manifest at one path, read again whenever the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._manifest = Manifest()
        self._warned = False

    def get(self) -> Manifest:
        """Return the current manifest (an empty one while the file is missing)."""
        try:
            info = self.path.stat()
        except OSError:
            if not self._warned:
                log.warning(
                    "comments: no thread manifest at %s; no thread takes comments", self.path
                )
                self._warned = True
            return Manifest()
        stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        with self._lock:
            if stamp != self._stamp:
                self._reload(stamp)
            return self._manifest

    def _reload(self, stamp: tuple[int, int, int]) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._manifest = parse_manifest(data)
        except (OSError, ValueError) as error:
            # Keep the last good manifest; the stamp stays old so the next use retries.
            log.error("comments: cannot read the thread manifest %s (%s)", self.path, error)
            return
        self._stamp = stamp
        self._warned = False


def get_manifest(app: Flask | None = None) -> Manifest:
    """Return the current manifest of `app` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION].get()


def article_path(site_url: str | None, url: str) -> str:
    """Return the path of an article on this origin from its manifest URL."""
    prefix = urlsplit(site_url).path.rstrip("/") if site_url else ""
    return f"{prefix}/{url.lstrip('/')}"


def site_url(app: Flask | None = None) -> str | None:
    """Return the site's address: COMMENTS_SITE_URL, else the one the build wrote."""
    app = app or current_app
    return app.config.get("COMMENTS_SITE_URL") or get_manifest(app).site_url

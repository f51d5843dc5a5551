"""The thread manifest, written by the build and read by the service: its one writer and reader.

comments/threads.json lists the comment-enabled articles: where each lives, its title, and
whether and until when it takes comments, plus the build settings a page update needs.
It is served with the site, so it holds nothing but what the pages show anyway. The build
rewrites it; the service checks its modification time on each use (one stat call) and reads
it again when it changed, so a rebuild needs no restart.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..core.errors import ApiError
from .files import write_atomically
from .threads import ThreadState

log = logging.getLogger(__name__)
MANIFEST_NAME = "comments/threads.json"
VERSION = 1
DEFAULT_API_PATH = "/api"
DEFAULT_MAX_DEPTH = 5
# Top-level comments an article page shows; older ones go to numbered comment pages.
DEFAULT_PER_PAGE = 50
# Seconds a client is asked to wait while the manifest cannot be read (a build takes about this).
RETRY_SECONDS = 30
MISSING, UNREADABLE = "missing", "unreadable"


class ManifestError(ValueError):
    """The manifest file is not what the build writes."""


class ManifestUnavailable(ApiError):
    """Which articles take comments cannot be known: the manifest is missing or unreadable and
    no good copy was read before. Answered 503 with Retry-After: the commenter did nothing wrong.
    """

    def __init__(self, problem: str) -> None:
        super().__init__(
            503,
            "Comments are unavailable for a moment. Please try again in a little while.",
            headers={"Retry-After": str(RETRY_SECONDS)},
        )
        self.problem = problem


class UnknownThreads(Mapping):
    """The threads of a manifest that could not be read: every lookup raises
    ManifestUnavailable, so no caller can mistake "cannot know" for "no such thread"."""

    def __init__(self, problem: str) -> None:
        self.problem = problem

    def __getitem__(self, slug: str) -> Thread:
        raise ManifestUnavailable(self.problem)

    def __iter__(self) -> Iterator[str]:
        raise ManifestUnavailable(self.problem)

    def __len__(self) -> int:
        raise ManifestUnavailable(self.problem)

    def __contains__(self, slug: object) -> bool:
        raise ManifestUnavailable(self.problem)

    def get(self, slug: str, default: object = None) -> Thread | None:  # type: ignore[override]
        """Raise ManifestUnavailable: whether `slug` exists cannot be known."""
        raise ManifestUnavailable(self.problem)


@dataclass(frozen=True)
class Thread:
    """One comment-enabled article."""

    slug: str
    url: str
    title: str
    state: ThreadState

    def is_open(self, now: datetime) -> bool:
        """Return True while the article takes comments."""
        return self.state.is_open(now)


@dataclass(frozen=True)
class Manifest:
    """All comment-enabled articles of one build."""

    site_url: str | None = None
    threads: dict[str, Thread] = field(default_factory=dict)
    site_name: str | None = None
    api_path: str = DEFAULT_API_PATH
    max_depth: int = DEFAULT_MAX_DEPTH
    per_page: int = DEFAULT_PER_PAGE


def unavailable_manifest(problem: str) -> Manifest:
    """Return the stand-in for a manifest that cannot be read: its threads raise on lookup."""
    return Manifest(threads=UnknownThreads(problem))  # type: ignore[arg-type]


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
    if not isinstance(data, dict) or data.get("version") != VERSION:
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
            state=ThreadState(
                enabled=True,
                open=entry.get("open", True) is True,
                closes_at=_time(entry.get("closes_at"), f"thread {slug!r}"),
            ),
        )
    site_url = data.get("site_url")
    site_url = site_url.rstrip("/") if isinstance(site_url, str) and site_url.strip() else None
    site_name = data.get("site_name")
    site_name = site_name.strip() if isinstance(site_name, str) and site_name.strip() else None
    api_path = data.get("api_path")
    max_depth = data.get("max_depth")
    per_page = data.get("per_page")
    return Manifest(
        site_url=site_url,
        threads=parsed,
        site_name=site_name,
        api_path=api_path if isinstance(api_path, str) and api_path else DEFAULT_API_PATH,
        max_depth=max_depth if isinstance(max_depth, int) and max_depth > 0 else DEFAULT_MAX_DEPTH,
        per_page=per_page if isinstance(per_page, int) and per_page >= 0 else DEFAULT_PER_PAGE,
    )


def read_manifest(path: str | os.PathLike) -> Manifest:
    """Return the manifest in the file at `path`.

    Raises:
        OSError: when the file cannot be read.
        ManifestError: when it is not a manifest.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as error:
        raise ManifestError(f"not JSON ({error})") from None
    return parse_manifest(data)


@dataclass(frozen=True)
class Entry:
    """What the build knows of one comment-enabled article."""

    thread: str
    url: str
    title: str
    date: str
    state: ThreadState


def manifest_data(
    site_url: str,
    entries: Iterable[Entry],
    *,
    site_name: str = "",
    api_path: str = DEFAULT_API_PATH,
    max_depth: int = DEFAULT_MAX_DEPTH,
    per_page: int = DEFAULT_PER_PAGE,
) -> dict:
    """Return the manifest as plain data, ready to be written as JSON."""
    threads = {}
    for entry in sorted(entries, key=lambda e: e.thread):
        closes_at = entry.state.closes_at
        threads[entry.thread] = {
            "url": entry.url,
            "title": entry.title,
            "date": entry.date,
            "open": entry.state.open,
            "closes_at": closes_at.isoformat() if closes_at else None,
        }
    return {
        "version": VERSION,
        "site_url": site_url,
        "site_name": site_name,
        "api_path": api_path,
        "max_depth": max_depth,
        "per_page": per_page,
        "threads": threads,
    }


def write_manifest(output_path: str | os.PathLike, data: dict) -> Path:
    """Write the manifest into the output folder atomically, so no reader sees half a file."""
    target = Path(output_path) / MANIFEST_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    write_atomically(target, text, prefix=".threads-")
    return target


class ManifestCache:
    """The manifest at one path, read again whenever the file changes.

    While the file is missing or unreadable the last good copy is kept (a rebuild may
    remove or half-write it for a moment). With no good copy, which threads exist cannot be
    known: `get()` then returns a manifest whose thread lookups raise ManifestUnavailable,
    and `problem` says why, for the health check.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._manifest: Manifest | None = None
        # "missing" or "unreadable" while the file cannot be used; None when it is current.
        self.problem: str | None = None
        self._logged: tuple[str, tuple[int, int, int] | None] | None = None

    @property
    def loaded(self) -> bool:
        """Return True once a good copy of the manifest was read."""
        return self._manifest is not None

    def get(self) -> Manifest:
        """Return the current manifest, the last good one, or one whose threads cannot be known."""
        try:
            info = self.path.stat()
        except OSError:
            with self._lock:
                self._fail(MISSING, None, "no such file")
                return self._current()
        stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        with self._lock:
            if stamp != self._stamp:
                self._reload(stamp)
            else:
                self.problem = None
            return self._current()

    def _current(self) -> Manifest:
        if self._manifest is None:
            return unavailable_manifest(self.problem or MISSING)
        return self._manifest

    def _fail(self, problem: str, stamp: tuple[int, int, int] | None, detail: str) -> None:
        self.problem = problem
        # One log line per problem and file version, not one per request.
        if self._logged != (problem, stamp):
            self._logged = (problem, stamp)
            kept = "keeping the last good copy" if self.loaded else "answering 503"
            log.error(
                "comments: thread manifest %s is %s (%s); %s", self.path, problem, detail, kept
            )

    def _reload(self, stamp: tuple[int, int, int]) -> None:
        try:
            manifest = read_manifest(self.path)
        except FileNotFoundError:
            self._fail(MISSING, None, "no such file")
            return
        except (OSError, ValueError) as error:
            # The stamp stays old so the next use retries.
            self._fail(UNREADABLE, stamp, str(error))
            return
        self._manifest, self._stamp = manifest, stamp
        self.problem, self._logged = None, None


def article_path(site_url: str | None, url: str) -> str:
    """Return the path of an article on this origin from its manifest URL."""
    prefix = urlsplit(site_url).path.rstrip("/") if site_url else ""
    return f"{prefix}/{url.lstrip('/')}"

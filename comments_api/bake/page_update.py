"""Bring one article page up to date when its published comments change, without a build.

A full build of a large site takes tens of seconds; re-rendering the comment section of one
page takes milliseconds. The page worker calls `update_page(app, thread)` (the default
COMMENTS_ON_PUBLISH hook) after a comment is published, approved or deleted. The section is
rendered from the same templates as the build (section.py), with the manifest's settings,
and replaces the part of the page between the comment markers.

Exact: every writer of comment sections (the worker, the build's last step) holds the
site's page lock while it reads the comments and writes the page, so a slower writer can
never put an older set of comments over a newer one.
"""

from __future__ import annotations

import fcntl
import logging
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask

from ..extensions import get_db, get_manifest
from ..store.queries import (
    published_by_thread,
    read_published,
    read_thread_rules,
    thread_rules_of,
)
from .discussion import comment_page_url, fingerprint, make_discussions
from .files import write_atomically
from .manifest import Manifest, ManifestUnavailable
from .section import check_section, render_section, replace_section

log = logging.getLogger(__name__)
LOCK_NAME = ".comments.lock"
# What this process last wrote into each comment page (fingerprints), so an update renders
# and writes only the pages whose comments changed; the article page is always written.
WRITTEN_LIMIT = 50_000
_WRITTEN: OrderedDict[Path, str] = OrderedDict()


class PageUpdateError(RuntimeError):
    """The page could not be brought up to date (no manifest entry, no page, no markers).

    `transient` errors (no page file just now, a failed write, no readable manifest) may pass:
    the page worker tries again later. The others wait for the next build.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@contextmanager
def page_lock(site_dir: Path) -> Iterator[None]:
    """Hold the site's page lock: one writer of comment sections at a time, in any process."""
    with open(Path(site_dir) / LOCK_NAME, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def update_file(
    manifest: Manifest,
    site_dir: Path,
    theme_folders: list[Path],
    thread: str,
    comments: list[dict],
    desk_word: bool | None = None,
) -> Path:
    """Re-render the comment sections of `thread`'s pages from `comments`; return the article.

    The article page shows the newest manifest.per_page top-level comments; older ones go to
    numbered comment pages beside it, made from the article page with their own section
    (pages no longer needed are removed). The caller holds page_lock(site_dir) and read
    `comments` (and `desk_word`, an admin's opening or closing of the article) while holding
    it. Each page is replaced atomically or not at all: a section
    without its markers is refused before any page is touched, and a failed write (a full
    disk) leaves no temporary file.

    Raises:
        PageUpdateError: when the thread or its page is unknown, the page has no markers, the
            rendered section lacks them, or a page cannot be written.
    """
    entry = manifest.threads.get(thread)
    if entry is None:
        raise PageUpdateError(f"thread {thread!r} is not in the manifest")
    url = entry.url
    page = site_dir / url
    if not url.endswith("/") and page.is_dir():
        url += "/"
    if url.endswith("/"):
        page = page / "index.html"
    discussions = make_discussions(
        thread,
        entry.state.with_desk_word(desk_word),
        comments,
        datetime.now(UTC),
        manifest.max_depth,
        per_page=manifest.per_page,
        article_url=url,
    )
    # The article page last: a reader who follows its links finds the older pages written.
    targets = [site_dir / comment_page_url(url, n) for n in range(1, len(discussions))] + [page]
    setup = (manifest.api_path, manifest.max_depth, tuple(map(str, theme_folders)))
    sections = {}
    for target, discussion in zip(targets, discussions, strict=True):
        digest = fingerprint(discussion) + repr(setup)
        if target != page and _WRITTEN.get(target) == digest and target.is_file():
            continue  # an older page whose comments did not change
        section = render_section(
            discussion, theme_folders, api_path=manifest.api_path, max_depth=manifest.max_depth
        )
        try:
            # Without its markers the next update could not find the section again.
            check_section(section)
        except ValueError as error:
            raise PageUpdateError(f"the rendered comment section is unusable: {error}") from None
        sections[target] = (section, digest)
    try:
        article = page.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PageUpdateError(f"no page {entry.url} in {site_dir}", transient=True) from None
    for target, (section, digest) in sections.items():
        try:
            html = replace_section(article, section)
        except ValueError as error:
            raise PageUpdateError(str(error)) from None
        try:
            write_atomically(target, html, prefix=".rebake-")
        except OSError as error:
            raise PageUpdateError(f"cannot write {target.name}: {error}", transient=True) from None
        _remember(target, digest)
    _remove_pages_after(site_dir, url, len(discussions))
    return page


def _remember(target: Path, digest: str) -> None:
    _WRITTEN[target] = digest
    _WRITTEN.move_to_end(target)
    while len(_WRITTEN) > WRITTEN_LIMIT:
        _WRITTEN.popitem(last=False)


def _remove_pages_after(site_dir: Path, url: str, pages: int) -> None:
    # Comment pages a shorter thread (deletions, a smaller COMMENTS_PER_PAGE) no longer has.
    number = max(pages, 1)
    while (extra := site_dir / comment_page_url(url, number)).is_file():
        extra.unlink()
        number += 1


def refresh_threads(
    manifest: Manifest,
    site_dir: Path,
    theme_folders: list[Path],
    database_url: str,
    threads: list[str],
) -> list[Path]:
    """Bring the pages of `threads` up to date from the store, without a Flask app (the
    build's last step); return the files written. Pages that cannot be updated are logged."""
    site_dir, written = Path(site_dir), []
    with page_lock(site_dir):
        comments = read_published(database_url, threads)
        words = read_thread_rules(database_url)
        for thread in sorted(set(threads)):
            try:
                written.append(
                    update_file(
                        manifest,
                        site_dir,
                        theme_folders,
                        thread,
                        comments.get(thread, []),
                        words.get(thread),
                    )  # fmt: skip
                )
            except PageUpdateError as error:
                log.warning("comments: page of %s not updated: %s", thread, error)
    return written


def update_page(app: Flask, thread: str) -> None:
    """Bring the page of `thread` up to date; the service's default COMMENTS_ON_PUBLISH hook.

    Raises:
        PageUpdateError: a transient one, so the page worker tries again later; the others
            are logged here (the next build brings the page up to date).
    """
    manifest = get_manifest(app)
    try:
        known = thread in manifest.threads
    except ManifestUnavailable as error:
        raise PageUpdateError(f"the manifest is {error.problem}", transient=True) from None
    if not known:
        log.warning("comments: page of %s not updated: not in the manifest", thread)
        return
    config = app.config
    site_dir = config["COMMENTS_SITE_DIR"]
    try:
        with page_lock(site_dir):
            with get_db(app).read() as conn:
                comments = published_by_thread(conn, [thread]).get(thread, [])
                desk_word = thread_rules_of(conn, [thread]).get(thread)
            page = update_file(
                manifest, site_dir, config["COMMENTS_TEMPLATES"], thread, comments, desk_word
            )
    except FileNotFoundError as error:
        raise PageUpdateError(f"no site folder: {error}", transient=True) from None
    except PageUpdateError as error:
        if error.transient:
            raise
        log.warning("comments: page of %s not updated: %s", thread, error)
        return
    log.info("comments: updated %s with %s comments", page.name, len(comments))

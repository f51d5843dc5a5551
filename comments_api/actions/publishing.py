"""The one place that announces published changes: recorded with the change, then the page
worker is told (page_worker.py runs COMMENTS_ON_PUBLISH for each changed thread)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

from ..extensions import get_page_worker
from .page_worker import record

__all__ = ["published_changed", "record"]


def published_changed(app: Flask, threads: Iterable[str]) -> None:
    """Tell the page worker, after the commit, that these threads' pages are stale.

    Called whenever a comment is published (directly on posting, or approved), or a
    published comment is edited, deleted or taken down; the change itself was recorded with
    `record(conn, threads)` in its transaction. The answer never waits for the page unless
    COMMENTS_PAGE_WORKER is `inline`, and a failing update never undoes the change.
    """
    if list(threads):
        get_page_worker(app).changed()

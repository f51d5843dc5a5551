"""The thread manifest: the comment-enabled articles the comment service accepts."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .discussion import Discussion

MANIFEST_NAME = "comments/threads.json"


def manifest_data(
    site_url: str,
    entries: Iterable[tuple[Discussion, str, str, str]],
    render: dict | None = None,
    site_name: str = "",
) -> dict:
    """Return the manifest as plain data from (discussion, url, title, ISO date) entries.

    `render` holds what re-rendering a page's comment section needs without Pelican: the
    template folders and the COMMENTS_* settings the partial reads.
    """
    threads = {}
    for discussion, url, title, date in sorted(entries, key=lambda e: e[0].thread):
        closes_at = discussion.state.closes_at
        threads[discussion.thread] = {
            "url": url,
            "title": title,
            "date": date,
            "open": discussion.open,
            "closes_at": closes_at.isoformat() if closes_at else None,
        }
    return {
        "version": 1,
        "site_url": site_url,
        "site_name": site_name,
        "threads": threads,
        "render": render or {},
    }


def write_manifest(output_path: str | os.PathLike, data: dict) -> Path:
    """Write the manifest atomically, so the service never reads half a file."""
    target = Path(output_path) / MANIFEST_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".threads-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target

"""Bring one article page up to date when its published comments change, without a build.

A full build of a large site takes tens of seconds; re-rendering the comment section of one
page takes milliseconds. The service calls `rebake_thread(app, thread)` (its
COMMENTS_ON_PUBLISH hook) after a comment is published, approved or deleted. The section is
rendered from the same partial as the build, with what the build recorded in the manifest,
and replaces the part of the page between the comment markers.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from .discussion import make_discussion
from .threads import ThreadState

log = logging.getLogger(__name__)
BEGIN, END = "<!--comments:begin-->", "<!--comments:end-->"


class RebakeError(RuntimeError):
    """The page could not be brought up to date (no manifest entry, no markers)."""


def replace_section(page: str, section: str) -> str:
    """Return `page` with the part between the comment markers replaced by `section`.

    Raises:
        RebakeError: when the page has no comment markers.
    """
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        raise RebakeError("the page has no comment section markers")
    return page[:start] + section.strip() + page[end + len(END) :]


def thread_state(entry: dict, now: datetime) -> ThreadState:
    """Return the state of a thread from its manifest entry, closing it once its time passed."""
    closes_at = datetime.fromisoformat(entry["closes_at"]) if entry.get("closes_at") else None
    is_open = bool(entry.get("open")) and (closes_at is None or now < closes_at)
    return ThreadState(enabled=True, open=is_open, closes_at=closes_at)


def render_section(render: dict, discussion) -> str:
    """Return the comment section's HTML, rendered as the build renders it."""
    env = Environment(loader=FileSystemLoader(render["templates"]), **render.get("jinja", {}))
    template = env.get_template("partials/comments.html")
    return template.render(discussion=discussion, **render.get("context", {}))


def rebake_page(manifest: dict, site_dir: Path, thread: str, comments: list[dict]) -> Path:
    """Re-render the comment section of `thread`'s page from `comments` and return the file.

    Raises:
        RebakeError: when the thread or its page is unknown, or the page has no markers.
    """
    entry = manifest.get("threads", {}).get(thread)
    render = manifest.get("render")
    if not entry or not render:
        raise RebakeError(f"thread {thread!r} is not in the manifest")
    page = site_dir / entry["url"]
    if entry["url"].endswith("/") or page.is_dir():
        page = page / "index.html"
    now = datetime.now(UTC)
    max_depth = render.get("context", {}).get("COMMENTS_MAX_DEPTH") or 5
    discussion = make_discussion(thread, thread_state(entry, now), comments, now, max_depth)
    section = render_section(render, discussion)
    # One writer at a time per site: two approvals at once must not interleave their writes.
    with open(site_dir / ".comments.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            html = replace_section(page.read_text(encoding="utf-8"), section)
        except FileNotFoundError:
            raise RebakeError(f"no page {entry['url']} in {site_dir}") from None
        fd, tmp = tempfile.mkstemp(dir=page.parent, prefix=".rebake-", suffix=".html")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, page)
    return page


def rebake_thread(app, thread: str) -> None:
    """Bring the page of `thread` up to date; the comment service's COMMENTS_ON_PUBLISH hook."""
    from comments_api.storage import read_published

    manifest_path = Path(app.config["COMMENTS_MANIFEST"])
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        log.warning("comments: no usable manifest for rebaking (%s)", type(error).__name__)
        return
    comments = read_published(app.config["COMMENTS_DATABASE_URL"], [thread]).get(thread, [])
    try:
        page = rebake_page(manifest, manifest_path.parent.parent, thread, comments)
    except RebakeError as error:
        log.warning("comments: page of %s not updated: %s", thread, error)
        return
    log.info("comments: updated %s with %s comments", page.name, len(comments))

"""A publish hook for pages served from other machines: update the page here, then copy it to
every web server with rsync.

    PYTHONPATH=/srv/newsroom/app/deploy/hooks
    COMMENTS_ON_PUBLISH=rsync_page:push_page
    PUBLISH_RSYNC_TARGETS="web1.example.org:/srv/newsroom/site/ web2.example.org:/srv/site/"

The page worker calls `push_page(app, thread)` after a thread's published comments change.
The page is re-rendered in COMMENTS_SITE_DIR as by the default hook, then sent to each
target (an rsync destination: `host:folder/` over ssh, or a local folder). rsync writes a
temporary dot file beside the page and renames it, so a web server never serves half a page,
and it keeps the page's time, so every web server answers the same ETag. When a target
fails, push_page raises: the worker keeps the thread stale and tries it again later.
PUBLISH_RSYNC_SSH replaces the ssh command (default: batch mode, a 10 s connect timeout).
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from pathlib import Path

from flask import Flask

from comments_api.bake.manifest import ManifestUnavailable
from comments_api.bake.page_update import update_page
from comments_api.extensions import get_manifest

log = logging.getLogger(__name__)
TARGETS = "PUBLISH_RSYNC_TARGETS"
SSH = "PUBLISH_RSYNC_SSH"
DEFAULT_SSH = "ssh -o BatchMode=yes -o ConnectTimeout=10"


class PushError(RuntimeError):
    """A page could not be copied to one or more web servers."""


def page_path(app: Flask, thread: str) -> str | None:
    """Return the page of `thread` relative to the site folder, or None when unknown."""
    try:
        entry = get_manifest(app).threads.get(thread)
    except ManifestUnavailable:
        return None
    if entry is None:
        return None
    return entry.url + "index.html" if entry.url.endswith("/") else entry.url


def rsync_command(site_dir: Path, page: str, target: str, ssh: str = DEFAULT_SSH) -> list[str]:
    """Return the rsync command that copies `page` (relative to `site_dir`) to `target`.

    `--relative` and the "/./" in the source keep the page's folders under the target
    (world/story.html lands in target/world/story.html).
    """
    return [
        "rsync",
        "--relative",
        "--times",
        "--perms",
        "--chmod=F644",
        "--timeout=30",
        "--rsh",
        ssh,
        f"{Path(site_dir)}/./{page}",
        target,
    ]


def push_page(app: Flask, thread: str) -> None:
    """Bring the page of `thread` up to date here, then copy it to PUBLISH_RSYNC_TARGETS.

    Raises:
        PushError: when a target could not be reached or written; the others got the page.
    """
    update_page(app, thread)
    page = page_path(app, thread)
    if page is None:
        return  # update_page has said why
    ssh = os.environ.get(SSH) or DEFAULT_SSH
    failed = []
    for target in shlex.split(os.environ.get(TARGETS, "")):
        command = rsync_command(app.config["COMMENTS_SITE_DIR"], page, target, ssh)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            problem = done.stderr.strip() if done.returncode else None
        except (OSError, subprocess.TimeoutExpired) as error:
            problem = str(error)
        if problem:
            log.warning("comments: could not copy %s to %s: %s", page, target, problem)
            failed.append(target)
    if failed:
        raise PushError(f"{page} not copied to {', '.join(failed)}")

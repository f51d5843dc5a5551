"""The one place that announces published changes: the COMMENTS_ON_PUBLISH hook."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import Flask

log = logging.getLogger(__name__)


def published_changed(app: Flask, threads: Iterable[str]) -> None:
    """Call COMMENTS_ON_PUBLISH(app, thread) for each thread whose published comments changed.

    Called after the commit, whenever a comment is published (directly on posting, or
    approved), or a published comment is edited, deleted or taken down. A failing hook is
    logged and never undoes or breaks the change.
    """
    hook = app.config.get("COMMENTS_ON_PUBLISH")
    if hook is None:
        return
    for thread in sorted(set(threads)):
        try:
            hook(app, thread)
        except Exception:  # the comment is stored; the page catches up at the next build
            log.exception("comments: publish hook failed for thread %s", thread)

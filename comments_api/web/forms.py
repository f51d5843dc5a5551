"""The service's own pages that may hold the comment form: a refused post, the reply page."""

from __future__ import annotations

from typing import Any

from flask import render_template, url_for

from ..bake.manifest import article_path
from ..extensions import get_manifest, site_url


def render_form_page(template: str, thread: Any, **context: Any) -> str:
    """Render a page of ours that may hold the comment form, with what the form needs."""
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render_template(
        template,
        thread=thread,
        action=url_for("comments.create_comment"),
        site_name=get_manifest().site_name or "Front page",
        article_url=article_path(site_url(), thread.url) if thread else "/",
        **context,
    )

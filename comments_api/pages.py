"""Blueprint for the service's own HTML pages: the reply form that works without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, request

from . import storage
from .errors import ApiError, error_response, render_form_page
from .manifest import get_manifest
from .public import public_comment
from .validation import parse_parent

bp = Blueprint("pages", __name__, url_prefix="/api")


@bp.get("/threads/<thread>/reply")
def reply_form(thread: str) -> Response:
    """Show the comment form set to reply to `parent`, for readers without JavaScript."""
    article = get_manifest().threads.get(thread)
    values = {"thread": thread}
    if article is None:
        return error_response(ApiError(404, "There is no article with comments here."), html=True)
    if not article.is_open(datetime.now(UTC)):
        return error_response(ApiError(403, "Comments are closed.", values=values), html=True)
    parent, problem = parse_parent(request.args.get("parent"))
    row = None
    if parent is not None and problem is None:
        with storage.get_db().read() as conn:
            row = storage.get_published(conn, parent)
    if row is None or row["thread"] != thread:
        message = "The comment you want to reply to is not shown any more."
        return error_response(ApiError(404, message, values=values), html=True)
    page = render_form_page(
        "reply.html",
        article,
        reply_to=public_comment(row),
        values={"thread": thread, "parent": str(parent)},
    )
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response

"""Blueprint for the service's own HTML pages: the reply form that works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..core.errors import ApiError
from ..core.validation import parse_parent
from ..extensions import get_db, get_manifest, now
from ..fields import public_view
from ..store import queries
from .errors import error_response
from .forms import render_form_page

bp = Blueprint("pages", __name__, url_prefix="/api")


@bp.get("/threads/<thread>/reply")
def reply_form(thread: str) -> Response:
    """Show the comment form set to reply to `parent`, for readers without JavaScript."""
    article = get_manifest().threads.get(thread)
    values = {"thread": thread}
    if article is None:
        return error_response(ApiError(404, "There is no article with comments here."), html=True)
    if not article.is_open(now()):
        return error_response(ApiError(403, "Comments are closed.", values=values), html=True)
    parent, problem = parse_parent(request.args.get("parent"))
    row = None
    if parent is not None and problem is None:
        with get_db().read() as conn:
            row = queries.get_published(conn, parent)
    if row is None or row["thread"] != thread:
        message = "The comment you want to reply to is not shown any more."
        return error_response(ApiError(404, message, values=values), html=True)
    page = render_form_page(
        "pages/reply.html",
        article,
        reply_to=public_view(row),
        values={"thread": thread, "parent": str(parent)},
    )
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response

"""Blueprint for the service's own HTML pages that work without JavaScript: the reply form,
and the author's own comment with its edit and delete forms."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, redirect, request, url_for

from ..actions import commenter
from ..bake.discussion import format_date
from ..core.errors import ApiError
from ..core.validation import parse_parent
from ..extensions import get_db, get_manifest, now
from ..fields import BY_NAME as comment_field
from ..fields import EDITABLE, public_view
from ..store import queries
from .errors import error_response
from .forms import render_form_page
from .payload import read_body
from .writing import count_attempt, edit_token, forget_edit_cookie

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


# The author's own comment: what the form post of a held comment leads to, and what the
# page's script asks for after a reload. Only the holder of the comment's edit token (its
# cookie, or a Bearer token) learns anything; everyone else gets the same 404.
OWN_PAGE = "comments/own.html"
NOT_CHANGED = "Your comment could not be changed"


def _own_page(row: dict, status: int = 200, **context) -> Response:
    seconds = current_app.config["COMMENTS_EDIT_SECONDS"]
    own = commenter.own_view(row, seconds)
    thread = get_manifest().threads.get(row["thread"])
    context.setdefault("values", {name: own.get(name) or "" for name in EDITABLE})
    page = render_form_page(
        OWN_PAGE,
        thread,
        own=own,
        created_label=format_date(own["created"]),
        edit_until_label=format_date(own["edit_until"]),
        editable=[comment_field[name] for name in EDITABLE],
        **context,
    )
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def _refused(error: ApiError) -> Response:
    if error.status in (403, 404) and not error.headers:
        # Not the author, too late, or no such comment: told apart to nobody.
        error = ApiError(404, commenter.NOT_YOURS)
    return error_response(error, html=True, heading=NOT_CHANGED)


@bp.get("/comments/<int:comment_id>/own")
def own_comment(comment_id: int) -> Response:
    """Show the author their own comment, held or published, while they may change it:
    JSON for the page's script, a page with the edit and delete forms for a browser."""
    wants = request.accept_mimetypes.best_match(["application/json", "text/html"])
    try:
        row = commenter.own(current_app, comment_id, edit_token(comment_id))
    except ApiError as error:
        return error_response(error, html=wants == "text/html", heading="Your comment")
    if wants == "text/html":
        return _own_page(row, saved=request.args.get("saved") == "1")
    response = jsonify(commenter.own_view(row, current_app.config["COMMENTS_EDIT_SECONDS"]))
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


@bp.post("/comments/<int:comment_id>/edit")
def own_edit(comment_id: int) -> Response:
    """Change the author's own comment from the form of their page (no JavaScript needed)."""
    try:
        count_attempt()
        fields = read_body(request)
        changes = {name: fields[name] for name in EDITABLE if isinstance(fields.get(name), str)}
        try:
            commenter.edit(current_app, comment_id, edit_token(comment_id), changes)
        except ApiError as error:
            if error.status != 422 or not error.errors:
                raise
            row = commenter.own(current_app, comment_id, edit_token(comment_id))
            return _own_page(row, 422, error=error, errors=error.errors, values=changes)
    except ApiError as error:
        return _refused(error)
    return redirect(url_for(".own_comment", comment_id=comment_id, saved=1), 303)


@bp.post("/comments/<int:comment_id>/delete")
def own_delete(comment_id: int) -> Response:
    """Delete the author's own comment from the form of their page."""
    try:
        count_attempt()
        row = commenter.remove(current_app, comment_id, edit_token(comment_id))
    except ApiError as error:
        return _refused(error)
    page = render_form_page("comments/own_deleted.html", get_manifest().threads.get(row["thread"]))
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    forget_edit_cookie(response, comment_id)
    return response

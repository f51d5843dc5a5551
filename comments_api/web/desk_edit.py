"""Blueprint for the desk's two writing pages: an editor's edit of a comment (with the
editor's note), and a reply from the newsroom (published with a Staff badge). Plain forms,
so they work without JavaScript; both act through actions/editor.py."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from ..actions import editor
from ..core.errors import ApiError
from ..core.moderation import PUBLISHED
from ..extensions import get_db, get_manifest, site_url
from ..fields import BY_NAME, EDITABLE
from ..store import queries
from .desk import article, counts, page_context, with_query
from .desk_auth import check_csrf, current_editor, desk_error_response, private, signed_in

bp = Blueprint("desk_edit", __name__, url_prefix="/desk/comments")
bp.after_request(private)
bp.register_error_handler(ApiError, desk_error_response)


def _row(comment_id: int, published: bool = False) -> dict:
    with get_db().read() as conn:
        row = queries.get_comment(conn, comment_id)
    if row is None or row["status"] == "deleted" or (published and row["status"] != PUBLISHED):
        raise ApiError(404, "There is no such comment here.")
    return row


def _render(template: str, row: dict, status: int = 200, **context) -> Response:
    with get_db().read() as conn:
        queue_counts = counts(conn)
    place = article(get_manifest(required=False), site_url(), row["thread"])
    html = render_template(
        template,
        **page_context(
            "", queue_counts, c={**row, "article": place}, fields=[BY_NAME[n] for n in EDITABLE],
            values=context.pop("values", {}), errors=context.pop("errors", {}), **context,
        ),
    )  # fmt: skip
    return Response(html, status=status, mimetype="text/html")


def _queue_of(row: dict) -> str:
    return url_for("desk.queue", name=row["status"])


@bp.get("/<int:comment_id>/edit")
@signed_in()
def edit_form(comment_id: int) -> Response:
    """Show the edit form of a comment, filled with its stored text."""
    row = _row(comment_id)
    return _render("desk/edit.html", row, values={n: row[n] for n in EDITABLE})


@bp.post("/<int:comment_id>/edit")
@signed_in()
def edit(comment_id: int) -> Response:
    """Save an editor's change; the comment keeps its status, the page follows."""
    check_csrf()
    row = _row(comment_id)
    changes = {n: request.form.get(n, "") for n in EDITABLE}
    note = request.form.get("note", "")
    try:
        editor.edit(current_app, comment_id, changes, note, current_editor().name)
    except ApiError as error:
        if error.status != 422:
            raise
        return _render("desk/edit.html", row, 422, values={**changes, "note": note},
                       errors=error.errors, error=error)  # fmt: skip
    return redirect(with_query(_queue_of(row), saved="edit") + f"#c{comment_id}", 303)


@bp.get("/<int:comment_id>/reply")
@signed_in()
def reply_form(comment_id: int) -> Response:
    """Show the form of a staff reply to a published comment."""
    return _render("desk/reply.html", _row(comment_id, published=True))


@bp.post("/<int:comment_id>/reply")
@signed_in()
def reply(comment_id: int) -> Response:
    """Publish the newsroom's reply; it appears on the article with a Staff badge."""
    check_csrf()
    row = _row(comment_id, published=True)
    body = request.form.get("body", "")
    try:
        editor.reply(current_app, comment_id, body, current_editor().name)
    except ApiError as error:
        if error.status != 422:
            raise
        return _render("desk/reply.html", row, 422, values={"body": body},
                       errors=error.errors, error=error)  # fmt: skip
    return redirect(with_query(url_for("desk.queue", name=PUBLISHED), saved="reply"), 303)

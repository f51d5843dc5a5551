"""Blueprint for readers' reports: the small report form of a published comment (a page, so
it works without JavaScript) and the report itself (a form post or JSON)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from ..actions import reports
from ..bake.manifest import article_path
from ..core.errors import ApiError
from ..core.keys import address_hash
from ..extensions import get_attempt_limiter, get_db, get_manifest, get_report_limiter, site_url
from ..fields import public_view
from ..store import queries
from .errors import error_response
from .origin import visitor_address
from .payload import FORM, read_body

bp = Blueprint("reports", __name__, url_prefix="/api")
THANKS = "Thank you. An editor will look at this comment."
NOT_SENT = "Your report could not be sent"


def _comment(comment_id: int) -> tuple[dict, object]:
    """Return the published comment and its article, or raise 404 (held ones look the same)."""
    with get_db().read() as conn:
        row = queries.get_published(conn, comment_id)
    thread = get_manifest().threads.get(row["thread"]) if row else None
    if row is None or thread is None:
        raise ApiError(404, "There is no such comment.")
    return row, thread


def _page(template: str, comment_id: int, status: int = 200, **context) -> Response:
    row, thread = _comment(comment_id)
    page = render_template(
        template,
        comment=public_view(row),
        thread=thread,
        article_url=article_path(site_url(), thread.url),
        site_name=get_manifest().site_name or "Front page",
        reasons=reports.REASONS,
        note_limit=reports.NOTE_LIMIT,
        values=context.pop("values", {}),
        errors=context.pop("errors", {}),
        **context,
    )
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ApiError)
def _refused(error: ApiError) -> Response:
    """A refused form post gets the report form back with the message and what was typed."""
    comment_id = (request.view_args or {}).get("comment_id")
    if request.mimetype == FORM and comment_id and error.status in (422, 429):
        try:
            response = _page("pages/report.html", comment_id, error.status, error=error,
                             values=error.values, errors=error.errors)  # fmt: skip
        except ApiError as gone:
            return error_response(gone, html=True, heading=NOT_SENT)
        response.headers.update(error.headers)
        return response
    html = request.method == "GET" or request.mimetype == FORM
    return error_response(error, html=html, heading=NOT_SENT)


@bp.get("/comments/<int:comment_id>/report")
def report_form(comment_id: int) -> Response:
    """Show the report form of one published comment."""
    return _page("pages/report.html", comment_id)


@bp.post("/comments/<int:comment_id>/report")
def report_comment(comment_id: int) -> Response:
    """Take a reader's report: a thank-you page for a form, 202 JSON for a script. A second
    report from the same client is answered the same way and counts once."""
    fields = read_body(request)
    client = visitor_address()
    values = {k: v for k in ("reason", "note") if isinstance(v := fields.get(k), str)}
    for limiter in (get_attempt_limiter(), get_report_limiter()):
        if (wait := limiter.take(client)) is not None:
            raise ApiError(429, "You have sent several reports just now. Please wait a little.",
                           headers={"Retry-After": str(wait)}, values=values)  # fmt: skip
    reason, note = reports.check_report(fields.get("reason"), fields.get("note"))
    secret = current_app.config["COMMENTS_SECRET_KEY"]
    reports.report(current_app, comment_id, address_hash(secret, client), reason, note)
    if request.mimetype == FORM:
        return _reported_page(comment_id)
    response = jsonify({"message": THANKS})
    response.status_code = 202
    response.headers["Cache-Control"] = "no-store"
    return response


def _reported_page(comment_id: int) -> Response:
    # The comment may have left the page just now: the thanks names the article only.
    with get_db().read() as conn:
        row = queries.get_comment(conn, comment_id)
    thread = get_manifest().threads.get(row["thread"]) if row else None
    page = render_template(
        "pages/reported.html",
        message=THANKS,
        thread=thread,
        article_url=article_path(site_url(), thread.url) if thread else "/",
        site_name=get_manifest().site_name or "Front page",
    )
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response

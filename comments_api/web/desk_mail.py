"""Blueprint for the links in the moderators' mail: /desk/mail/<token>.

The signed link is the authority, so no sign-in is needed. A GET only shows the comment and
a button: mail scanners and link previews follow links, and must change nothing. The button
POSTs the same token back (the service's origin check refuses posts from other sites), and
the action goes through actions/editor.py as the desk's own buttons do, entered in the audit
log as "mail link"; the static page follows. A forged, changed or expired link gets a 4xx
page that says so.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, Response, current_app, render_template, request

from ..actions import editor
from ..actions.reports import REASONS as REPORT_REASONS
from ..core.accounts import same_token
from ..core.errors import ApiError
from ..core.mail_links import APPROVE, LinkError, MailLink, read_link_token
from ..core.moderation import DELETED, PUBLISHED, SPAM
from ..extensions import get_db, get_manifest, now, site_url
from ..store import queries
from .desk import article
from .desk_auth import desk_error_response, private, site_name

bp = Blueprint("desk_mail", __name__, url_prefix="/desk/mail")
bp.after_request(private)
bp.register_error_handler(ApiError, desk_error_response)

ACTOR = "mail link"
STATUSES = {APPROVE: PUBLISHED, "spam": SPAM}
LABELS = {APPROVE: "Approve", "spam": "Mark as spam"}
QUESTIONS = {APPROVE: "Approve this comment?", "spam": "Mark this comment as spam?"}
DONE = {APPROVE: "The comment is published.", "spam": "The comment is marked as spam."}
ALREADY = {
    APPROVE: "Nothing changed: the comment was already published.",
    "spam": "Nothing changed: the comment was already marked as spam.",
}
STATUS_WORDS = {"pending": "waiting for a decision", PUBLISHED: "published", SPAM: "spam"}
FAILED_LINK = {
    403: "This link is not valid: it may have been cut short or changed. Decide on the comment "
    "from the desk instead.",
    410: "This link has expired. Decide on the comment from the desk instead.",
}
GONE = "This comment is no longer on the desk."


def _link(token: str) -> MailLink:
    try:
        return read_link_token(current_app.config["COMMENTS_SECRET_KEY"], token, now())
    except LinkError as error:
        raise ApiError(error.status, FAILED_LINK[error.status]) from None


def _comment(link: MailLink) -> dict:
    with get_db().read() as conn:
        row = queries.get_comment(conn, link.comment_id)
        reports = queries.open_reports(conn, [link.comment_id]).get(link.comment_id, [])
    if row is None or row["status"] == DELETED:
        raise ApiError(404, GONE)
    place = article(get_manifest(required=False), site_url(), row["thread"])
    reasons = Counter(REPORT_REASONS.get(r["reason"], r["reason"]) for r in reports)
    # What the page shows: never the commenter's email (the link may have been forwarded).
    return {
        "id": row["id"],
        "author": row["author"],
        "url": row["url"],
        "created": row["created"],
        "status": row["status"],
        "status_words": STATUS_WORDS.get(row["status"], row["status"]),
        "held_reason": row["held_reason"] if row["status"] != PUBLISHED else None,
        "body_html": row["body_html"],
        "article": place,
        "report_reasons": reasons,
        "report_notes": [r["note"] for r in reports if r["note"]],
    }


def _page(link: MailLink, token: str, comment: dict, notices: list, done: bool) -> Response:
    html = render_template(
        "desk/mail_link.html",
        site_name=site_name(),
        editor=None,
        queues=(),
        counts={},
        current_queue=None,
        csrf_token="",
        notices=notices,
        c=comment,
        action=link.action,
        label=LABELS[link.action],
        question=QUESTIONS[link.action],
        token=token,
        expires=link.expires,
        done=done,
        desk_home=request.script_root + "/desk/",
    )
    return Response(html, mimetype="text/html")


@bp.get("/<token>")
def confirm(token: str) -> Response:
    """Show the comment the link is about and a button to do what it says; change nothing."""
    link = _link(token)
    return _page(link, token, _comment(link), [], done=False)


@bp.post("/<token>")
def act(token: str) -> Response:
    """Do what the link says to its comment (the form carries the token back)."""
    link = _link(token)
    if not same_token(request.form.get("token"), token):
        raise ApiError(403, FAILED_LINK[403])
    _comment(link)
    app = current_app._get_current_object()
    outcome = editor.set_status(app, [link.comment_id], STATUSES[link.action], actor=ACTOR)[0]
    if not outcome.found:
        raise ApiError(404, GONE)
    message = DONE[link.action] if outcome.changed else ALREADY[link.action]
    return _page(link, token, _comment(link), [("ok", message)], done=True)

"""The editors' desk at /desk/: the queues of comments, what editors do to them, the audit log.

Plain forms and links throughout, so the desk works without JavaScript; theme/static/js/desk.js
sends the same forms with fetch and applies the answer without a reload. Every action goes
through actions/editor.py, as the CLI's do, and the static pages follow through the page queue.
Signing in, sessions and the CSRF token are web/desk_auth.py's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import Connection

from ..actions import editor
from ..bake.manifest import Manifest, article_path
from ..core.errors import ApiError
from ..core.moderation import PENDING, PUBLISHED, SPAM
from ..extensions import get_db, get_manifest, site_url
from ..store import queries
from .desk_auth import (
    check_csrf,
    csrf_token,
    current_editor,
    desk_error_response,
    private,
    safe_next,
    signed_in,
    site_name,
)
from .errors import error_response

bp = Blueprint("desk", __name__, url_prefix="/desk")

# The queues, in the desk's order, with their headings.
QUEUES = ((PENDING, "Pending"), (PUBLISHED, "Published"), (SPAM, "Spam"))
QUEUE_NAMES = dict(QUEUES)
# What each button does (the audit log's names for giving a comment each status), its label,
# and how the desk says it was done.
ACTIONS = {action: status for status, action in editor.STATUS_ACTIONS.items()}
LABELS = {"approve": "Approve", "hold": "Hold", "spam": "Spam"}
DONE = {"approve": "approved", "hold": "held for moderation", "spam": "marked as spam"}
PER_PAGE = 25
# How much of a client address's keyed hash the desk shows: enough to tell commenters apart.
HASH_PREFIX = 8


# No desk answer is kept by a cache or indexed by a search engine.
bp.after_request(private)


@bp.errorhandler(ApiError)
def _refused(error: ApiError) -> Response:
    """A refusal: JSON for the desk's script, the desk's error page for a browser."""
    if _wants_json():
        return error_response(error)
    return desk_error_response(error)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _counts(conn: Connection) -> dict[str, int]:
    """Return how many comments each queue holds."""
    counts = queries.status_counts(conn)
    return {name: counts.get(name, 0) for name, _ in QUEUES}


def _page_context(current: str, counts: dict[str, int], **context: Any) -> dict[str, Any]:
    return {
        "site_name": site_name(),
        "editor": current_editor(),
        "csrf_token": csrf_token(),
        "queues": QUEUES,
        "counts": counts,
        "current_queue": current,
        "notices": context.pop("notices", []),
        **context,
    }


def _done_message(action: str, count: int) -> str:
    return f"{count} comment{'s' if count != 1 else ''} {DONE[action]}."


def _whole(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10**6 else default


def _filters() -> dict[str, str]:
    """Return the queue's filters from the query string, cleaned (empty ones left out)."""
    names = ("article", "email", "q", "order")
    values = {name: request.args.get(name, "").strip()[:200] for name in names}
    if values["order"] not in ("oldest", "newest"):
        values["order"] = ""
    return {name: value for name, value in values.items() if value}


def _article(manifest: Manifest, site: str | None, thread: str) -> dict[str, str]:
    entry = manifest.threads.get(thread)
    if entry is None:
        return {"title": thread, "url": ""}
    return {"title": entry.title or thread, "url": article_path(site, entry.url)}


def _shown(row: dict, article: dict[str, str], records: dict[str, dict[str, int]]) -> dict:
    """Return what the desk shows of one comment (the email too: editors only)."""
    record = records.get(row["email_key"], {})
    others_published = record.get(PUBLISHED, 0) - (row["status"] == PUBLISHED)
    return {
        **row,
        "article": article,
        "address_prefix": row["address_hash"][:HASH_PREFIX],
        "returning": others_published > 0,
        "record": {
            "approved": record.get(PUBLISHED, 0),
            "held": record.get(PENDING, 0),
            "spam": record.get(SPAM, 0),
        },
    }


@bp.get("/")
@bp.get("/<name>")
@signed_in()
def queue(name: str = PENDING) -> Response | str:
    """Show one queue of comments, filtered, sorted and a page at a time."""
    if name not in QUEUE_NAMES:
        raise ApiError(404, "There is no such queue.")
    filters = _filters()
    page = _whole("page", 1)
    with get_db().read() as conn:
        rows, total = queries.queue_page(
            conn,
            name,
            thread=filters.get("article"),
            email_key=filters.get("email"),
            text=filters.get("q"),
            newest_first=filters.get("order", "newest") == "newest",
            limit=PER_PAGE,
            offset=(page - 1) * PER_PAGE,
        )
        records = queries.commenter_records(conn, [r["email_key"] for r in rows])
        counts = _counts(conn)
    pages = max(1, -(-total // PER_PAGE))
    # One look at the manifest for the whole page.
    manifest, site = get_manifest(required=False), site_url()

    def page_url(number: int) -> str:
        return url_for(".queue", name=name, **filters, page=number)

    return render_template(
        "desk/queue.html",
        **_page_context(
            name,
            counts,
            notices=_notices(),
            name=name,
            heading=QUEUE_NAMES[name],
            comments=[
                _shown(row, _article(manifest, site, row["thread"]), records) for row in rows
            ],
            total=total,
            filters=filters,
            page=page,
            pages=pages,
            older=page_url(page + 1) if page < pages else None,
            newer=page_url(page - 1) if page > 1 else None,
            articles=sorted(
                ((slug, t.title or slug) for slug, t in manifest.threads.items()),
                key=lambda item: item[1].lower(),
            ),
            actions=[action for action, status in ACTIONS.items() if status != name],
            labels=LABELS,
            back=request.full_path.rstrip("?"),
        ),
    )


def _notices() -> list[tuple[str, str]]:
    done = request.args.get("done", "")
    action, _, count = done.partition(":")
    if action in ACTIONS and count.isdigit():
        return [("ok", _done_message(action, int(count)))]
    if request.args.get("none") == "1":
        return [("error", "Select at least one comment first.")]
    return []


def _with_query(url: str, **values: str) -> str:
    parts = urlsplit(url)
    kept = [p for p in parts.query.split("&") if p and p.split("=")[0] not in ("done", "none")]
    query = "&".join([*kept, urlencode(values)])
    return f"{parts.path}?{query}"


def _chosen() -> tuple[str | None, list[int]]:
    """Return the action and the comment ids of the form: one comment's own button
    ("approve:12") or a bulk action on the ticked ones."""
    one = request.form.get("one", "")
    if one:
        action, _, comment_id = one.partition(":")
        return action, [int(comment_id)] if comment_id.isdigit() else []
    ids = [int(v) for v in request.form.getlist("id") if v.isdigit() and len(v) < 12]
    return request.form.get("action"), sorted(set(ids))


@bp.post("/act")
@signed_in()
def act() -> Response:
    """Apply one action to one comment or to the ticked ones, then go back to the queue."""
    check_csrf()
    action, ids = _chosen()
    if action not in ACTIONS:
        raise ApiError(400, "Choose what to do with the comments.")
    wants_json = _wants_json()
    # Where the answer leads: the desk address the form came from, else the desk's home.
    back = safe_next(request.form.get("back"))
    if not ids:
        if wants_json:
            raise ApiError(400, "Select at least one comment first.")
        return redirect(_with_query(back, none="1"), code=303)
    app = current_app._get_current_object()
    outcomes = editor.set_status(app, ids, ACTIONS[action], actor=current_editor().name)
    changed = [o.comment_id for o in outcomes if o.found and o.before != o.after]
    if wants_json:
        with get_db().read() as conn:
            counts = _counts(conn)
        message = _done_message(action, len(changed))
        return jsonify({"done": changed, "message": message, "counts": counts})
    return redirect(_with_query(back, done=f"{action}:{len(changed)}"), code=303)


@bp.get("/log")
@signed_in()
def log() -> str:
    """Show the audit log, newest first, a page at a time."""
    before = _whole("before", 0) or None
    with get_db().read() as conn:
        entries = queries.log_entries(conn, limit=PER_PAGE + 1, before_id=before)
        counts = _counts(conn)
    more = len(entries) > PER_PAGE
    entries = entries[:PER_PAGE]
    older = url_for(".log", before=entries[-1]["id"]) if more else None
    return render_template(
        "desk/log.html", **_page_context("log", counts, entries=entries, older=older)
    )

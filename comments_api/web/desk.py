"""The editors' desk at /desk/: the queues of comments, what editors do to them, the audit log.

Plain forms and links throughout, so the desk works without JavaScript; theme/static/js/desk.js
sends the same forms with fetch and applies the answer without a reload. Every action goes
through actions/editor.py, as the CLI's do, and the static pages follow through the page queue.
Signing in, sessions and the CSRF token are web/desk_auth.py's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
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
from ..actions.reports import REASONS as REPORT_REASONS
from ..bake.manifest import Manifest, article_path
from ..core.errors import ApiError
from ..core.moderation import DELETED, PENDING, PUBLISHED, SPAM
from ..extensions import get_db, get_manifest, site_url
from ..store import queries
from ..store.queries import REPORTED
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

# The queues, in the desk's order, with their headings: the three statuses, the comments
# readers reported (whatever their status), and the deleted ones (restorable for a while).
QUEUES = (
    (PENDING, "Pending"),
    (REPORTED, "Reported"),
    (PUBLISHED, "Published"),
    (SPAM, "Spam"),
    (DELETED, "Deleted"),
)
QUEUE_NAMES = dict(QUEUES)


@dataclass(frozen=True)
class Action:
    """One thing the desk's buttons do to comments: its label, how the desk says it was done,
    and the editor's action it runs (app, ids, actor) -> outcomes."""

    label: str
    done: str
    run: Callable[..., list[editor.Outcome]]


def _status(status: str) -> Callable[..., list[editor.Outcome]]:
    return lambda app, ids, actor: editor.set_status(app, ids, status, actor)


def _rule(action: str) -> Callable[..., list[editor.Outcome]]:
    return lambda app, ids, actor: editor.rule_commenter(app, ids, action, actor)


ACTIONS = {
    "approve": Action("Approve", "approved", _status(PUBLISHED)),
    "hold": Action("Hold", "held for moderation", _status(PENDING)),
    "spam": Action("Spam", "marked as spam", _status(SPAM)),
    "delete": Action("Delete", "deleted", editor.delete),
    "restore": Action("Restore", "restored", editor.restore),
    "feature": Action("Feature", "featured", lambda app, ids, actor: editor.feature(
        app, ids, True, actor)),
    "unfeature": Action("Unfeature", "no longer featured", lambda app, ids, actor: editor.feature(
        app, ids, False, actor)),
    "trust": Action("Trust commenter", "from now on published directly", _rule("trust")),
    "always-hold": Action("Always hold commenter", "from now on always held",
                          _rule("always-hold")),
    "block": Action("Block commenter", "blocked", _rule("block")),
    "clear-rule": Action("Clear commenter rule", "back under the usual rules",
                         _rule("clear-rule")),
}  # fmt: skip
# The buttons of each queue, bulk and per comment, in order.
QUEUE_ACTIONS = {
    PENDING: ("approve", "spam", "delete", "trust", "always-hold", "block"),
    REPORTED: ("approve", "hold", "spam", "delete", "block"),
    PUBLISHED: ("hold", "spam", "delete", "feature", "unfeature", "always-hold", "block"),
    SPAM: ("approve", "delete", "clear-rule"),
    DELETED: ("restore",),
}
# What the desk calls each rule on a commenter.
RULE_LABELS = {"trust": "Trusted", "hold": "Always held", "block": "Blocked"}
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


def counts(conn: Connection) -> dict[str, int]:
    """Return how many comments each queue holds."""
    found = queries.status_counts(conn)
    return {name: found.get(name, 0) for name, _ in QUEUES}


def page_context(current: str, queue_counts: dict[str, int], **context: Any) -> dict[str, Any]:
    """Return what every desk page's template reads (the nav, the session, the notices)."""
    return {
        "site_name": site_name(),
        "editor": current_editor(),
        "csrf_token": csrf_token(),
        "queues": QUEUES,
        "counts": queue_counts,
        "current_queue": current,
        "notices": context.pop("notices", []),
        **context,
    }


def _done_message(action: str, count: int) -> str:
    return f"{count} comment{'s' if count != 1 else ''} {ACTIONS[action].done}."


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


def article(manifest: Manifest, site: str | None, thread: str) -> dict[str, str]:
    """Return the title and the link of a thread's article, as the desk shows them."""
    entry = manifest.threads.get(thread)
    if entry is None:
        return {"title": thread, "url": ""}
    return {"title": entry.title or thread, "url": article_path(site, entry.url)}


@dataclass(frozen=True)
class _Extras:
    """What the desk shows beside a page of comments: records, rules and open reports."""

    records: dict[str, dict[str, int]]
    rules: dict[str, str]
    reports: dict[int, list[dict]]

    @classmethod
    def read(cls, conn: Connection, rows: list[dict]) -> _Extras:
        keys = [r["email_key"] for r in rows if not r["staff"]]
        return cls(
            queries.commenter_records(conn, keys),
            queries.commenter_rules_of(conn, keys),
            queries.open_reports(conn, [r["id"] for r in rows]),
        )


def _shown(row: dict, place: dict[str, str], extras: _Extras) -> dict:
    """Return what the desk shows of one comment (the email too: editors only)."""
    record = extras.records.get(row["email_key"], {})
    others_published = record.get(PUBLISHED, 0) - (row["status"] == PUBLISHED)
    found = extras.reports.get(row["id"], [])
    return {
        **row,
        "article": place,
        "address_prefix": row["address_hash"][:HASH_PREFIX],
        "returning": others_published > 0,
        "record": {
            "approved": record.get(PUBLISHED, 0),
            "held": record.get(PENDING, 0),
            "spam": record.get(SPAM, 0),
        },
        "rule": RULE_LABELS.get(extras.rules.get(row["email_key"], "")),
        "reports": found,
        "report_reasons": Counter(REPORT_REASONS.get(r["reason"], r["reason"]) for r in found),
    }


def _items(conn: Connection, rows: list[dict]) -> list[dict]:
    # One look at the manifest for the whole page.
    manifest, site = get_manifest(required=False), site_url()
    extras = _Extras.read(conn, rows)
    return [_shown(row, article(manifest, site, row["thread"]), extras) for row in rows]


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
        items = _items(conn, rows)
        queue_counts = counts(conn)
    pages = max(1, -(-total // PER_PAGE))
    manifest = get_manifest(required=False)

    def page_url(number: int) -> str:
        return url_for(".queue", name=name, **filters, page=number)

    return render_template(
        "desk/queue.html",
        **page_context(
            name,
            queue_counts,
            notices=_notices(),
            name=name,
            heading=QUEUE_NAMES[name],
            comments=items,
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
            actions=QUEUE_ACTIONS[name],
            labels={key: action.label for key, action in ACTIONS.items()},
            back=request.full_path.rstrip("?"),
            deleted_days=current_app.config["COMMENTS_DELETED_DAYS"],
        ),
    )


# What the desk says after its writing pages (desk_edit.py) send an editor back.
SAVED = {
    "edit": "The comment was changed.",
    "reply": "Your reply is published.",
    "open": "The article takes comments again.",
    "close": "Comments on the article are closed.",
}
NOTICE_PARAMETERS = ("done", "none", "saved")


def saved_notices() -> list[tuple[str, str]]:
    """Return what the desk says of a change its writing and admin pages just saved."""
    saved = request.args.get("saved", "")
    return [("ok", SAVED[saved])] if saved in SAVED else []


def _notices() -> list[tuple[str, str]]:
    if saved := saved_notices():
        return saved
    done = request.args.get("done", "")
    action, _, count = done.partition(":")
    if action in ACTIONS and count.isdigit():
        return [("ok", _done_message(action, int(count)))]
    if request.args.get("none") == "1":
        return [("error", "Select at least one comment first.")]
    return []


def with_query(url: str, **values: str) -> str:
    """Return the desk address `url` with these notice parameters (replacing earlier ones)."""
    parts = urlsplit(url)
    kept = [
        p for p in parts.query.split("&") if p and p.split("=")[0] not in ("done", "none", "saved")
    ]
    query = "&".join([*kept, urlencode(values)])
    return f"{parts.path}?{query}"


def _chosen() -> tuple[str | None, list[int]]:
    """Return the action and the comment ids of the form: one comment's own button
    ("approve:12") or a bulk action on the ticked ones."""
    one = request.form.get("one", "")
    if one:
        action, _, comment_id = one.partition(":")
        return action, [int(comment_id)] if comment_id.isdigit() and len(comment_id) < 12 else []
    ids = [int(v) for v in request.form.getlist("id") if v.isdigit() and len(v) < 12]
    return request.form.get("action"), sorted(set(ids))


def _still_in(name: str, row: dict | None, reported: set[int]) -> bool:
    if row is None:
        return False
    if name == REPORTED:
        return row["id"] in reported and row["status"] != DELETED
    return row["status"] == name


@bp.post("/act")
@signed_in()
def act() -> Response:
    """Apply one action to one comment or to the ticked ones, then go back to the queue.

    For the desk's script (Accept: application/json) the answer names the comments that left
    the queue, and gives the new HTML of those that stay (a featured one, say)."""
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
        return redirect(with_query(back, none="1"), code=303)
    app = current_app._get_current_object()
    outcomes = ACTIONS[action].run(app, ids, current_editor().name)
    changed = [o.comment_id for o in outcomes if o.changed]
    if not wants_json:
        return redirect(with_query(back, done=f"{action}:{len(changed)}"), code=303)
    name = request.form.get("queue", "")
    with get_db().read() as conn:
        rows = {i: queries.get_comment(conn, i) for i in changed}
        reported = set(queries.open_reports(conn, changed))
        staying = [r for r in rows.values() if _still_in(name, r, reported)]
        items = _items(conn, staying)
        queue_counts = counts(conn)
    html = {
        item["id"]: render_template(
            "desk/item.html", c=item, actions=QUEUE_ACTIONS.get(name, ()),
            labels={key: a.label for key, a in ACTIONS.items()},
            deleted_days=app.config["COMMENTS_DELETED_DAYS"],
        )
        for item in items
    }  # fmt: skip
    return jsonify({
        "done": [i for i in changed if i not in html],
        "items": html,
        "message": _done_message(action, len(changed)),
        "counts": queue_counts,
    })  # fmt: skip


@bp.get("/log")
@signed_in()
def log() -> str:
    """Show the audit log, newest first, a page at a time."""
    before = _whole("before", 0) or None
    with get_db().read() as conn:
        entries = queries.log_entries(conn, limit=PER_PAGE + 1, before_id=before)
        queue_counts = counts(conn)
    more = len(entries) > PER_PAGE
    entries = entries[:PER_PAGE]
    older = url_for(".log", before=entries[-1]["id"]) if more else None
    return render_template(
        "desk/log.html", **page_context("log", queue_counts, entries=entries, older=older)
    )

"""Blueprint for reading: published comments, counts, avatars, health and the API description."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import text

from ..bake.manifest import RETRY_SECONDS
from ..core.avatars import KEY, identicon_svg
from ..core.errors import ApiError
from ..extensions import get_db, get_manifest, manifest_problem
from ..fields import public_view
from ..store import queries
from .answer_cache import AnswerCache
from .openapi import document

bp = Blueprint("reading", __name__, url_prefix="/api")


DEFAULT_LIMIT, MAX_LIMIT, MAX_COUNT_THREADS = 100, 500, 1000
ANSWERS = "comments_answers"


@bp.record_once
def _attach_cache(state) -> None:
    """Give the app its read cache once, when the blueprint is registered."""
    state.app.extensions[ANSWERS] = AnswerCache()


def _conditional(data: object) -> Response:
    """Answer JSON with an ETag, and 304 when the client already has this exact answer."""
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


def _whole_number(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        message = f"Use a whole number from {low} to {high}."
        raise ApiError(400, f"Bad {name}: {message}", errors={name: message})
    return int(raw)


@bp.get("/threads/<thread>/comments")
def thread_comments(thread: str) -> Response:
    """List a thread's published comments, oldest first, a page at a time."""
    if thread not in get_manifest().threads:
        raise ApiError(404, "There is no article with comments at this address.")
    limit = _whole_number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    after = _whole_number("after", 0, 0, 2**62)
    cache: AnswerCache = current_app.extensions[ANSWERS]
    # The change number first (answer_cache.py says why), then the rows if need be.
    key = (thread, after, limit, queries.read_thread_change(get_db(), thread))
    kept = cache.get(key)
    if kept is None:
        with get_db().read() as conn:
            rows, more = queries.published_page(conn, thread, after, limit)
        next_url = None
        if more:
            next_url = url_for(".thread_comments", thread=thread, limit=limit, after=rows[-1]["id"])
        made = _conditional({"comments": [public_view(r) for r in rows], "next": next_url})
        if made.status_code == 200:
            cache.put(key, made.get_data(), made.get_etag()[0])
        return made
    body, etag = kept
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(etag)
    return response.make_conditional(request)


@bp.get("/comments/<int:comment_id>")
def one_comment(comment_id: int) -> Response:
    """Show one published comment."""
    with get_db().read() as conn:
        row = queries.get_published(conn, comment_id)
    if row is None:
        raise ApiError(404, "There is no such published comment.")
    return _conditional(public_view(row))


@bp.get("/counts")
def counts() -> Response:
    """Count the published comments of the threads named in `thread` parameters."""
    threads = request.args.getlist("thread")
    if len(threads) > MAX_COUNT_THREADS or any(len(t) > 200 for t in threads):
        message = f"Ask for at most {MAX_COUNT_THREADS} threads of up to 200 characters."
        raise ApiError(400, message, errors={"thread": message})
    with get_db().read() as conn:
        result = queries.published_counts(conn, threads)
    return _conditional({"counts": result})


@bp.get("/avatars/<key>.svg")
def avatar(key: str) -> Response:
    """Draw the avatar for a key."""
    if not KEY.match(key):
        raise ApiError(404, "There is no such avatar.")
    response = Response(identicon_svg(key), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.get("/health")
def health() -> Response:
    """Report whether the store answers and which articles take comments can be known.

    503 while the manifest is missing or unreadable with no good copy in use: no thread can
    take comments then. A good copy kept while the file is bad answers 200, "manifest": "stale".
    """
    with get_db().read() as conn:
        conn.execute(text("SELECT 1"))
    problem, loaded = manifest_problem()
    status, code = "ok", 200
    if not loaded:
        state, threads, status, code = problem or "missing", 0, "unavailable", 503
    else:
        count = len(get_manifest().threads)
        state, threads = ("ok" if count else "empty") if problem is None else "stale", count
    body: dict[str, object] = {
        "status": status,
        "database": "ok",
        "manifest": state,
        "threads": threads,
    }
    if problem is not None and loaded:
        body["manifest_file"] = problem
    response = jsonify(body)
    response.status_code = code
    if code == 503:
        response.headers["Retry-After"] = str(RETRY_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    """Describe the public API (OpenAPI 3.1)."""
    return _conditional(document(current_app))

"""Blueprint for writing: post a comment, and the author's edit and delete."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, redirect, request, url_for

from ..actions import commenter
from ..bake.manifest import article_path
from ..core.errors import ApiError
from ..core.keys import address_hash
from ..core.validation import validate_comment
from ..extensions import get_attempt_limiter, get_limiter, get_page_worker, site_url
from ..fields import ECHOED, HONEYPOT, iso_time, public_view
from .origin import is_https, visitor_address
from .payload import FORM, read_body

log = logging.getLogger(__name__)
bp = Blueprint("comments", __name__, url_prefix="/api")
COOKIE = "comment_edit_{}"
# The commenter token: this browser posted as an email before (see actions/commenter.py).
COMMENTER_COOKIE = "commenter"
COMMENTER_DAYS = 365
# Seconds a form post (a browser without JavaScript) waits for the page to show its comment.
FORM_WAIT = 3.0


def _set_cookie(response: Response, name: str, value: str, max_age: int, path: str) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=path, secure=is_https(), httponly=True,
        samesite="Strict",
    )  # fmt: skip


def _count_attempt(client: str, values: dict | None = None) -> None:
    """Count one write request of `client`, refused ones too, so guessing costs as much as
    posting.

    Raises:
        ApiError: 429 with Retry-After once the client is over COMMENTS_ATTEMPT_LIMIT.
    """
    if (wait := get_attempt_limiter().take(client)) is not None:
        message = f"Too many attempts from you just now. {commenter.please_wait(wait, 'trying')}"
        raise _too_many(wait, message, values)


def _too_many(wait: int, message: str, values: dict | None) -> ApiError:
    return ApiError(429, message, headers={"Retry-After": str(wait)}, values=values)


def edit_cookie_path(comment_id: int) -> str:
    """Return the path of a comment's edit cookie: its own API address and those below."""
    return f"{bp.url_prefix}/comments/{comment_id}"


def count_attempt() -> None:
    """Count one write request of this visitor (see _count_attempt)."""
    _count_attempt(visitor_address())


def forget_edit_cookie(response: Response, comment_id: int) -> None:
    """Remove a deleted comment's edit cookie from the browser."""
    response.delete_cookie(COOKIE.format(comment_id), path=edit_cookie_path(comment_id))


def edit_token(comment_id: int) -> str | None:
    """Return the edit token this request carries for a comment: a Bearer token, else the
    comment's edit cookie."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE.format(comment_id))


@bp.post("/comments")
def create_comment() -> Response:
    """Take a new comment from the article form (303) or from a script (201 JSON)."""
    fields = read_body(request)
    values = {k: v for k in ECHOED if isinstance(v := fields.get(k), str)}
    client = visitor_address()
    _count_attempt(client, values)
    if fields.get(HONEYPOT) not in (None, ""):
        log.info("comments: refused a post with the honeypot field filled")
        # A browser may have filled the trap itself: the person gets the text back.
        raise ApiError(400, "Your comment could not be posted.", values=values)
    limiter = get_limiter()
    if (wait := limiter.retry_after(client)) is not None:
        message = f"You have posted several comments just now. {commenter.please_wait(wait)}"
        raise _too_many(wait, message, values)
    submission, errors = validate_comment(fields)
    if errors:
        raise ApiError(422, "Please correct the marked fields.", errors=errors, values=values)
    secret = current_app.config["COMMENTS_SECRET_KEY"]
    posted = commenter.create(
        current_app,
        submission,
        address_hash(secret, client),
        values,
        commenter_token=request.cookies.get(COMMENTER_COOKIE),
    )
    limiter.hit(client)
    comment_id = posted.row["id"]
    if request.mimetype == FORM:
        article = article_path(site_url(), posted.thread_url)
        if posted.change is not None:
            # Without JavaScript the browser goes to the static page: let it show the comment.
            get_page_worker().wait_until_shown(posted.row["thread"], posted.change, FORM_WAIT)
            response = redirect(f"{article}#comment-{comment_id}", 303)
        elif posted.token is not None:
            # A held comment: its author's own page shows it, to change or delete it.
            response = redirect(url_for("pages.own_comment", comment_id=comment_id), 303)
        else:
            response = redirect(f"{article}#comment-pending", 303)
    else:
        answer = {**public_view(posted.row), "status": posted.status}
        if posted.token is not None:
            answer.update(edit_token=posted.token, edit_until=iso_time(posted.edit_until))
        response = jsonify(answer)
        response.status_code = 201
        response.headers["Location"] = f"{bp.url_prefix}/comments/{comment_id}"
    if posted.token is not None:
        path = edit_cookie_path(comment_id)
        seconds = current_app.config["COMMENTS_EDIT_SECONDS"]
        _set_cookie(response, COOKIE.format(comment_id), posted.token, seconds, path)
    days = COMMENTER_DAYS * 86400
    _set_cookie(
        response, COMMENTER_COOKIE, posted.commenter_token, days, f"{bp.url_prefix}/comments"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.patch("/comments/<int:comment_id>")
def edit_comment(comment_id: int) -> Response:
    """Change the editable fields of the author's own comment within the edit window."""
    _count_attempt(visitor_address())
    changes = read_body(request, form_allowed=False)
    row = commenter.edit(current_app, comment_id, edit_token(comment_id), changes)
    response = jsonify({**public_view(row), "status": commenter.public_status(row["status"])})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/comments/<int:comment_id>")
def delete_comment(comment_id: int) -> Response:
    """Delete the author's own comment within the edit window."""
    _count_attempt(visitor_address())
    commenter.remove(current_app, comment_id, edit_token(comment_id))
    response = Response(status=204)
    forget_edit_cookie(response, comment_id)
    return response

"""Blueprint for signing in to the editors' desk, and what the desk's views use of it.

`signed_in()` guards a desk view, `current_editor()` names who is signed in, `csrf_token()`
and `check_csrf()` protect every desk form. A session lives in the `desk_session` cookie
(HttpOnly, SameSite=Strict, Path=/desk); actions/accounts.py keeps the rules and the store.
Before a session exists the sign-in form is protected by a double submit: a signed,
short-lived token in the form and in the `desk_signin` cookie.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from ..actions import accounts
from ..actions.accounts import ROLES, Editor, Session, role_allows, same_token
from ..core.errors import ApiError
from ..extensions import get_manifest, now
from .origin import is_https, visitor_address

__all__ = [
    "ROLES",
    "Editor",
    "bp",
    "check_csrf",
    "csrf_token",
    "current_editor",
    "desk_error_response",
    "safe_next",
    "signed_in",
    "site_name",
]

log = logging.getLogger(__name__)
bp = Blueprint("desk_auth", __name__, url_prefix="/desk")

SESSION_COOKIE = "desk_session"
SIGN_IN_COOKIE = "desk_signin"
COOKIE_PATH = "/desk"
HOME = "/desk/"
# How long a sign-in form may be left open before it must be loaded again.
SIGN_IN_FORM_SECONDS = 3600
# The one answer to every failed sign-in: it says nothing about whether the name exists.
NO_MATCH = "That name and password do not match an account."
WAIT = "Please wait before you try again."
EXPIRED_FORM = "The sign-in form had expired. Please try again."
STALE_FORM = "This form has expired. Reload the page and try again."
SIGNED_OUT = "You are signed out."
NOT_SIGNED_IN = "You are not signed in, or your session has ended. Please sign in again."
NOT_ALLOWED = "This part of the desk is for admins only."
HEADINGS = {401: "Sign in to the desk", 403: "Not allowed", 404: "Not found"}
_UNSET = object()


# Answers ------------------------------------------------------------------------------------


def private(response: Response) -> Response:
    """Keep an answer out of every cache and search engine."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.after_request
def _private(response: Response) -> Response:
    return private(response)


@bp.after_app_request
def _forget_dead_session(response: Response) -> Response:
    # A cookie whose session is over (timed out, signed out elsewhere, editor removed) goes
    # with the next answer of any desk view.
    if g.get("desk_forget_cookie") and not _sets_cookie(response, SESSION_COOKIE):
        _delete_cookie(response, SESSION_COOKIE)
    return response


def _sets_cookie(response: Response, name: str) -> bool:
    return any(v.startswith(f"{name}=") for v in response.headers.getlist("Set-Cookie"))


def _set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=COOKIE_PATH, secure=is_https(), httponly=True,
        samesite="Strict",
    )  # fmt: skip


def _delete_cookie(response: Response, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, secure=is_https(), httponly=True, samesite="Strict"
    )


def site_name() -> str:
    """Return the site's name as the desk's pages show it."""
    return get_manifest(required=False).site_name or "News site"


def _page(
    status: int,
    *,
    heading: str,
    notices: list[tuple[str, str]],
    form: bool = True,
    name: str = "",
    next_url: str = HOME,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render the sign-in page (or, without the form, the desk's error page)."""
    token = _sign_in_serializer().dumps(secrets.token_urlsafe(16)) if form else ""
    html = render_template(
        "desk/sign_in.html",
        site_name=site_name(),
        editor=None,
        notices=notices,
        queues=(),
        counts={},
        current_queue=None,
        csrf_token="",
        heading=heading,
        form=form,
        sign_in_token=token,
        name=name,
        next_url=safe_next(next_url),
        desk_home=request.script_root + HOME,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(headers or {})
    if form:
        _set_cookie(response, SIGN_IN_COOKIE, token, SIGN_IN_FORM_SECONDS)
    return private(response)


def desk_error_response(error: ApiError) -> Response:
    """Return a refusal of a desk request as the desk's HTML error page (no data in it)."""
    heading = HEADINGS.get(error.status, "That did not work")
    return _page(
        error.status,
        heading=heading,
        notices=[("error", error.message)],
        form=False,
        headers=error.headers,
    )


bp.register_error_handler(ApiError, desk_error_response)


# Sessions, for the desk's views -------------------------------------------------------------


def current_session() -> Session | None:
    """Return this request's live desk session, or None (looked up once per request)."""
    session = g.get("desk_session", _UNSET)
    if session is _UNSET:
        token = request.cookies.get(SESSION_COOKIE)
        session = accounts.find_session(current_app, token)
        g.desk_session = session
        if token and session is None:
            g.desk_forget_cookie = True
    return session


def current_editor() -> Editor | None:
    """Return the editor signed in to this request, or None."""
    session = current_session()
    return session.editor if session else None


def csrf_token() -> str:
    """Return the current session's CSRF token, for the desk's forms ("" when signed out)."""
    session = current_session()
    return session.csrf if session else ""


def check_csrf() -> None:
    """Refuse a desk form whose CSRF token (form field `csrf`, or header X-CSRF-Token) is
    not the current session's.

    Raises:
        ApiError: 403 when it is missing or wrong, or no one is signed in.
    """
    session = current_session()
    given = request.form.get("csrf") or request.headers.get("X-CSRF-Token")
    if session is None or not same_token(given, session.csrf):
        raise ApiError(403, STALE_FORM)


def _here() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def signed_in(role: str | Callable[..., Any] = "moderator") -> Callable[..., Any]:
    """Guard a desk view: only an editor of `role` or above may use it.

    Signed out, a GET or HEAD is sent to the sign-in page (which comes back here afterwards)
    and any other method gets 401; an editor whose role is too small gets 403.
    """
    if callable(role):  # used bare, as @signed_in
        return signed_in()(role)
    if role not in ROLES:
        raise ValueError(f"unknown desk role {role!r}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            editor = current_editor()
            if editor is None:
                if request.method in ("GET", "HEAD"):
                    to = f"{url_for('desk_auth.sign_in')}?{urlencode({'next': _here()})}"
                    return private(redirect(to, 303))
                return _page(401, heading=HEADINGS[401], notices=[("error", NOT_SIGNED_IN)])
            if not role_allows(editor.role, role):
                return desk_error_response(ApiError(403, NOT_ALLOWED))
            return view(*args, **kwargs)

        return guarded

    return decorate


# Where to go after signing in ---------------------------------------------------------------


def safe_next(value: str | None) -> str:
    """Return `value` when it is a path under /desk/ of this site, else /desk/."""
    if not value or len(value) > 2000 or "\\" in value:
        return HOME
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return HOME
    parts = urlsplit(value)
    path = unquote(parts.path)
    if parts.scheme or parts.netloc or value.startswith("//") or not path.startswith(HOME):
        return HOME
    if any(segment in (".", "..") for segment in path.split("/")) or "\\" in path:
        return HOME
    if path.rstrip("/") == HOME + "sign-in":
        return HOME
    return value


# The sign-in form's token (no session exists yet) -------------------------------------------


class _ClockSigner(TimestampSigner):
    """Dates its signatures by the app's clock, so tests can move time."""

    def get_timestamp(self) -> int:
        """Return the app's current time in whole seconds."""
        return int(now().timestamp())


def _sign_in_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["COMMENTS_SECRET_KEY"], salt="desk-sign-in", signer=_ClockSigner
    )


def _sign_in_form_ok() -> bool:
    given = request.form.get("csrf")
    if not same_token(given, request.cookies.get(SIGN_IN_COOKIE) or ""):
        return False
    try:
        _sign_in_serializer().loads(given, max_age=SIGN_IN_FORM_SECONDS)
    except BadSignature:  # also SignatureExpired
        return False
    return True


# The views ----------------------------------------------------------------------------------


@bp.get("/sign-in")
def sign_in() -> Response:
    """Show the sign-in form (an editor already signed in goes on to the desk)."""
    next_url = safe_next(request.args.get("next"))
    if current_editor() is not None:
        return redirect(request.script_root + next_url, 303)
    notices = [("ok", SIGNED_OUT)] if request.args.get("signed-out") == "1" else []
    return _page(200, heading=HEADINGS[401], notices=notices, next_url=next_url)


@bp.post("/sign-in")
def sign_in_post() -> Response:
    """Check a name and password; start a session and go on to `next` when they match."""
    name = request.form.get("name", "")[:200]
    password = request.form.get("password", "")
    next_url = safe_next(request.form.get("next"))
    kept = {"name": name, "next_url": next_url, "heading": HEADINGS[401]}
    if not _sign_in_form_ok():
        return _page(403, notices=[("error", EXPIRED_FORM)], **kept)
    result = accounts.sign_in(current_app, name, password, visitor_address())
    if result.retry_after is not None:
        headers = {"Retry-After": str(result.retry_after)}
        return _page(429, notices=[("error", f"{NO_MATCH} {WAIT}")], headers=headers, **kept)
    if result.token is None:
        return _page(401, notices=[("error", NO_MATCH)], **kept)
    response = redirect(request.script_root + next_url, 303)
    _set_cookie(response, SESSION_COOKIE, result.token)
    _delete_cookie(response, SIGN_IN_COOKIE)
    return private(response)


@bp.post("/sign-out")
def sign_out() -> Response:
    """End this session and show the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if current_session() is not None:
        check_csrf()
        accounts.end_session(current_app, token)
    response = redirect(url_for("desk_auth.sign_in", **{"signed-out": "1"}), 303)
    if token:
        _delete_cookie(response, SESSION_COOKIE)
    return private(response)

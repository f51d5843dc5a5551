"""Every failure as a 4xx/503 answer: JSON for API clients, an HTML page for browser forms.

A client mistake never becomes a 500; a 500 means a bug in the service. No error answer
ever carries the email address that was typed.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from ..core.errors import ApiError
from ..extensions import get_manifest, now
from ..fields import ECHOED
from ..store.schema import SchemaError

log = logging.getLogger(__name__)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
RETRY_SECONDS = 5
MESSAGES = {
    400: "The request could not be understood.",
    403: "This request is not allowed.",
    404: "Nothing here.",
    405: "This method is not allowed here.",
    411: "Send the request with a Content-Length.",
    413: "The request is too large.",
    415: "Send the comment as a form or as JSON in UTF-8.",
    429: "Too many comments from you just now. Please wait a little.",
}


def wants_html() -> bool:
    """Return True when the request is a browser form post, answered with a page."""
    return request.method == "POST" and request.mimetype in FORM_TYPES


def error_response(
    error: ApiError, *, html: bool | None = None, heading: str | None = None
) -> Response:
    """Return the answer for `error` in the client's format (or as a page when `html`, with
    `heading`, by default the comment form's)."""
    if wants_html() if html is None else html:
        page = _render_page(error, heading)
        response = Response(page, status=error.status, mimetype="text/html")
    else:
        body: dict[str, Any] = {"error": error.message}
        if error.errors:
            body["errors"] = error.errors
        response = jsonify(body)
        response.status_code = error.status
    response.headers.update(error.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def _typed_values(error: ApiError) -> dict[str, Any]:
    """Return what the reader typed: the error's values, else the posted form's own (a
    refusal raised before the form was read, such as a store or limiter that is down)."""
    if error.values:
        return error.values
    fields = g.get("submitted_fields")
    if not isinstance(fields, dict):
        return {}
    return {name: fields[name] for name in ECHOED if isinstance(fields.get(name), str)}


def _render_page(error: ApiError, heading: str | None = None) -> str:
    from .forms import render_form_page

    error.values = _typed_values(error)
    thread = get_manifest(required=False).threads.get(str(error.values.get("thread") or ""))
    # The form comes back wherever posting again can work; elsewhere the page still gives
    # back what was typed (never the email), so nothing is lost.
    show_form = error.status in (400, 409, 422, 429) and thread is not None
    if show_form and not thread.is_open(now()):
        show_form = False
    return render_form_page(
        "pages/comment_error.html" if show_form else "pages/error.html",
        thread,
        values=error.values,
        errors=error.errors,
        error=error,
        heading=heading or "Your comment could not be posted",
    )


def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    message = MESSAGES.get(code, error.description or "Error.")
    response = error_response(ApiError(code, message))
    for name, value in error.get_headers():
        if name.lower() == "allow":
            response.headers["Allow"] = value
    return response


def _unavailable(error: Exception) -> Response:
    log.warning("comments: store unavailable (%s)", type(error).__name__)
    return error_response(
        ApiError(
            503,
            "The comment store is busy. Please try again in a few seconds.",
            headers={"Retry-After": str(RETRY_SECONDS)},
        )
    )


def register(app: Flask) -> None:
    """Install the error handlers on `app`."""
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(unavailable, _unavailable)
    app.register_error_handler(SchemaError, _unavailable)

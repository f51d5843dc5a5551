"""Every failure as a 4xx/503 answer: JSON for API clients, an HTML page for browser forms.

A client mistake never becomes a 500; a 500 means a bug in the service. No error answer
ever carries the email address that was typed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, render_template, request, url_for
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .manifest import article_path, get_manifest, site_url
from .schema import SchemaError

log = logging.getLogger(__name__)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
HONEYPOT = "website_confirm"
RETRY_SECONDS = 5
# The same ids and labels as the article page's form, so the page reads alike.
FIELD_IDS = {"body": "comment-body", "author": "comment-author", "email": "comment-email",
             "url": "comment-url"}  # fmt: skip
LABELS = {"body": "Comment", "author": "Name", "email": "Email", "url": "Website",
          "thread": "Article", "parent": "Reply"}  # fmt: skip
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


class ApiError(Exception):
    """A request the service refuses, with what the client needs to put it right."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        # What the commenter typed, for the form page; the email is never kept here.
        self.values = {k: v for k, v in (values or {}).items() if k != "email"}


def wants_html() -> bool:
    """Return True when the request is a browser form post, answered with a page."""
    return request.method == "POST" and request.mimetype in FORM_TYPES


def error_response(error: ApiError, *, html: bool | None = None) -> Response:
    """Return the answer for `error` in the client's format (or as a page when `html`)."""
    if wants_html() if html is None else html:
        response = Response(_render_page(error), status=error.status, mimetype="text/html")
    else:
        body: dict[str, Any] = {"error": error.message}
        if error.errors:
            body["errors"] = error.errors
        response = jsonify(body)
        response.status_code = error.status
    response.headers.update(error.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_page(error: ApiError) -> str:
    manifest = get_manifest()
    thread = manifest.threads.get(str(error.values.get("thread") or ""))
    show_form = error.status in (409, 422, 429) and thread is not None
    return render_form_page(
        "comment_error.html" if show_form else "error.html",
        thread,
        values=error.values,
        errors=error.errors,
        error=error,
    )


def render_form_page(template: str, thread: Any, **context: Any) -> str:
    """Render a page of ours that may hold the comment form, with what the form needs."""
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render_template(
        template,
        thread=thread,
        honeypot=HONEYPOT,
        field_ids=FIELD_IDS,
        labels=LABELS,
        action=url_for("comments.create_comment"),
        site_name=get_manifest().site_name or "Front page",
        article_url=article_path(site_url(), thread.url) if thread else "/",
        **context,
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

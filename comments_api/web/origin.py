"""Same-origin rules: only the site's own pages may post, and CORS only for the site origin."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from ..core.client import client_address, is_trusted
from ..core.errors import ApiError
from ..extensions import site_url
from . import headers

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_METHODS = "GET, POST, PATCH, DELETE"
CORS_HEADERS = "Content-Type, Authorization"


def origin_of(url: str | None) -> str | None:
    """Return scheme://host[:port] of a URL, lower-cased and without a default port."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def is_https() -> bool:
    """Return True when the visitor's connection is https, also behind a trusted proxy."""
    if request.is_secure or (site_url() or "").startswith("https://"):
        return True
    if not is_trusted(request.remote_addr, current_app.config["COMMENTS_TRUSTED_PROXIES"]):
        return False
    # The proxy next to us writes the last value; earlier ones came from the client.
    return request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip().lower() == "https"


def visitor_address() -> str:
    """Return the visitor's address: the peer's, or what a trusted proxy says it saw."""
    return client_address(
        request.remote_addr,
        request.headers.get("X-Forwarded-For"),
        current_app.config["COMMENTS_TRUSTED_PROXIES"],
    )


def allowed_origins() -> set[str]:
    """Return the origins that may post: the site's, and this service's own."""
    origins = {origin_of(request.host_url), origin_of(site_url())}
    return {o for o in origins if o}


def check_origin() -> None:
    """Refuse an unsafe request that a browser sent from another origin.

    A browser names the page's origin in Origin (or at least Referer) on every form post;
    clients that send neither (curl, scripts) cannot carry a visitor's cookies or
    identity across sites, so they pass.

    Raises:
        ApiError: 403 for a foreign or opaque ("null") origin.
    """
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        if not referer:
            return
        origin = origin_of(referer) or "null"
    if origin_of(origin) not in allowed_origins():
        raise ApiError(403, "Comments can only be sent from the site's own pages.")


def add_cors_headers(response: Response) -> Response:
    """Let the configured site origin call the API from scripts; nobody else."""
    origin = request.headers.get("Origin")
    site_origin = origin_of(site_url()) if origin else None
    if site_origin and origin_of(origin) == site_origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
            response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
    response.vary.add("Origin")
    return response


def init_app(app: Flask) -> None:
    """Check origins before every request; add CORS and the security headers after."""
    app.before_request(check_origin)
    app.after_request(add_cors_headers)
    headers.init_app(app)

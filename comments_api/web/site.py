"""One origin for everything: the built static site at /, the comment API at /api/.

gunicorn --bind 127.0.0.1:8000 --workers 2 'comments_api.web.site:create_site_app()'
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, redirect, request, send_file
from werkzeug.security import safe_join

from .. import create_app

API_PREFIX = "/api"
# Types the platform's mime table may lack or get wrong; the rest come from mimetypes.
TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff2": "font/woff2",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".webmanifest": "application/manifest+json",
}


def content_type(name: str) -> str:
    """Return the Content-Type of a file by its name (octet-stream when unknown)."""
    suffix = Path(name).suffix.lower()
    guessed = TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    text = guessed.startswith("text/") or guessed in ("application/json", "application/xml")
    return f"{guessed}; charset=utf-8" if text or guessed == "image/svg+xml" else guessed


def static_app(root: Path) -> Flask:
    """Return a Flask app that serves the files under `root` like a static web server."""
    app = Flask("comments_api.web.site", static_folder=None)

    @app.route("/", defaults={"path": ""}, methods=["GET"])
    @app.route("/<path:path>", methods=["GET"])
    def serve(path: str) -> Response:
        target = safe_join(str(root), path) if path else str(root)
        if target is None:
            abort(404)
        if os.path.isdir(target):
            if path and not path.endswith("/"):
                query = f"?{request.query_string.decode('latin-1')}" if request.query_string else ""
                return redirect(f"{request.script_root}/{path}/{query}", 301)
            target = os.path.join(target, "index.html")
        if not os.path.isfile(target):
            abort(404)
        response = send_file(target, conditional=True, etag=True)
        response.headers["Content-Type"] = content_type(target)
        # Rebuilt pages (a new comment) must show at once: revalidate every time.
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.errorhandler(404)
    def not_found(_error: Exception) -> Response:
        page = root / "404.html"
        if page.is_file():
            return Response(page.read_bytes(), 404, content_type="text/html; charset=utf-8")
        return Response("Not found\n", 404, content_type="text/plain; charset=utf-8")

    @app.after_request
    def harden(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    return app


class SiteApp:
    """WSGI app: /api/... to the comment service, everything else to the static files."""

    def __init__(self, api: Flask, static: Flask) -> None:
        self.api = api
        self.static = static

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """Send the request to the API or to the static files by its path."""
        path = environ.get("PATH_INFO", "")
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            return self.api(environ, start_response)
        return self.static(environ, start_response)


def create_site_app(
    output_dir: str | os.PathLike | None = None, config: Mapping[str, Any] | None = None
) -> SiteApp:
    """Return the site and the comment API as one WSGI app on one origin.

    The site comes from `output_dir` (default COMMENTS_SITE_DIR); unless COMMENTS_MANIFEST
    says otherwise, the API reads the manifest that build wrote into it.

    Raises:
        ConfigError: naming a setting whose value cannot be used.
    """
    config = dict(config or {})
    if output_dir is not None:
        config["COMMENTS_SITE_DIR"] = output_dir
    api = create_app(config)
    return SiteApp(api, static_app(Path(api.config["COMMENTS_SITE_DIR"]).resolve()))

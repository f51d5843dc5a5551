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

from .. import NoSessions, create_app
from ..extensions import PAGES
from . import headers

API_PREFIX = "/api"
# Where the comment service answers on the site's origin: its API and the editors' desk.
SERVICE_PREFIXES = (API_PREFIX, "/desk")
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


def site_file(root: Path, path: str) -> Path | None:
    """Return the regular file that `path` names under `root` (resolved), or None.

    Only what the build wrote is public: no segment may start with "." (the page-update lock,
    its temporary pages, .git), the file must still lie under `root` once every symlink is
    resolved, and a trailing slash names a folder, never a file.
    """
    segments = path.split("/")
    if any(s.startswith(".") or "\\" in s or "\0" in s for s in segments):
        return None
    folder = path == "" or path.endswith("/")
    try:
        target = root.joinpath(*[s for s in segments if s]).resolve(strict=True)
        inside = target.relative_to(root)
    except (OSError, ValueError, RuntimeError):
        return None
    if any(part.startswith(".") for part in inside.parts):
        return None
    if target.is_dir():
        if not folder:
            return target  # the caller redirects to the folder's URL
        target = target / "index.html"
        return site_file(root, str(inside / "index.html")) if target.exists() else None
    if folder or not target.is_file():
        return None
    return target


def static_app(root: Path) -> Flask:
    """Return a Flask app that serves the files under `root` like a static web server."""
    root = Path(root).resolve()
    app = Flask("comments_api.web.site", static_folder=None)
    app.session_interface = NoSessions()

    @app.route("/", defaults={"path": ""}, methods=["GET"])
    @app.route("/<path:path>", methods=["GET"])
    def serve(path: str) -> Response:
        target = site_file(root, path)
        if target is None:
            abort(404)
        if target.is_dir():
            query = f"?{request.query_string.decode('latin-1')}" if request.query_string else ""
            return redirect(f"{request.script_root}/{path}/{query}", 301)
        response = send_file(target, conditional=True, etag=True)
        response.headers["Content-Type"] = content_type(target.name)
        # Rebuilt pages (a new comment) must show at once: revalidate every time.
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.errorhandler(404)
    def not_found(_error: Exception) -> Response:
        page = site_file(root, "404.html")
        if page is not None:
            return Response(page.read_bytes(), 404, content_type="text/html; charset=utf-8")
        return Response("Not found\n", 404, content_type="text/plain; charset=utf-8")

    headers.init_app(app)
    return app


class SiteApp:
    """WSGI app: /api/... to the comment service, everything else to the static files."""

    def __init__(self, api: Flask, static: Flask) -> None:
        self.api = api
        self.static = static

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """Send the request to the API or to the static files by its path."""
        path = environ.get("PATH_INFO", "")
        if any(path == prefix or path.startswith(prefix + "/") for prefix in SERVICE_PREFIXES):
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
    # A server process starts its page worker now, so stale pages are redone at start even
    # before the first API request; a forked worker starts its own on its first request.
    api.extensions[PAGES].ensure_started()
    return SiteApp(api, static_app(Path(api.config["COMMENTS_SITE_DIR"]).resolve()))

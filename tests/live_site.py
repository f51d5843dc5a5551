"""The whole product on one origin for the journeys: a real build served with the service."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveSite:
    """A built site and its comment service, served over HTTP on 127.0.0.1."""

    url: str
    output: Path
    env: dict[str, str]
    server: object = None
    thread: threading.Thread | None = None
    responses: list[str] = field(default_factory=list)

    def editor(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        """Run the editors' CLI (`flask --app comments_api comments ...`) against this site."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "comments_api", "comments", *args],
            cwd=ROOT,
            env={**os.environ, **self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.thread.join(5)


def start_live_site(tmp: Path, build, **service) -> LiveSite:
    """Build the sample site for a free port and serve it with the comment service."""
    from comments_api.web.site import create_site_app

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = f"sqlite:///{tmp / 'comments.db'}"
    output = build(tmp / "output", SITEURL=url, COMMENTS_DATABASE_URL=database)
    env = {
        "COMMENTS_DATABASE_URL": database,
        "COMMENTS_MANIFEST": str(output / "comments" / "threads.json"),
        "COMMENTS_SITE_DIR": str(output),
        "COMMENTS_SITE_URL": url,
        "COMMENTS_SECRET_KEY": "journey-secret-key-0123456789",
        "COMMENTS_RATE_LIMIT": "off",
        "COMMENTS_FLOOD_SECONDS": "0",
        **service,
    }
    os.environ.update(env)
    try:
        app = create_site_app(output)
    finally:
        for name in env:
            os.environ.pop(name, None)
    site = LiveSite(url, output, env)
    site.server = make_server("127.0.0.1", port, app, threaded=True)
    site.thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    site.thread.start()
    return site

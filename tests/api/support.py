"""Helpers for the comment service tests: manifests, submissions, servers, child processes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-test-secret-key-of-some-length"
SITE = "http://127.0.0.1:8000"
EMAIL = "reader.private+tag@example.org"
THREADS = {
    "rebels-capture-hama": {"url": "rebels-capture-hama.html", "title": "Rebels capture Hama"},
    "second-story": {"url": "world/second-story.html", "title": "A second story"},
    "closed-story": {"url": "closed-story.html", "title": "Closed", "open": False},
    "expired-story": {"url": "old.html", "title": "Old", "closes_at": "2020-01-01T00:00:00+00:00"},
    "closing-later": {"url": "new.html", "title": "New", "closes_at": "2999-01-01T00:00:00+00:00"},
}
THREAD = "rebels-capture-hama"


def write_manifest(
    path: Path, threads: dict[str, dict] | None = None, site_url: str = SITE
) -> Path:
    """Write a thread manifest like the build's and return its path."""
    entries = {}
    for slug, entry in (THREADS if threads is None else threads).items():
        entries[slug] = {"date": "2024-12-05T18:00:00+00:00", "open": True, "closes_at": None}
        entries[slug].update(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "site_url": site_url, "threads": entries}))
    return path


def comment(**fields: Any) -> dict[str, Any]:
    """Return a valid submission, changed by `fields`."""
    data = {"thread": THREAD, "author": "Ada", "email": EMAIL, "body": "A fair report."}
    data.update(fields)
    return data


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A WSGI app served over real HTTP on 127.0.0.1 from a thread."""

    def __init__(self, wsgi_app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.thread.join(5)


def pg_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts)
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb") or shutil.which("pg_ctl")
    return Path(found).parent if found else None


def run_flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run `flask --app comments_api ...` in a child process and return its result."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "comments_api", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def wait_for(url: str, timeout: float = 20.0) -> None:
    """Wait until `url` answers 200 (a server started in another process is up)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)

"""The tests' one support module: manifests, submissions, the limits-off settings, a clock,
free ports, live servers (threaded, gunicorn, PostgreSQL) and child processes."""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
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


# Tests and load runs turn these off unless they test them; the service's defaults stay safe.
LIMITS_OFF = {
    "COMMENTS_RATE_LIMIT": "off",
    "COMMENTS_ATTEMPT_LIMIT": "off",
    "COMMENTS_FLOOD_SECONDS": "0",
    "COMMENTS_REPORT_LIMIT": "off",
}
MODERATION_OFF = {"COMMENTS_MODERATION": "none"}


def load_settings(database_url: str, manifest: Path) -> dict[str, str]:
    """Return service settings for load runs: every limit and moderation off."""
    return {
        "COMMENTS_DATABASE_URL": database_url,
        "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_MANIFEST": str(manifest),
        "COMMENTS_SITE_DIR": str(manifest.parent.parent),
        **LIMITS_OFF,
        **MODERATION_OFF,
    }


class Clock:
    """A clock the service reads through config["CLOCK"]; tests move it instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        """Return the clock's time."""
        return self.moment

    def advance(self, **delta: float) -> None:
        """Move the clock forward, e.g. advance(seconds=2)."""
        self.moment += timedelta(**delta)


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


class Gunicorn:
    """`gunicorn 'comments_api.web.site:create_site_app()'` in a child process on a free port."""

    def __init__(self, env: dict[str, str], workers: int = 2, log: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.workers = workers
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        output = open(self.log, "wb") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--graceful-timeout", "5",
             "comments_api.web.site:create_site_app()"],
            cwd=ROOT, env=self.env, stdout=output, stderr=output,
        )  # fmt: skip
        try:
            wait_for(self.url + "/api/health")
        except OSError:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def raw_http(url: str, request: bytes, *, chunks: list[bytes] = (), timeout: float = 10) -> tuple:
    """Send raw bytes (then `chunks`, one by one) and return (status, headers, body).

    Sending stops quietly when the server closes early, as it may after refusing a body.
    """
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            for chunk in chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while b"\r\n\r\n" not in data or not _complete(data):
                part = sock.recv(65536)
                if not part:
                    break
                data += part
        except ConnectionResetError:
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def post_burst(base: str, client: int, count: int, form_every: int = 4) -> list[dict[str, Any]]:
    """Post `count` distinct comments as load client `client`; return what each answer said.

    Every `form_every`-th post is a browser form post (303), the others JSON (201).
    """
    import http.client
    import re
    import urllib.parse
    import uuid

    host, port = base.removeprefix("http://").split(":")
    results = []
    for i in range(count):
        fields = {
            "thread": THREAD if i % 2 else "second-story",
            "author": f"Client {client} #{i}",
            "email": f"load{client}@example.org",
            "body": f"Load {client}-{i} {uuid.uuid4().hex}\n\n*emphasis* and <b>{i}</b>",
        }
        form = form_every and i % form_every == 0
        if form:
            payload = urllib.parse.urlencode(fields).encode()
            kind = "application/x-www-form-urlencoded"
        else:
            payload, kind = json.dumps(fields).encode(), "application/json"
        started = time.perf_counter()
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            conn.request("POST", "/api/comments", body=payload,
                         headers={"Content-Type": kind, "Origin": base})  # fmt: skip
            answer = conn.getresponse()
            data = answer.read()
            status, location = answer.status, answer.getheader("Location") or ""
        except OSError as error:
            status, data, location = 0, repr(error).encode(), ""
        finally:
            conn.close()
        result = {"sent": fields, "status": status, "form": bool(form),
                  "ms": (time.perf_counter() - started) * 1000}  # fmt: skip
        if status == 201:
            result["answer"] = json.loads(data)
            result["id"] = result["answer"]["id"]
        elif status == 303:
            match = re.search(r"#comment-(\d+)$", location)
            result["id"] = int(match.group(1)) if match else None
        else:
            result["error"] = data[:300].decode("utf-8", "replace")
        results.append(result)
    return results


class PostgresCluster:
    """A throwaway PostgreSQL cluster in a temporary folder; entering gives a database URL.

    `durable=False` turns fsync off, as tests need no crash safety and run faster.
    """

    def __init__(self, durable: bool = False) -> None:
        self.bin = pg_bin()
        self.durable = durable
        self.root: Path | None = None

    def _run(self, *args: str) -> None:
        # initdb and pg_ctl refuse to run as root; the server user must reach the folder.
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_user, *args], check=True, cwd="/", capture_output=True, timeout=120)

    def __enter__(self) -> str:
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.root = Path(tempfile.mkdtemp(prefix="comments-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        port, data = free_port(), self.root / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        options = f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=100"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "-o", options, "start")  # fmt: skip
        try:
            self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                      "-U", "postgres", "comments_test")  # fmt: skip
        except subprocess.CalledProcessError:
            self.__exit__()
            raise
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/comments_test"

    def __exit__(self, *_exc: object) -> None:
        if self.root is None:
            return
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate",
                      "-w", "stop")  # fmt: skip
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


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

    def add_editor(self, name: str, password: str, role: str = "moderator") -> None:
        """Create a desk account with the editors' CLI, as an operator would."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "comments_api", "editors", "add", name,
             "--role", role, "--password-stdin"],
            input=password + "\n", cwd=ROOT, env={**os.environ, **self.env},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.thread.join(5)


def start_live_site(tmp: Path, build, **service) -> LiveSite:
    """Build the sample site for a free port and serve it with the comment service."""
    port = free_port()
    database = f"sqlite:///{tmp / 'comments.db'}"
    output = build(
        tmp / "output", SITEURL=f"http://127.0.0.1:{port}", COMMENTS_DATABASE_URL=database
    )
    return serve_live_site(output, port, COMMENTS_DATABASE_URL=database, **service)


def serve_live_site(output: Path, port: int, **service) -> LiveSite:
    """Serve a built site on `port` with the comment service (settings over the defaults)."""
    from comments_api.web.site import create_site_app

    url = f"http://127.0.0.1:{port}"
    env = {
        "COMMENTS_MANIFEST": str(output / "comments" / "threads.json"),
        "COMMENTS_SITE_DIR": str(output),
        "COMMENTS_SITE_URL": url,
        "COMMENTS_SECRET_KEY": "journey-secret-key-0123456789",
        **LIMITS_OFF,
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


# A request header sent a byte a second, and the head of a POST whose 40,000-byte body follows.
SLOW_HEADER = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 1000
SLOW_POST_HEAD = (
    b"POST /api/comments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 40000\r\n\r\n"
)


class Drip(threading.Thread):
    """A socket that sends `head` at once, then `drip` one byte a second until stopped."""

    def __init__(self, port: int, head: bytes, drip: bytes, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        self.head, self.drip, self.stop = head, drip, stop
        self.failed: Exception | None = None

    def run(self) -> None:
        """Send the head, then the rest byte by byte, until stopped or the peer closes."""
        try:
            self.sock.sendall(self.head)
            for i in range(len(self.drip)):
                self.sock.sendall(self.drip[i : i + 1])
                if self.stop.wait(1.0):
                    return
        except OSError as error:
            self.failed = error

    def answered(self) -> bytes | None:
        """Return what the server sent back or b"" when it closed; None while it waits."""
        self.sock.settimeout(0)
        try:
            return self.sock.recv(65536)
        except BlockingIOError:
            return None
        except OSError:
            return b""
        finally:
            self.sock.settimeout(2)

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()

    def still_open(self) -> bool:
        """Return True when the server has neither answered nor closed this socket."""
        readable, _, _ = select.select([self.sock], [], [], 0)
        return not readable  # an answer or the server's close would make it readable

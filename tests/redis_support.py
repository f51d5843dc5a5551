"""A throwaway Redis server for the tests of `redis://` rate-limit storage, and the settings of
comment services that count in it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

from tests.support import LIMITS_OFF, MODERATION_OFF, SECRET, comment, free_port


def redis_bin() -> Path | None:
    """Return the redis-server program, or None when Redis is not installed."""
    found = shutil.which("redis-server") or "/usr/bin/redis-server"
    return Path(found) if Path(found).exists() else None


def answers_ping(port: int, timeout: float = 1.0) -> bool:
    """Return True when a Redis server on 127.0.0.1:`port` answers PING (with PONG, or by
    asking for the password it requires)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


class RedisServer:
    """redis-server on a free port of 127.0.0.1, keeping nothing on disk; entering gives its URL.

    stop() and start() again keep the port, so a service can be shown an outage and a return.
    With a `password` the server requires it and the URL carries it. The server is an ordinary
    child process, stopped by its PID.
    """

    def __init__(self, port: int | None = None, password: str | None = None) -> None:
        self.bin = redis_bin()
        self.port = port or free_port()
        self.password = password
        auth = f":{password}@" if password else ""
        self.url = f"redis://{auth}127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.folder: Path | None = None

    def start(self, timeout: float = 10.0) -> None:
        """Start the server and wait until it answers PING."""
        if self.bin is None:
            raise RuntimeError("Redis is not installed (apt-get install redis-server)")
        self.folder = self.folder or Path(tempfile.mkdtemp(prefix="comments-redis-"))
        self.process = subprocess.Popen(
            [str(self.bin), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.folder),
             *(["--requirepass", self.password] if self.password else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not answers_ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (SIGTERM to its PID, then SIGKILL) and wait until it has gone."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): it keeps its connections but answers nothing."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a frozen server go on (SIGCONT)."""
        os.kill(self.process.pid, signal.SIGCONT)

    def client(self):
        """Return a redis client of the server."""
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def redis_settings(database_url: str, manifest: Path, storage: str, **limits: str) -> dict:
    """Return the settings of a service counting rate limits in `storage`: limits off unless
    given (COMMENTS_RATE_LIMIT=..., ...), moderation off, and 127.0.0.1 a trusted proxy, so
    post() can speak for any client address."""
    return {
        "COMMENTS_DATABASE_URL": database_url,
        "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_MANIFEST": str(manifest),
        "COMMENTS_SITE_DIR": str(manifest.parent.parent),
        **LIMITS_OFF,
        **MODERATION_OFF,
        "COMMENTS_RATE_LIMIT_STORAGE": storage,
        "COMMENTS_TRUSTED_PROXIES": "127.0.0.1",
        **limits,
    }


def post(base: str, client: str, *, form: bool = True, **fields: str) -> tuple[int, dict, str]:
    """Post comment(**fields) to the service at `base` as the browser at address `client`
    (behind a trusted proxy on 127.0.0.1), as the article form does, or as JSON; return
    (status, headers with lower-case names, body text)."""
    import http.client

    data = comment(**fields)
    if form:
        body, kind = urllib.parse.urlencode(data).encode(), "application/x-www-form-urlencoded"
    else:
        body, kind = json.dumps(data).encode(), "application/json"
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("POST", "/api/comments", body=body, headers={
            "Content-Type": kind, "Origin": base, "X-Forwarded-For": client})  # fmt: skip
        answer = conn.getresponse()
        headers = {name.lower(): value for name, value in answer.getheaders()}
        return answer.status, headers, answer.read().decode("utf-8", "replace")
    finally:
        conn.close()

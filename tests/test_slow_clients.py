"""`make serve`'s server under slow clients: sockets that drip their headers or body byte by
byte hold a socket each, never a worker, so pages and the API keep answering.

The server is started exactly as `make serve` starts it (`python -m comments_api.web.serve`),
in a child process, against a site built into tmp_path.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import build_site
from tests.support import (
    LIMITS_OFF,
    ROOT,
    SLOW_HEADER,
    SLOW_POST_HEAD,
    Drip,
    comment,
    free_port,
    raw_http,
    wait_for,
)

LIMIT = 64 * 1024
HEADER_DRIPS = 30
BODY_DRIPS = 10
FAST = 1.0  # seconds a normal request may take while the slow clients are connected


@dataclass
class Served:
    url: str
    port: int
    article: str  # path of an article page that takes comments
    thread: str  # its thread slug
    log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """Build the sample site and serve it as `make serve` does; stop the child afterwards."""
    tmp = tmp_path_factory.mktemp("slow-clients")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = f"sqlite:///{tmp / 'comments.db'}"
    output = build_site(tmp / "output", SITEURL=url, COMMENTS_DATABASE_URL=database)
    threads = json.loads((output / "comments" / "threads.json").read_text())["threads"]
    slug, entry = next((s, e) for s, e in sorted(threads.items()) if e["open"])
    env = {
        **os.environ,
        "COMMENTS_DATABASE_URL": database,
        "COMMENTS_SITE_DIR": str(output),
        "COMMENTS_SITE_URL": url,
        "COMMENTS_SECRET_KEY": "slow-clients-secret-key-0123456789",
        "COMMENTS_MAX_REQUEST_BYTES": str(LIMIT),
        **LIMITS_OFF,
    }
    log = tmp / "server.log"
    with open(log, "wb") as output_log:
        child = subprocess.Popen(
            [sys.executable, "-m", "comments_api.web.serve",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=output_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for(url + "/api/health", timeout=15)
        yield Served(url, port, "/" + entry["url"], slug, log)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGTERM)
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(child.pid, signal.SIGKILL)
                child.wait(5)


@pytest.fixture
def slow_clients(served) -> Iterator[list[Drip]]:
    """30 sockets dripping a request header and 10 dripping a POST body, all connected."""
    stop = threading.Event()
    header, post = SLOW_HEADER, SLOW_POST_HEAD
    drips: list[Drip] = []
    try:
        for _ in range(HEADER_DRIPS):
            drips.append(Drip(served.port, b"", header, stop))
        for _ in range(BODY_DRIPS):
            drips.append(Drip(served.port, post, b'{"body": "' + b"b" * 39000, stop))
        for drip in drips:
            drip.start()
        time.sleep(1.5)  # every socket accepted and a byte or two in
        yield drips
    finally:
        stop.set()
        for drip in drips:
            drip.join(3)
            drip.sock.close()


def timed_get(served: Served, path: str) -> tuple[int, float, bytes]:
    """GET `path` with a FAST timeout; return (status, seconds, body)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=FAST)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        body = answer.read()
    finally:
        conn.close()
    return answer.status, time.perf_counter() - started, body


def test_pages_and_api_answer_while_slow_clients_hold_sockets(served, slow_clients):
    for _ in range(5):
        status, seconds, page = timed_get(served, served.article)
        assert (status, seconds < FAST) == (200, True), seconds
        assert b"<!--comments:begin-->" in page
        status, seconds, health = timed_get(served, "/api/health")
        assert (status, seconds < FAST) == (200, True), seconds
        assert json.loads(health)["status"] == "ok"
    status, seconds, _ = timed_get(served, "/")
    assert (status, seconds < FAST) == (200, True), seconds

    body = f"Posted past the slow clients {uuid.uuid4().hex}"
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    try:
        conn.request(
            "POST",
            "/api/comments",
            body=json.dumps(comment(thread=served.thread, body=body)),
            headers={"Content-Type": "application/json", "Origin": served.url},
        )
        answer = conn.getresponse()
        created = json.loads(answer.read())
    finally:
        conn.close()
    assert answer.status == 201, created
    assert created["id"] > 0

    # The slow clients were held the whole time, not answered or dropped.
    assert [d.failed for d in slow_clients] == [None] * len(slow_clients)
    assert all(d.still_open() for d in slow_clients)
    log = served.log.read_text()
    assert f'"GET {served.article} HTTP/1.1" 200' in log  # the access log, one line a request
    assert "?" not in "".join(line for line in log.splitlines() if "comments_api.access" in line)


CHUNKED_HEAD = (
    b"POST /api/comments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
)


def chunked(payload: bytes, size: int = 8192) -> list[bytes]:
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)]
    return [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]


def exactly(size: int, thread: str) -> bytes:
    """Return a JSON comment of exactly `size` bytes."""
    shell = len(json.dumps(comment(thread=thread, body=""), separators=(",", ":")).encode())
    body = uuid.uuid4().hex
    body += "b" * (size - shell - len(body))
    payload = json.dumps(comment(thread=thread, body=body), separators=(",", ":")).encode()
    assert len(payload) == size
    return payload


def test_the_service_body_limit_still_holds_behind_the_buffering_server(served):
    # A chunked body of exactly the limit reaches the app whole; one byte more is the app's 413.
    status, _, _ = raw_http(served.url, CHUNKED_HEAD, chunks=chunked(exactly(LIMIT, served.thread)))
    assert status == 201
    over = chunked(exactly(LIMIT + 1, served.thread))
    status, headers, data = raw_http(served.url, CHUNKED_HEAD, chunks=over)
    assert status == 413
    assert headers["content-type"].startswith("application/json") and json.loads(data)["error"]
    # Far over the limit, declared or streamed without end, the server refuses it itself.
    declared = (
        b"POST /api/comments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n" + b"{" * 1000
    )
    assert raw_http(served.url, declared, timeout=5)[0] == 413
    endless = [b"%x\r\n%s\r\n" % (8192, b"z" * 8192)] * (LIMIT // 8192 + 4)
    assert raw_http(served.url, CHUNKED_HEAD + b"1\r\n{\r\n", chunks=endless, timeout=5)[0] == 413

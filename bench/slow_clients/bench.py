"""Do pages still load while slow clients drip their requests? `make serve` before and after.

    python bench/slow_clients/bench.py [--clients 0,10,50,200] [--requests 100]

Builds the sample site, then for each number of slow clients and for each server set-up
starts the server in a child process, connects that many slow clients (half drip a request
header, half send a POST's headers with a Content-Length and drip the body, each one byte a
second, reconnecting when the server closes them), and loads an article page sequentially
over new connections, 1 s timeout each. Prints the share answered within 1 s and the median
and p99 latency (a load that timed out counts as slower than any answer), for the old
`make serve` (gunicorn, 2 sync workers) next to the new one (waitress,
`python -m comments_api.web.serve`). Target: at least 99 % with 50 slow clients.
Saves the figures to bench/results/slow_clients.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))
from common import pelican_build  # noqa: E402

PY = ROOT / ".venv/bin/python"
RESULTS = ROOT / "bench/results/slow_clients.json"
SETUPS = {
    "before: gunicorn, 2 sync workers": lambda port: [
        str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--access-logfile", "-", "comments_api.web.site:create_site_app()",
    ],
    "after: waitress (make serve)": lambda port: [
        str(PY), "-m", "comments_api.web.serve", "--host", "127.0.0.1", "--port", str(port),
    ],
}  # fmt: skip


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_open_file_limit() -> int:
    """Raise the soft limit of open files to the hard one (hundreds of sockets); return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class SlowClients(threading.Thread):
    """`count` sockets, each sending one byte a second; reconnects those the server closes.

    Even ones drip a request header without end; odd ones send a POST's headers, then drip
    its body. One thread drives them all.
    """

    def __init__(self, port: int, count: int, article: str) -> None:
        super().__init__(daemon=True)
        self.address = ("127.0.0.1", port)
        self.heads = [
            f"GET {article} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".encode(),
            b"POST /api/comments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
        ]
        self.socks: list[socket.socket | None] = [None] * count
        self.sent_head: set[int] = set()
        self.stop = threading.Event()
        self.reconnects = 0

    def _connect(self, i: int) -> None:
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(self.address)  # loopback: done at once unless the backlog is full
        self.socks[i] = sock
        self.sent_head.discard(i)

    def _close(self, i: int) -> None:
        sock, self.socks[i] = self.socks[i], None
        if sock is not None:
            sock.close()

    def _tick(self) -> None:
        for i, sock in enumerate(self.socks):
            if sock is None:
                self._connect(i)
                sock = self.socks[i]
            elif self._answered(sock):  # the server answered (408, 413) or closed it
                self._close(i)
                self.reconnects += 1
                continue
            try:
                if i not in self.sent_head:
                    sock.send(self.heads[i % 2])
                    self.sent_head.add(i)
                else:
                    sock.send(b"a")
            except BlockingIOError:
                pass  # still connecting, or its buffer is full: try again next second
            except OSError:
                self._close(i)
                self.reconnects += 1

    @staticmethod
    def _answered(sock: socket.socket) -> bool:
        try:
            sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return False  # nothing from the server: keep dripping
        except OSError:
            pass
        return True

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            self._tick()
            self.stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))

    def connected(self) -> int:
        """Return how many slow sockets are open now."""
        return sum(s is not None for s in self.socks)

    def close(self) -> None:
        """Stop dripping and close every socket."""
        self.stop.set()
        self.join(10)
        for i in range(len(self.socks)):
            self._close(i)


def wait_for(url: str, timeout: float = 30.0) -> None:
    """Wait until `url` answers (the server is up)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def load(port: int, path: str, timeout: float) -> float | None:
    """Load `path` over a new connection; return seconds, or None without a 200 in time."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        answer.read()
        seconds = time.perf_counter() - started
        return seconds if answer.status == 200 and seconds <= timeout else None
    except OSError:
        return None
    finally:
        conn.close()


def quantile(times: list[float | None], q: float) -> float | None:
    """Return the q-quantile (nearest rank) with timeouts ranked last; None for a timeout."""
    ranked = sorted(times, key=lambda t: (t is None, t or 0.0))
    return ranked[min(len(ranked) - 1, max(0, round(q * len(ranked) + 0.5) - 1))]


def run_one(setup: str, clients: int, loads: int, args, env: dict, article: str) -> dict:
    """Start one server set-up, attack it with `clients` slow clients, time `loads` loads."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        SETUPS[setup](port),
        cwd=ROOT,
        env={**env, "COMMENTS_SITE_URL": base},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    attack = SlowClients(port, clients, article)
    try:
        wait_for(f"{base}/api/health")
        load(port, article, 5.0)  # warm up: first request opens the store
        attack.start()
        time.sleep(args.settle)
        started = time.perf_counter()
        times = [load(port, article, args.timeout) for _ in range(loads)]
        wall = time.perf_counter() - started
        still = attack.connected()
    finally:
        attack.close()
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait(5)
    answered = [t for t in times if t is not None]
    median, p99 = quantile(times, 0.5), quantile(times, 0.99)
    return {
        "setup": setup,
        "slow_clients": clients,
        "loads": loads,
        "answered_within_timeout": len(answered),
        "share": len(answered) / loads,
        "median_ms": None if median is None else median * 1000,
        "p99_ms": None if p99 is None else p99 * 1000,
        "mean_answered_ms": statistics.fmean(answered) * 1000 if answered else None,
        "slow_sockets_open_at_end": still,
        "slow_reconnects": attack.reconnects,
        "seconds": wall,
    }


def ms(value: float | None) -> str:
    return "timeout" if value is None else f"{value:.1f}"


def main() -> int:
    """Run the benchmark, print the table and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clients",
        default="0,10,50,200",
        help="comma-separated numbers of slow clients (default 0,10,50,200)",
    )
    parser.add_argument("--requests", type=int, default=100, help="page loads per run")
    parser.add_argument(
        "--before-requests",
        type=int,
        default=30,
        help="page loads against the old set-up, where most wait the full "
        "timeout (default 30, keeps the run short)",
    )
    parser.add_argument("--timeout", type=float, default=1.0, help="seconds per page load")
    parser.add_argument(
        "--settle",
        type=float,
        default=2.0,
        help="seconds between connecting the slow clients and the first load",
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.clients.split(",") if n.strip()]
    files = raise_open_file_limit()
    if max(counts) + 64 > files:
        print(f"open-file limit {files} is too low for {max(counts)} slow clients")
        return 1

    work = Path(tempfile.mkdtemp(prefix="slow-clients-bench-"))
    output = work / "output"
    env = {
        **os.environ,
        "COMMENTS_DATABASE_URL": f"sqlite:///{work / 'comments.db'}",
        "COMMENTS_SITE_DIR": str(output),
        "COMMENTS_SECRET_KEY": "benchmark-secret-key-0123456789",
        "COMMENTS_RATE_LIMIT": "off",
        "COMMENTS_FLOOD_SECONDS": "0",
    }
    rows = []
    try:
        pelican_build(ROOT / "content", output, env, "-e", 'SITEURL="http://127.0.0.1:8000"')
        threads = json.loads((output / "comments/threads.json").read_text())["threads"]
        article = "/" + threads[sorted(threads)[0]]["url"]
        for clients in counts:
            for setup in SETUPS:
                loads = args.before_requests if setup.startswith("before") else args.requests
                row = run_one(setup, clients, loads, args, env, article)
                rows.append(row)
                print(
                    f"  {clients:>4} slow clients, {setup}: {row['share']:.0%} "
                    f"in {row['seconds']:.0f} s",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"page loads of {article}, sequential, new connection each, {args.timeout:g} s timeout")
    within = f"<= {args.timeout:g} s"
    head = f"{'slow clients':>12}  {'server':<34} {'loads':>5} {within:>8} {'median ms':>10} "
    print(head + f"{'p99 ms':>8}  slow sockets open")
    for row in rows:
        print(
            f"{row['slow_clients']:>12}  {row['setup']:<34} {row['loads']:>5} "
            f"{row['share']:>8.1%} {ms(row['median_ms']):>10} {ms(row['p99_ms']):>8}  "
            f"{row['slow_sockets_open_at_end']}/{row['slow_clients']}"
            f" ({row['slow_reconnects']} reconnects)"
        )
    target = [r for r in rows if r["slow_clients"] == 50 and r["setup"].startswith("after")]
    if target:
        verdict = "met" if target[0]["share"] >= 0.99 else "NOT met"
        print(f"target (50 slow clients, >= 99 % within 1 s, after): {verdict}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    figures = {"article": article, "timeout_s": args.timeout, "settle_s": args.settle, "rows": rows}
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"saved {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""This comment service beside Isso 0.14: one table, same machine, same load, same invocation.

    python bench/versus_isso/bench.py [--rounds 3] [--duration 4] [--quick]
                                      [--backend sqlite|postgresql|both]
                                      [--set COMMENTS_X=VALUE ...]

Isso 0.14.0 (in its own virtualenv, bench/work/isso-venv, made on first use) and this service
(`comments_api.web.site:create_site_app()`, on SQLite and on PostgreSQL) each run under
`gunicorn -w 2` (sync workers) with rate limits and moderation off and fsync on. wrk
(bench/versus_isso/load.lua) reads a 50- and a 500-comment thread whole at 1, 16 and 64
connections, then posts at 1 and 16 connections on an empty thread and on a thread of 5,000
comments; each server also gives its cold start (gunicorn started to the first 200 of a read)
and its resident memory (master and workers) after the load. The servers take turns, round
after round, each on a fresh copy of the same seeded store. The table shows the medians over
the rounds beside the issue's targets; bench/results/versus_isso.json holds every number.
Needs wrk (`apt-get install wrk`). A missed target is reported, never an error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from comments_api import create_app  # noqa: E402
from comments_api.bake.section import BEGIN, END  # noqa: E402
from comments_api.core.keys import address_hash, avatar_hash  # noqa: E402
from comments_api.core.moderation import PUBLISHED  # noqa: E402
from comments_api.core.rendering import render_body  # noqa: E402
from comments_api.core.validation import validate_comment  # noqa: E402
from comments_api.extensions import get_db  # noqa: E402
from comments_api.store import queries  # noqa: E402
from tests.support import (  # noqa: E402
    SECRET,
    SITE,
    PostgresCluster,
    free_port,
    load_settings,
    pg_bin,
    write_manifest,
)

HERE = Path(__file__).resolve().parent
WORK = ROOT / "bench" / "work"
ISSO_VENV = WORK / "isso-venv"
ISSO_VERSION = "0.14.0"
RESULTS = ROOT / "bench" / "results" / "versus_isso.json"
WORKERS = 2
READS = {"read-50": 50, "read-500": 500}
BIG, BIG_SIZE = "big-5000", 5000
EMPTY = {1: "empty-1", 16: "empty-16"}
# Posted to for a moment before the measured rows, so every worker of every server has its
# connections and first-use work behind it.
WARM_UP = "warm-up"
READ_CONNECTIONS, POST_CONNECTIONS = (1, 16, 64), (1, 16)
# Ours as deploy/ sets it up: the page worker in its own process (comments-pages.service).
PRODUCTION = {"COMMENTS_PAGE_WORKER": "off"}
SERVERS = {"isso": "Isso 0.14", "sqlite": "ours SQLite", "postgresql": "ours PostgreSQL"}
# Seeded comments come from this many readers (Isso caches a hash per email or address).
READERS = 20
# urllib without any proxy from the environment: every request stays on 127.0.0.1.
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# Setting up ---------------------------------------------------------------------------------


def pinned_gunicorn() -> str:
    """Return the gunicorn version requirements.txt pins, for Isso's virtualenv too."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == "gunicorn" and version:
            return version.strip()
    raise SystemExit("requirements.txt pins no gunicorn version")


def isso_python() -> Path:
    """Return the Python of Isso's own virtualenv, made (or mended) when needed."""
    python = ISSO_VENV / "bin" / "python"
    gunicorn = pinned_gunicorn()
    check = (
        "import importlib.metadata as m; "
        f"assert m.version('isso') == {ISSO_VERSION!r}, 'isso'; "
        f"assert m.version('gunicorn') == {gunicorn!r}, 'gunicorn'"
    )
    if (
        python.exists()
        and subprocess.run([python, "-c", check], capture_output=True).returncode == 0
    ):
        return python
    print(f"installing isso=={ISSO_VERSION} and gunicorn=={gunicorn} into {ISSO_VENV}", flush=True)
    if not python.exists():
        base = shutil.which("python3.11") or sys.executable
        subprocess.run([base, "-m", "venv", str(ISSO_VENV)], check=True)
    subprocess.run(
        [python, "-m", "pip", "install", "-q", f"isso=={ISSO_VERSION}", f"gunicorn=={gunicorn}"],
        check=True,
    )
    return python


def seed_comment(thread: str, i: int, secret: str, moment: datetime) -> dict:
    """Return one seeded comment row of ours, made the way commenter.create makes one."""
    reader = i % READERS
    submission, errors = validate_comment(
        {
            "thread": thread,
            "author": f"Reader {reader}",
            "email": f"reader{reader}@example.org",
            "body": f"Seeded comment {i} on {thread}: a *fair* report, well told.",
        }
    )
    if errors:
        raise SystemExit(f"seed comment refused: {errors}")
    email_key = submission["email"].lower()
    return {
        **submission,
        "status": PUBLISHED,
        "email_key": email_key,
        "body_html": render_body(submission["body"]),
        "created": moment + timedelta(seconds=i),
        "modified": None,
        "address_hash": address_hash(secret, f"192.0.2.{reader}"),
        "avatar": avatar_hash(secret, email_key),
    }


def seed_rows() -> list[dict]:
    """Return the seeded comments of ours: the read threads and the 5,000-comment thread."""
    moment = datetime.now(UTC) - timedelta(days=1)
    threads = {**READS, BIG: BIG_SIZE}
    return [seed_comment(t, i, SECRET, moment) for t, size in threads.items() for i in range(size)]


def seed_ours(database_url: str, manifest: Path, rows: list[dict]) -> None:
    """Insert `rows` into our store with the service's own code, in one transaction."""
    app = create_app(load_settings(database_url, manifest))
    try:
        with get_db(app).write() as conn:
            for row in rows:
                queries.insert_comment(conn, row)
    finally:
        get_db(app).dispose()


ISSO_SEED = """
import json, sqlite3, sys, time
from isso import config
from isso.db import SQLite3
from isso.utils import Bloomfilter

conf = config.load(config.default_file(), sys.argv[1])
db = SQLite3(conf.get("general", "dbpath"), conf)  # Isso makes its own schema
counts, readers = json.loads(sys.argv[2]), int(sys.argv[3])
voters = memoryview(Bloomfilter(iterable=["127.0.0.0"]).array)
start = time.time() - 86400
with sqlite3.connect(db.path) as con:
    for uri, size in counts.items():
        tid = con.execute("INSERT INTO threads (uri, title) VALUES (?, ?)", (uri, uri)).lastrowid
        con.executemany(
            "INSERT INTO comments (tid, parent, created, modified, mode, remote_addr, text,"
            " author, email, website, voters, notification)"
            " VALUES (?, NULL, ?, NULL, 1, '127.0.0.0', ?, ?, ?, NULL, ?, 0)",
            [(tid, start + i, f"Seeded comment {i} on {uri}: a *fair* report, well told.",
              f"Reader {i % readers}", f"reader{i % readers}@example.org", voters)
             for i in range(size)])
"""


def isso_config(folder: Path, db: Path) -> Path:
    """Write Isso's settings: an SQLite file, moderation and the guard (rate limits) off."""
    path = folder / "isso.cfg"
    path.write_text(
        "[general]\n"
        f"dbpath = {db}\n"
        f"host = {SITE}\n"
        "[moderation]\nenabled = false\n"
        "[guard]\nenabled = false\n"
        # Ignored under gunicorn, which binds the port.
        "[server]\nlisten = http://127.0.0.1:8080\n"
    )
    return path


def seed_isso(python: Path, folder: Path) -> Path:
    """Return an Isso store holding the same seeded threads as ours."""
    folder = folder.resolve()
    db = folder / "isso.db"
    counts = {f"/{thread}/": size for thread, size in {**READS, BIG: BIG_SIZE}.items()}
    subprocess.run(
        [python, "-c", ISSO_SEED, isso_config(folder, db), json.dumps(counts), str(READERS)],
        check=True,
        cwd=folder,
    )
    return db


def write_site(folder: Path) -> Path:
    """Write the manifest and a page with comment markers per thread; return the manifest.

    With real pages our service's page update (COMMENTS_ON_PUBLISH) does its full work.
    """
    threads = {slug: {"url": f"{slug}.html", "title": slug} for slug in [*READS, BIG]}
    threads |= {slug: {"url": f"{slug}.html", "title": slug} for slug in [*EMPTY.values(), WARM_UP]}
    for slug, entry in threads.items():
        (folder / entry["url"]).parent.mkdir(parents=True, exist_ok=True)
        (folder / entry["url"]).write_text(
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{slug}</title>'
            f"</head><body><main><h1>{slug}</h1>{BEGIN}{END}</main></body></html>\n"
        )
    return write_manifest(folder / "comments" / "threads.json", threads)


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy an SQLite store, its write-ahead log folded in first."""
    with sqlite3.connect(source) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    shutil.copyfile(source, target)


def pg_create(url: str, name: str, template: str | None = None) -> str:
    """Create database `name` in the cluster of `url` (a copy of `template`); return its URL."""
    import psycopg

    base = url.rsplit("/", 1)[0]
    with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return f"{base}/{name}"


# Running a server ---------------------------------------------------------------------------


def process_tree(root: int) -> dict[int, list[str]]:
    """Return {pid: fields of /proc/pid/stat after the name} for `root` and its descendants."""
    stats: dict[int, list[str]] = {}
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(stat.parent.name)
        stats[pid] = fields
        children.setdefault(int(fields[1]), []).append(pid)
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            tree[pid] = stats[pid]
        todo.extend(children.get(pid, []))
    return tree


def tree_rss_kib(root: int) -> int:
    """Return the summed VmRSS of `root` and all its descendants, in KiB."""
    total = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def tree_cpu_seconds(root: int) -> float:
    """Return the CPU time (user + system) `root` and its descendants have used so far."""
    ticks = sum(int(f[11]) + int(f[12]) for f in process_tree(root).values())
    return ticks / os.sysconf("SC_CLK_TCK")


class OtherWork:
    """Measures the CPU time the machine spent on anything but this benchmark.

    Sampled between two servers' turns, when every gunicorn and wrk of ours has been waited
    for, so their time is in this process's children's usage; the PostgreSQL cluster is
    not our child and is counted from its process tree.
    """

    def __init__(self) -> None:
        self.postgres: Path | None = None  # the cluster's data folder, once started

    def sample(self) -> tuple[float, float, float]:
        """Return (now, the machine's busy CPU seconds, this benchmark's CPU seconds)."""
        ticks = os.sysconf("SC_CLK_TCK")
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:9]]
        busy = (sum(fields) - fields[3] - fields[4]) / ticks  # all but idle and iowait
        ours = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            usage = resource.getrusage(who)
            ours += usage.ru_utime + usage.ru_stime
        if self.postgres is not None:
            try:
                root = int((self.postgres / "postmaster.pid").read_text().split()[0])
                # A backend that ended left its time in the postmaster's children's fields.
                tree = process_tree(root).values()
                ours += sum(sum(int(x) for x in f[11:15]) for f in tree) / ticks
            except (OSError, ValueError, IndexError):
                pass
        return time.monotonic(), busy, ours

    @staticmethod
    def share(before: tuple, after: tuple) -> float:
        """Return the share of all cores that other processes used between two samples."""
        elapsed = (after[0] - before[0]) * (os.cpu_count() or 1)
        return max(0.0, (after[1] - before[1]) - (after[2] - before[2])) / elapsed


class Server:
    """gunicorn with 2 sync workers in its own process group, on a free port of 127.0.0.1,
    and the companion process the production set-up runs beside it, if any (ours: the page
    worker, `comments-api update-pages`, as deploy/systemd/comments-pages.service runs it)."""

    def __init__(
        self, kind: str, python: Path, app: str, env: dict, cwd: Path, log: Path,
        companion: list[str] | None = None,
    ):  # fmt: skip
        self.kind, self.port = kind, free_port()
        self.companion_argv = companion
        self.companion: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = [str(python), "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                     "--workers", str(WORKERS), "--worker-class", "sync",
                     "--graceful-timeout", "5", "--no-control-socket", app]  # fmt: skip
        self.env, self.cwd, self.log = env, cwd, log
        self.process: subprocess.Popen | None = None

    def read_url(self, thread: str) -> str:
        """Return the address that answers the whole thread (500 at most for ours)."""
        if self.kind == "isso":
            return f"{self.url}/?uri=/{thread}/"
        return f"{self.url}/api/threads/{thread}/comments?limit=500"

    def post_url(self, thread: str) -> str:
        """Return the address a new comment on `thread` is posted to."""
        if self.kind == "isso":
            return f"{self.url}/new?uri=/{thread}/"
        return f"{self.url}/api/comments"

    def idle_url(self) -> str:
        """Return a cheap address whose quick answer shows the server is idle."""
        return f"{self.url}/info" if self.kind == "isso" else f"{self.url}/api/health"

    def settle(self, limit: float = 300) -> float:
        """Wait until the requests a load run left queued are served; return the seconds.

        Sync workers serve every request they accepted, even once wrk has hung up, so the
        next row would otherwise start behind that queue. Idle: two quick answers in a row.
        """
        started, quick = time.perf_counter(), 0
        while quick < 2:
            asked = time.perf_counter()
            try:
                with LOCAL.open(self.idle_url(), timeout=limit) as answer:
                    answer.read()
            except OSError:
                pass
            quick = quick + 1 if time.perf_counter() - asked < 0.25 else 0
            if time.perf_counter() - started > limit:
                raise SystemExit(f"{self.kind}: still busy {limit:.0f} s after a load run")
        return time.perf_counter() - started

    def start(self) -> float:
        """Start gunicorn; return the milliseconds to the first 200 of a thread read."""
        probe = self.read_url(next(iter(READS)))
        with open(self.log, "ab") as log:
            started = time.perf_counter()
            self.process = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip
            if self.companion_argv:
                self.companion = subprocess.Popen(
                    self.companion_argv, cwd=self.cwd, env=self.env, stdout=log, stderr=log,
                    start_new_session=True,
                )  # fmt: skip
        deadline = started + 60
        while True:
            try:
                with LOCAL.open(probe, timeout=2) as answer:
                    if answer.status == 200:
                        return (time.perf_counter() - started) * 1000
            except OSError:
                pass
            if self.process.poll() is not None or time.perf_counter() > deadline:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise SystemExit(f"{self.kind}: gunicorn gave no 200 on {probe}:\n{tail}")
            time.sleep(0.005)

    def _roots(self) -> list[int]:
        return [p.pid for p in (self.process, self.companion) if p is not None]

    def cpu_seconds(self) -> float:
        """Return the CPU time the master, its workers and the companion have used so far."""
        return sum(tree_cpu_seconds(pid) for pid in self._roots())

    def rss_mib(self) -> float:
        """Return the resident memory of the master, its workers and the companion, in MiB."""
        return sum(tree_rss_kib(pid) for pid in self._roots()) / 1024

    def stop(self) -> None:
        """End the process groups this server started, and only those."""
        for process in (self.process, self.companion):
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
            except ProcessLookupError:
                pass


def run_wrk(server: Server, url: str, connections: int, seconds: int, *script_args: str) -> dict:
    """Load `url` with wrk for `seconds`; return its numbers plus rate, errors and the
    server's CPU time per answer (page updates in the background included)."""
    cpu = server.cpu_seconds()
    argv = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s",
            "--timeout", "10s", "-s", "load.lua", url, "--", *script_args]  # fmt: skip
    done = subprocess.run(argv, cwd=HERE, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if done.returncode or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    cpu = server.cpu_seconds() - cpu
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        **raw,
        "rate": (raw["requests"] - raw["non2xx"]) / (raw["duration_us"] / 1e6),
        "p50": raw["p50_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "errors": raw["non2xx"] + socket_errors,
        "server_cpu_seconds": cpu,
        "cpu_ms_per_answer": cpu * 1000 / raw["requests"] if raw["requests"] else None,
    }


def ratio_entry(empty: dict, big: dict) -> dict:
    """Return the post rate on the 5,000-comment thread over the rate on the empty one."""
    value = big["rate"] / empty["rate"] if empty["rate"] else None
    return {"value": value, "answers": 1, "errors": empty["errors"] + big["errors"]}


def log_problems(log: Path) -> dict:
    """Count the worrying lines of a gunicorn log, with a few examples."""
    pattern = re.compile(r"Traceback|\bERROR\b|CRITICAL|WORKER TIMEOUT|\bWARNING\b|locked")
    lines = [x for x in log.read_text(errors="replace").splitlines() if pattern.search(x)]
    stamp = re.compile(r"^\[?\d{4}-\d\d-\d\d [\d:,.]+(?: [+-]\d{4}\])?:? *")
    examples = list(dict.fromkeys(stamp.sub("", x)[:300] for x in lines))[:5]
    return {"lines": len(lines), "examples": examples}


class PageProbe:
    """Counts our threads whose static page is behind their comments (queries.stale_pages)."""

    def __init__(self, database_url: str, manifest: Path) -> None:
        self.app = create_app(load_settings(database_url, manifest))

    def stale(self) -> int | None:
        """Return how many pages are stale now (None: this version keeps no such record)."""
        if not hasattr(queries, "stale_pages"):
            return None
        with get_db(self.app).read() as conn:
            return len(queries.stale_pages(conn))

    def wait_fresh(self, limit: float = 120) -> float | None:
        """Return the seconds until every page is fresh (None: not within `limit`, or this
        version keeps no record of stale pages)."""
        if self.stale() is None:
            return None
        started = time.perf_counter()
        while self.stale():
            if time.perf_counter() - started > limit:
                return None
            time.sleep(0.05)
        return time.perf_counter() - started

    def close(self) -> None:
        """Close the probe's connections."""
        get_db(self.app).dispose()


def measure(server: Server, seconds: int, nonce: str, pages: PageProbe | None) -> dict:
    """Start `server`, load it row by row, note its memory, stop it; return the numbers.

    Posts come first and the heaviest read last, so no row starts behind the queue of
    another (see Server.settle); our pages are brought up to date before the reads.
    """
    post_mode = "post-isso" if server.kind == "isso" else "post-ours"
    result: dict = {}
    try:
        result["cold_start_ms"] = server.start()
        run_wrk(server, server.post_url(WARM_UP), 2 * WORKERS, 1, post_mode, WARM_UP, nonce)
        server.settle()
        for label, threads in (("empty", EMPTY), (str(BIG_SIZE), dict.fromkeys(EMPTY, BIG))):
            for c in POST_CONNECTIONS:
                # Unique per run too: wrk's counters start again at 1 on every run.
                unique = f"{nonce}{label}c{c}"
                url = server.post_url(threads[c])
                numbers = run_wrk(server, url, c, seconds, post_mode, threads[c], unique)
                numbers["settle_seconds"] = server.settle()
                result[f"post {label} c{c}"] = numbers
        if pages is not None:
            result["stale_pages_after_posts"] = pages.stale()
            result["pages_fresh_seconds"] = pages.wait_fresh()
        for thread in READS:  # fill each worker's caches before timing
            for _ in range(2 * WORKERS):
                with LOCAL.open(server.read_url(thread), timeout=60) as answer:
                    answer.read()
        last = (list(READS)[-1], READ_CONNECTIONS[-1])
        for thread, size in READS.items():
            for c in READ_CONNECTIONS:
                numbers = run_wrk(server, server.read_url(thread), c, seconds, "read")
                if (thread, c) != last:  # the queue of the last run dies with the server
                    numbers["settle_seconds"] = server.settle()
                result[f"read {size} c{c}"] = numbers
        result["rss_mib"] = server.rss_mib()
    finally:
        server.stop()
        if pages is not None:
            pages.close()
    result["log"] = log_problems(server.log)
    return result


# The table ----------------------------------------------------------------------------------


def medians(rounds: list[dict], kind: str) -> dict:
    """Return the median of each number of `kind` over the rounds, errors summed."""
    runs = [r[kind] for r in rounds if kind in r]
    if not runs:
        return {}
    out: dict = {
        "cold_start_ms": statistics.median(r["cold_start_ms"] for r in runs),
        "rss_mib": statistics.median(r["rss_mib"] for r in runs),
    }
    for key, first in runs[0].items():
        if isinstance(first, dict) and "rate" in first:
            statuses: dict[str, int] = {}
            for r in runs:
                for code, count in r[key]["statuses"].items():
                    statuses[code] = statuses.get(code, 0) + count
                for name in ("connect", "read", "write", "timeout"):
                    if r[key][name]:
                        statuses[name] = statuses.get(name, 0) + r[key][name]
            # A run in which no answer came back has no latency to count.
            answered = [r[key] for r in runs if r[key]["requests"]]
            out[key] = {
                "rate": statistics.median(r[key]["rate"] for r in runs),
                **{
                    name: statistics.median(a[name] for a in answered) if answered else None
                    for name in ("p50", "p99", "cpu_ms_per_answer")
                },
                "answers": sum(r[key]["requests"] for r in runs),
                "errors": sum(r[key]["errors"] for r in runs),
            }
            out[key]["statuses"] = statuses
    for c in POST_CONNECTIONS:
        out[f"post ratio c{c}"] = ratio_entry(out[f"post empty c{c}"], out[f"post {BIG_SIZE} c{c}"])
    return out


READ_TARGETS = (
    ("≥ 10× Isso", lambda ours, isso: ours >= 10 * isso),
    ("< 50 ms", lambda o, i: o < 50),
)
POST_TARGETS = (("≥ Isso", lambda ours, isso: ours >= isso), ("< 10 ms", lambda o, i: o < 10))
NO_TARGET = ("", None)


def rows() -> list[tuple]:
    """Return (label, key, field, unit, target text, target test) for every table row.

    The issue's targets: reads at 64 connections ≥ 10× Isso's rate with p99 < 50 ms, posts
    at least Isso's rate with p50 < 10 ms at 1 connection (fsync on), and the post rate on
    a 5,000-comment thread ≥ 0.8× the rate on an empty one.
    """
    out = []
    for size in READS.values():
        for c in READ_CONNECTIONS:
            key, what = f"read {size} c{c}", f"read {size} comments, {c} conn"
            rate, p99 = READ_TARGETS if c == max(READ_CONNECTIONS) else (NO_TARGET, NO_TARGET)
            out.append((f"{what}: req/s", key, "rate", "", *rate))
            out.append((f"{what}: p50", key, "p50", " ms", *NO_TARGET))
            out.append((f"{what}: p99", key, "p99", " ms", *p99))
    for label, thread in (("empty", "empty thread"), (str(BIG_SIZE), "5,000-comment thread")):
        for c in POST_CONNECTIONS:
            key, what = f"post {label} c{c}", f"post, {thread}, {c} conn"
            rate, p50 = POST_TARGETS[0], POST_TARGETS[1] if c == 1 else NO_TARGET
            out.append((f"{what}: req/s", key, "rate", "", *rate))
            out.append((f"{what}: p50", key, "p50", " ms", *p50))
            out.append((f"{what}: p99", key, "p99", " ms", *NO_TARGET))
    for c in POST_CONNECTIONS:
        target = ("≥ 0.8×", lambda ours, _isso: ours >= 0.8)
        out.append(
            (f"post rate 5,000 ÷ empty, {c} conn", f"post ratio c{c}", "value", "×", *target)
        )
    out.append(("cold start to first answer", "cold_start_ms", None, " ms", *NO_TARGET))
    out.append(("resident memory after load", "rss_mib", None, " MiB", *NO_TARGET))
    return out


def cell(numbers: dict, key: str, field: str | None, unit: str) -> tuple[float | None, str]:
    """Return a value and its text; a measurement with errors says how many."""
    if key not in numbers:
        return None, "n/a"
    entry = numbers[key]
    value = entry if field is None else entry[field]
    if value is None:
        return None, "no answer"
    digits = 2 if unit == "×" else 1
    text = f"{value:,.{digits}f}{unit}"
    if field == "rate" and not entry["answers"]:
        text += " (no answer came back)"
    if field == "rate" and entry["errors"]:
        codes = ", ".join(f"{code}×{count}" for code, count in sorted(entry["statuses"].items()))
        text += f" ⚠ {entry['errors']} errors ({codes})"
    elif field == "value" and entry["errors"]:
        text += " ⚠ errors"
    return value, text


def table(summary: dict, kinds: list[str]) -> tuple[str, list[dict]]:
    """Return the markdown table and the target verdicts."""
    ours = [k for k in ("sqlite", "postgresql") if k in kinds]
    head = ["measurement", SERVERS["isso"]]
    for kind in ("sqlite", "postgresql"):
        head += [SERVERS[kind], "ratio"]
    head.append("target")
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    verdicts = []
    for label, key, field, unit, target, test in rows():
        isso_value, isso_text = cell(summary.get("isso", {}), key, field, unit)
        line = [label, isso_text]
        met = []
        for kind in ("sqlite", "postgresql"):
            value, text = cell(summary.get(kind, {}), key, field, unit)
            ratio = "—"
            if value is not None and isso_value and field != "value":
                ratio = f"{value / isso_value:.2f}×"
            line += [text, ratio]
            if test and kind in ours:
                errors = isinstance(summary[kind][key], dict) and summary[kind][key]["errors"]
                ok = value is not None and bool(test(value, isso_value or 0)) and not errors
                verdict = "met" if ok else ("not met (errors)" if errors else "not met")
                met.append(f"{SERVERS[kind].removeprefix('ours ')} {verdict}")
                verdicts.append({"row": label, "store": kind, "target": target, "met": ok})
        line.append(f"{target}: {', '.join(met)}" if target else "")
        lines.append("| " + " | ".join(line) + " |")
    return "\n".join(lines), verdicts


# The run ------------------------------------------------------------------------------------


class Stores:
    """The seeded stores, and a fresh copy of one for each server of each round."""

    def __init__(self, work: Path, python: Path, kinds: list[str], settings: dict) -> None:
        self.work, self.python, self.settings = work, python, settings
        self.seeds = work / "seed"
        (self.seeds / "site").mkdir(parents=True)
        manifest = write_site(self.seeds / "site")
        self.seconds: dict[str, float] = {}
        started = time.perf_counter()
        self.isso = seed_isso(python, self.seeds)
        self.seconds["isso"] = time.perf_counter() - started
        started = time.perf_counter()
        rows = seed_rows()
        seed_ours(f"sqlite:///{self.seeds / 'ours.db'}", manifest, rows)
        self.seconds["sqlite"] = time.perf_counter() - started
        self.cluster = self.pg_url = self.data = None
        if "postgresql" in kinds:
            self.cluster = PostgresCluster(durable=True)
            self.pg_url = self.cluster.__enter__()
            self.data = self.cluster.root / "data"
            started = time.perf_counter()
            seed_ours(pg_create(self.pg_url, "seed"), manifest, rows)
            self.seconds["postgresql"] = time.perf_counter() - started

    def close(self) -> None:
        """Stop the PostgreSQL cluster, if one was started."""
        if self.cluster is not None:
            self.cluster.__exit__(None, None, None)
            self.cluster = None

    def server(self, kind: str, r: int, log: Path) -> tuple[Server, PageProbe | None]:
        """Return the server of `kind` for round `r` on a fresh copy of its seeded store."""
        folder = self.work / f"round{r}" / kind
        (folder / "site").mkdir(parents=True)
        if kind == "isso":
            shutil.copyfile(self.isso, folder / "isso.db")
            env = {**base_env(), "ISSO_SETTINGS": str(isso_config(folder, folder / "isso.db"))}
            return Server(kind, self.python, "isso.run:application", env, folder, log), None
        if kind == "sqlite":
            copy_sqlite(self.seeds / "ours.db", folder / "ours.db")
            url = f"sqlite:///{folder / 'ours.db'}"
        else:
            url = pg_create(self.pg_url, f"round{r}", template="seed")
        manifest = write_site(folder / "site")
        env = {**base_env(), **load_settings(url, manifest), **PRODUCTION, **self.settings}
        app = "comments_api.web.site:create_site_app()"
        # The page worker runs as the production set-up runs it: its own process, unless a
        # --set COMMENTS_PAGE_WORKER=thread puts it back into the service's workers.
        companion = [str(Path(sys.executable).parent / "comments-api"), "update-pages"]
        if env["COMMENTS_PAGE_WORKER"] != "off":
            companion = None
        server = Server(kind, Path(sys.executable), app, env, ROOT, log, companion)
        return server, PageProbe(url, manifest)


def base_env() -> dict[str, str]:
    """Return this process's environment without any COMMENTS_ or ISSO_ setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("COMMENTS_", "ISSO_"))}


def main() -> None:
    """Seed the stores, take the rounds, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s runs")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="COMMENTS_X=VALUE",
        help="a setting of our service for this run (repeatable), e.g. COMMENTS_PAGE_WORKER=thread",
    )
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)
    if any(not name.startswith("COMMENTS_") for name in settings):
        parser.error("--set takes COMMENTS_NAME=VALUE")
    if args.quick:
        args.rounds, args.duration = 1, 2
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        raise SystemExit(1)
    began = time.perf_counter()
    kinds = ["isso", "sqlite", "postgresql"] if args.backend == "both" else ["isso", args.backend]
    if "postgresql" in kinds and pg_bin() is None:
        print("PostgreSQL is not installed; measuring SQLite only")
        kinds.remove("postgresql")
    python = isso_python()
    logs = WORK / "versus_isso-logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    rounds: list[dict] = []
    other = OtherWork()
    with tempfile.TemporaryDirectory(prefix="versus_isso-", dir=WORK) as tmp:
        stores = Stores(Path(tmp), python, kinds, settings)
        other.postgres = stores.data
        try:
            for r in range(args.rounds):
                numbers: dict = {}
                for kind in kinds:
                    print(f"round {r + 1}/{args.rounds}: {SERVERS[kind]} ...", flush=True)
                    server, pages = stores.server(kind, r, logs / f"round{r + 1}-{kind}.log")
                    nonce = f"{r}{kind[0]}{int(time.time())}"
                    before = other.sample()
                    numbers[kind] = measure(server, args.duration, nonce, pages)
                    numbers[kind]["other_cpu_share"] = other.share(before, other.sample())
                rounds.append(numbers)
        finally:
            stores.close()
    summary = {kind: medians(rounds, kind) for kind in kinds}
    text, verdicts = table(summary, kinds)
    wall = time.perf_counter() - began
    print()
    print(
        f"Isso {ISSO_VERSION} beside this service, gunicorn -w {WORKERS} (sync) each, fsync on; "
        f"medians of {args.rounds} round(s) of {args.duration} s wrk runs; ratio = ours ÷ Isso; "
        "a read answers the whole thread"
    )
    print()
    print(text)
    print()
    met = sum(v["met"] for v in verdicts)
    print(f"targets met: {met} of {len(verdicts)}; the run took {wall:.0f} s; logs in {logs}")
    shares = [r[k]["other_cpu_share"] for r in rounds for k in kinds]
    print(
        f"other processes used {statistics.median(shares):.0%} of the machine's "
        f"{os.cpu_count()} cores during a server's turn (median; at most {max(shares):.0%})"
        + ("; the numbers are noisy" if max(shares) > 0.05 else "")
    )
    for kind in kinds:
        fresh = [r[kind].get("pages_fresh_seconds", 0) for r in rounds]
        if kind != "isso" and fresh:
            shown = ", ".join("unknown" if f is None else f"{f:.1f} s" for f in fresh)
            print(f"{SERVERS[kind]}: pages fresh after the posts in {shown}")
        problems = sum(r[kind]["log"]["lines"] for r in rounds)
        if problems:
            example = next(e for r in rounds for e in r[kind]["log"]["examples"])
            print(f"{SERVERS[kind]}: {problems} warning/error log lines, e.g. {example}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "args": vars(args),
                "versions": {"isso": ISSO_VERSION, "gunicorn": pinned_gunicorn()},
                "wall_seconds": round(wall, 1),
                "seed_seconds": stores.seconds,
                "medians": summary,
                "targets": verdicts,
                "rounds": rounds,
                "table": text,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

"""Comment service under load: many client processes posting to gunicorn workers, then reading.

    python bench/comments/bench.py [--clients 16] [--per-client 500] [--workers 4]
                                   [--backend sqlite|postgresql|both]

For each store it starts `gunicorn 'comments_api.web.site:create_site_app()'` with the limits
turned off, has every client process post its comments (one in four as a browser form), checks
that every acknowledged comment is stored exactly once with the content its answer described,
then times page reads of the thread list (full answers and 304 revalidations). Medians and
percentiles are printed and written to bench/results/comments.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from comments_api import create_app  # noqa: E402
from comments_api.extensions import get_db  # noqa: E402
from comments_api.store import queries  # noqa: E402
from tests.support import (  # noqa: E402
    THREAD,
    Gunicorn,
    PostgresCluster,
    load_settings,
    pg_bin,
    post_burst,
    write_manifest,
)


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the sorted values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def read_burst(base: str, requests: int) -> list[float]:
    """Fetch the first page of a thread `requests` times, half revalidated; return ms each."""
    url = f"{base}/api/threads/{THREAD}/comments?limit=100"
    etag, times = None, []
    for i in range(requests):
        headers = {"If-None-Match": etag} if etag and i % 2 else {}
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
                answer.read()
                etag = answer.headers["ETag"]
        except urllib.error.HTTPError as error:
            if error.code != 304:
                raise
        times.append((time.perf_counter() - started) * 1000)
    return times


def verify(settings: dict, results: list[dict]) -> None:
    """Fail loudly unless every acknowledged comment is stored once, as answered."""
    statuses = Counter(r["status"] for r in results)
    bad = [r for r in results if r["status"] not in (201, 303)]
    if bad:
        raise SystemExit(f"failed posts: {statuses} e.g. {bad[:2]}")
    ids = [r["id"] for r in results]
    if None in ids or len(set(ids)) != len(ids):
        raise SystemExit("answers without an id, or two answers naming one comment")
    app = create_app(settings)
    with get_db(app).read() as conn:
        rows = {row["id"]: row for row in queries.list_comments(conn)}
    get_db(app).dispose()
    if len(rows) != len(results):
        raise SystemExit(f"{len(rows)} stored for {len(results)} acknowledged")
    for r in results:
        row = rows[r["id"]]
        if (row["author"], row["body"]) != (r["sent"]["author"], r["sent"]["body"]):
            raise SystemExit(f"comment {r['id']} does not hold what its answer described")


def run(backend: str, url: str, args: argparse.Namespace, work: Path) -> dict:
    """Load one store and return its numbers."""
    manifest = write_manifest(work / backend / "output" / "comments" / "threads.json")
    settings = load_settings(url, manifest)
    with Gunicorn(settings, workers=args.workers, log=work / f"{backend}.log") as server:
        jobs = [(server.url, c, args.per_client) for c in range(args.clients)]
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
            results = [r for batch in pool.starmap(post_burst, jobs) for r in batch]
        post_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
            reads = pool.starmap(read_burst, [(server.url, args.reads)] * args.clients)
        read_seconds = time.perf_counter() - started
    verify(settings, results)
    post_ms = [r["ms"] for r in results]
    read_ms = [t for batch in reads for t in batch]
    return {
        "backend": backend,
        "comments": len(results),
        "posts_per_second": round(len(results) / post_seconds, 1),
        "post_ms_median": round(statistics.median(post_ms), 1),
        "post_ms_p90": round(percentile(post_ms, 0.90), 1),
        "post_ms_p99": round(percentile(post_ms, 0.99), 1),
        "reads_per_second": round(len(read_ms) / read_seconds, 1),
        "read_ms_median": round(statistics.median(read_ms), 1),
        "read_ms_p99": round(percentile(read_ms, 0.99), 1),
    }


def main() -> None:
    """Run the benchmark and print one line per store."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reads", type=int, default=200, help="page reads per client")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and pg_bin() is None:
        print("PostgreSQL is not installed; measuring SQLite only")
        backends.remove("postgresql")
    numbers = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for backend in backends:
            if backend == "sqlite":
                numbers.append(run(backend, f"sqlite:///{work / 'load.db'}", args, work))
            else:
                with PostgresCluster(durable=True) as url:
                    numbers.append(run(backend, url, args, work))
            n = numbers[-1]
            print(
                f"{backend:10} {n['comments']} comments, {args.clients} clients, {args.workers} "
                f"workers: {n['posts_per_second']}/s, post median {n['post_ms_median']} ms, "
                f"p90 {n['post_ms_p90']} ms, p99 {n['post_ms_p99']} ms; reads "
                f"{n['reads_per_second']}/s, median {n['read_ms_median']} ms, "
                f"p99 {n['read_ms_p99']} ms; all stored once"
            )
    out = ROOT / "bench" / "results" / "comments.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "results": numbers}, indent=2))


if __name__ == "__main__":
    main()

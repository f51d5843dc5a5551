"""Several gunicorn workers, 8 client processes, 2,000 comments: none lost, doubled or mixed up."""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections import Counter

import pytest

from comments_api import create_app
from comments_api.core.rendering import render_body
from comments_api.core.tokens import check_token
from comments_api.extensions import get_db
from comments_api.store import queries
from tests.support import SECRET, Gunicorn, load_settings, post_burst

CLIENTS, PER_CLIENT, WORKERS = 8, 250, 4


def run_load(base: str) -> tuple[list[dict], float]:
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
        batches = pool.starmap(post_burst, [(base, c, PER_CLIENT) for c in range(CLIENTS)])
    return [r for batch in batches for r in batch], time.perf_counter() - started


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_concurrent_posts_from_many_processes_are_all_stored_once(
    backend, tmp_path, manifest, request
):
    url = (
        f"sqlite:///{tmp_path / 'load.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    settings = load_settings(url, manifest)
    log = tmp_path / "gunicorn.log"
    with Gunicorn(settings, workers=WORKERS, log=log) as server:
        results, seconds = run_load(server.url)

    statuses = Counter(r["status"] for r in results)
    failures = [r for r in results if r["status"] not in (201, 303)]
    assert not failures, (statuses, failures[:3], log.read_text()[-2000:])
    assert len(results) == CLIENTS * PER_CLIENT
    ids = [r["id"] for r in results]
    assert None not in ids
    assert len(set(ids)) == len(ids), "two answers named the same comment"

    app = create_app({**settings, "COMMENTS_MANIFEST": manifest})
    with get_db(app).read() as conn:
        rows = {row["id"]: row for row in queries.list_comments(conn)}
    get_db(app).dispose()
    assert len(rows) == len(results), "stored comments differ from acknowledged ones"
    for result in results:
        row, sent = rows[result["id"]], result["sent"]
        assert (row["thread"], row["author"], row["email"], row["body"]) == (
            sent["thread"], sent["author"], sent["email"], sent["body"],
        )  # fmt: skip
        if not result["form"]:
            answer = result["answer"]
            assert answer["author"] == sent["author"]
            assert answer["body_html"] == render_body(sent["body"])
            check_token(
                SECRET, answer["edit_token"], answer["id"], row["created"], 900, row["created"]
            )
    latencies = sorted(r["ms"] for r in results)
    print(
        f"\n{backend}: {len(results)} comments from {CLIENTS} processes to {WORKERS} workers "
        f"in {seconds:.1f} s ({len(results) / seconds:.0f}/s), median "
        f"{statistics.median(latencies):.1f} ms, p99 {latencies[int(len(latencies) * 0.99)]:.1f} ms"
    )

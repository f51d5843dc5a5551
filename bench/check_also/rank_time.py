"""Time the plugin's ranking alone on n articles; print JSON (run in a fresh process).

Usage: python rank_time.py N [REPEATS]   (N = 2225 uses the BBC articles themselves)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import load_bbc, synthetic  # noqa: E402
from memory import peak_mib  # noqa: E402
from pelican.plugins.check_also.ranking import Doc, Params, rank_related  # noqa: E402
from pelican.plugins.check_also.text import Tokeniser  # noqa: E402


def main() -> None:
    """Tokenise, then rank the corpus REPEATS times; report medians and peak memory."""
    n = int(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rows = load_bbc() if n == 2225 else synthetic(n)
    started = time.perf_counter()
    flat = Tokeniser().vectors([text for r in rows for text in (r["title"], r["body"])])
    vectors = list(zip(flat[0::2], flat[1::2], strict=True))
    del flat
    tokenise = time.perf_counter() - started
    docs = [
        Doc(
            key=r["id"],
            slug=r["id"],
            title=t,
            body=b,
            category="News",
            tags=tuple(r.get("tags") or ()),
            timestamp=r["date"].timestamp() if r.get("date") else 0.0,
        )
        for r, (t, b) in zip(rows, vectors, strict=True)
    ]
    del vectors
    before = peak_mib()
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        choices = rank_related(docs, Params())
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    picks = [c.best for c in choices if c.best is not None]
    counts: dict[int, int] = {}
    for p in picks:
        counts[p] = counts.get(p, 0) + 1
    print(
        json.dumps(
            {
                "n": n,
                "tokenise_s": tokenise,
                "rank_wall_s": statistics.median(walls),
                "rank_cpu_s": statistics.median(cpus),
                "peak_mb_before_rank": before,
                "peak_mb": peak_mib(),
                "max_concentration": max(counts.values()) / n if counts else 0.0,
            }
        )
    )


if __name__ == "__main__":
    main()

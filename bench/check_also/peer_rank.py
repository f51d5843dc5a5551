"""Time a peer plugin's ranking handler alone on n synthetic articles; print JSON.

Usage: bench/.venv-peers/bin/python peer_rank.py related_posts|similar_posts N
Runs in the peer plugins' environment; the handler gets a stand-in generator.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import load_bbc, synthetic  # noqa: E402
from memory import peak_mib  # noqa: E402


class Tag(str):
    """A tag as the peer plugins read it: hashable, with a name."""

    @property
    def name(self) -> str:
        """Return the tag's text."""
        return str(self)


class Article:
    """The few article attributes the peer plugins read."""

    def __init__(self, row: dict):
        self.slug = row["id"]
        self.source_path = row["id"] + ".md"
        self.date = row["date"]
        self.category = "News"
        self.tags = [Tag(t) for t in row["tags"]]


class Generator:
    """The few generator attributes the peer plugins read."""

    def __init__(self, articles: list[Article]):
        self.settings: dict = {}
        self.articles = articles
        self.drafts: list = []
        self.tags: dict = defaultdict(list)
        for article in articles:
            for tag in article.tags:
                self.tags[tag].append(article)


def main() -> None:
    """Run the handler once on the stand-in generator and report time and memory."""
    name, n = sys.argv[1], int(sys.argv[2])
    module = importlib.import_module(f"pelican.plugins.{name}.{name}")
    handler = getattr(module, "add_" + name)
    rows = synthetic(n, rows=load_bbc())
    generator = Generator([Article(r) for r in rows])
    before = peak_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    handler(generator)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    attribute = name
    picked = sum(1 for a in generator.articles if getattr(a, attribute, None))
    print(
        json.dumps(
            {
                "n": n,
                "rank_wall_s": wall,
                "rank_cpu_s": cpu,
                "peak_mb_before_rank": before,
                "peak_mb": peak_mib(),
                "pages_with_pick": picked,
            }
        )
    )


if __name__ == "__main__":
    main()

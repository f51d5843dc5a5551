"""Whole-build wall and CPU time of the sample site and of a generated 1,000-article site.

    python bench/build_times.py [--runs 3] [--articles 1000]

Each build runs `pelican` in a fresh process with the project's settings, theme and plugins
(no cache), into a temporary folder; the median of the runs is printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from common import pelican_build  # noqa: E402
from generate import generate  # noqa: E402


def measure(name: str, content: Path, runs: int) -> None:
    """Print the median wall and CPU time of `runs` builds of `content`."""
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            wall, cpu = pelican_build(content, Path(tmp) / "out")
            walls.append(wall)
            cpus.append(cpu)
    pages = sum(1 for _ in content.rglob("*.md"))
    print(
        f"{name:24} {pages:6d} sources  wall median {statistics.median(walls):6.2f} s"
        f"  (min {min(walls):.2f}, max {max(walls):.2f})"
        f"  cpu median {statistics.median(cpus):6.2f} s"
    )


def main() -> None:
    """Run the build-time benchmark."""
    parser = argparse.ArgumentParser(description="Build times of the sample and a large site.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    measure("sample site", ROOT / "content", args.runs)
    generated = generate(ROOT / "bench/work" / f"site-{args.articles}", args.articles)
    measure(f"generated {args.articles}-article", generated, args.runs)


if __name__ == "__main__":
    main()

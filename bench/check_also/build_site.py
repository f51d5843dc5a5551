"""Run one Pelican build with the project's settings and report its CPU time as JSON.

Usage: python build_site.py '<json settings overrides>'
Runs under the project's environment or the peer plugins' one.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from pathlib import Path

from memory import peak_mib

ROOT = Path(__file__).resolve().parents[2]
MARKS: dict[str, float] = {}


def cpu() -> float:
    """Return this process's CPU seconds so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def mark(name: str):
    """Return a signal receiver that notes the CPU time when the signal fires."""

    def receive(*args, **kwargs) -> None:
        MARKS.setdefault(name, cpu())

    return receive


def phases(marks: dict[str, float]) -> dict[str, float]:
    """Return the CPU seconds of each phase between consecutive marks."""
    names = list(marks)
    return {b: round(marks[b] - marks[a], 3) for a, b in zip(names[:-1], names[1:], strict=True)}


def main() -> None:
    """Build once and print cpu seconds, wall seconds and peak memory."""
    started = time.perf_counter()
    overrides = json.loads(sys.argv[1])
    logging.basicConfig(level=logging.WARNING)
    from pelican import Pelican, signals
    from pelican.settings import read_settings

    settings = read_settings(str(ROOT / "pelicanconf.py"), override=overrides)
    MARKS["start"] = cpu()
    pelican = Pelican(settings)  # loads the plugins
    MARKS["plugins loaded"] = cpu()
    # Where the CPU goes: reading, what runs once articles are read (the check_also ranking
    # among it), then writing the pages. Receivers are held strongly: they are closures.
    signals.article_generator_pretaxonomy.connect(mark("articles read"), weak=False)
    signals.all_generators_finalized.connect(mark("generators finalized"), weak=False)
    pelican.run()
    MARKS["pages written"] = cpu()
    print(
        json.dumps(
            {
                "cpu": cpu(),
                "wall": time.perf_counter() - started,
                "peak_mb": peak_mib(),
                "phases": phases(MARKS),
            }
        )
    )


if __name__ == "__main__":
    main()

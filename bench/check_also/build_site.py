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


def main() -> None:
    """Build once and print cpu seconds, wall seconds and peak memory."""
    started = time.perf_counter()
    overrides = json.loads(sys.argv[1])
    logging.basicConfig(level=logging.WARNING)
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(str(ROOT / "pelicanconf.py"), override=overrides)
    Pelican(settings).run()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "cpu": usage.ru_utime + usage.ru_stime,
                "wall": time.perf_counter() - started,
                "peak_mb": peak_mib(),
            }
        )
    )


if __name__ == "__main__":
    main()

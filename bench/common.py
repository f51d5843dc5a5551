"""What the benchmarks share: building a content folder with the project's settings."""

from __future__ import annotations

import os
import resource
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pelican_build(content: Path, output: Path, env: dict | None = None, *extra: str):
    """Build `content` into `output` in a child process; return (wall seconds, CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [
            str(ROOT / ".venv/bin/pelican"),
            str(content),
            "-s",
            "pelicanconf.py",
            "-o",
            str(output),
            "-q",
            "--delete-output-directory",
            *extra,
        ],
        cwd=ROOT,
        check=True,
        env=env or {**os.environ, "COMMENTS_DATABASE_URL": f"sqlite:///{output.parent}/none.db"},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

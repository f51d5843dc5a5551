"""Rendered images kept by the hash of what made them, and copied into the output.

A rebuild with the same inputs finds every image in the cache and renders none; the output
copy is left alone when it is already there, so its file (and its modification time) stays.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

# Names the plugin writes in its output folder: anything else there is left alone.
OWN_NAME = re.compile(r"^[\w.-]+-\d+x\d+-[0-9a-f]{12}\.(png|jpg)$")


class RenderCounter:
    """How many images were rendered (not found in the cache) since the process started."""

    count = 0


def image_key(*parts: bytes | str | int) -> str:
    """Return the hex digest that names an image made from `parts`."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".share-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def cached_image(cache_dir: Path, key: str, extension: str, render: Callable[[], bytes]) -> Path:
    """Return the cached file for `key`, rendering it first when it is not there."""
    path = cache_dir / f"{key}.{extension}"
    if not path.is_file():
        _write_atomically(path, render())
        RenderCounter.count += 1
    return path


def publish(cached: Path, output_dir: Path, name: str) -> Path:
    """Copy a cached image into the output as `name`, unless the same file is there."""
    target = output_dir / name
    if not (target.is_file() and target.stat().st_size == cached.stat().st_size):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target)
    return target


def prune(output_dir: Path, keep: set[str]) -> None:
    """Remove the plugin's own images in `output_dir` that this build did not make."""
    if not output_dir.is_dir():
        return
    for path in output_dir.iterdir():
        if path.is_file() and OWN_NAME.match(path.name) and path.name not in keep:
            path.unlink()

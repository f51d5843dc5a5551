"""Per-article term vectors, kept between builds under CACHE_PATH as one .npz file."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from .cache import FORMAT
from .text import TermVector

logger = logging.getLogger(__name__)


class VectorCache:
    """Term vectors of article texts keyed by content hash, stored as one .npz file."""

    def __init__(self, folder: Path | None, readable: bool = True):
        self.path = folder / "vectors.npz" if folder else None
        self._stored: dict[bytes, tuple[TermVector, TermVector]] = {}
        self._used: dict[bytes, tuple[TermVector, TermVector]] = {}
        self.misses = 0
        if readable and self.path and self.path.exists():
            try:
                self._stored = _read(self.path)
            except (OSError, ValueError, KeyError) as error:
                logger.warning("check_also: unreadable cache, rebuilding it (%s)", error)

    def __contains__(self, key: bytes) -> bool:
        return key in self._used or key in self._stored

    def get(self, key: bytes) -> tuple[TermVector, TermVector]:
        """Return the vectors stored for a content hash, and keep them for the next build.

        Raises:
            KeyError: nothing is stored for the hash.
        """
        found = self._used.get(key) or self._stored[key]
        self._used[key] = found
        return found

    def put(self, key: bytes, found: tuple[TermVector, TermVector]) -> None:
        """Store the vectors of a text that was not in the cache."""
        self.misses += 1
        self._used[key] = found

    def save(self) -> None:
        """Write the vectors of this build's articles only (dropping removed ones)."""
        if not self.path or (self.misses == 0 and len(self._used) == len(self._stored)):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._used)
        parts = {"format": np.array([FORMAT]), "keys": np.array(keys, dtype="S16")}
        for slot, name in ((0, "title"), (1, "body")):
            vecs = [self._used[k][slot] for k in keys]
            parts[name + "_len"] = np.array([len(v[0]) for v in vecs], np.int64)
            parts[name + "_ids"] = _cat([v[0] for v in vecs], np.uint32)
            parts[name + "_cnt"] = _cat([v[1] for v in vecs], np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, **parts)
        os.replace(tmp, self.path)


def _cat(arrays: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype)


def _read(path: Path) -> dict[bytes, tuple[TermVector, TermVector]]:
    with np.load(path) as data:
        if int(data["format"][0]) != FORMAT:
            return {}
        keys = data["keys"].tolist()
        split = {}
        for name in ("title", "body"):
            bounds = np.r_[0, np.cumsum(data[name + "_len"])]
            ids, cnt = data[name + "_ids"], data[name + "_cnt"]
            split[name] = [
                (ids[a:b], cnt[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
            ]
    return dict(zip(keys, zip(split["title"], split["body"], strict=True), strict=True))

"""The last build's choices, kept under CACHE_PATH with a digest of what they were made from."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)


FORMAT = 2  # bump when tokenising changes, so old vectors are not reused


def content_hash(*parts: str) -> bytes:
    """Return a 16-byte digest of text parts (title, body, tokeniser settings)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.digest()


class ResultCache:
    """The choices of the last build, reused when nothing that ranking reads has changed."""

    def __init__(self, folder: Path | None, readable: bool = True):
        self.path = folder / "choices.json" if folder else None
        self.readable = readable

    def load(self, digest: str) -> list | None:
        """Return the stored choices if they were made from input with this digest."""
        if not self.readable or not self.path or not self.path.exists():
            return None
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return stored["choices"] if stored.get("digest") == digest else None

    def save(self, digest: str, choices: list) -> None:
        """Store choices with the digest of their input."""
        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"digest": digest, "choices": choices}), encoding="utf-8")
        os.replace(tmp, self.path)

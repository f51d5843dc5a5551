"""Replacing a file of the built site in one rename, so no reader ever sees half of it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(target: Path, text: str, prefix: str) -> None:
    """Replace `target` with `text` (readable by the web server); on any error remove the
    temporary file, so a full disk leaves nothing behind to be served.

    Raises:
        OSError: when the file cannot be written.
    """
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=target.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise

"""The secret key and the keyed hashes made with it (avatars, client addresses)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)


def load_or_create_secret(path: Path) -> str:
    """Return the key stored at `path`, writing a new random one first if there is none."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        # O_EXCL: when several workers start at once, exactly one writes and all read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    log.warning("comments: no COMMENTS_SECRET_KEY set; created a random key in %s", path)
    return key


def keyed_hash(secret: str, purpose: str, value: str, length: int = 32) -> str:
    """Return a hex HMAC-SHA256 of `value`, separated by `purpose` so hashes never mix."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:length]


def avatar_hash(secret: str, email: str) -> str:
    """Return the avatar key of an email address (case of the address ignored)."""
    return keyed_hash(secret, "avatar", email.strip().lower())


def address_hash(secret: str, address: str) -> str:
    """Return the stored stand-in for a client's IP address."""
    return keyed_hash(secret, "address", address)

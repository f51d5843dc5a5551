"""`import-wxr --fetch-media`: the images and attachments of an export downloaded into the
content folder's `images/` (which the build copies as it is), so the posts no longer lean on
the old site. Nothing is downloaded without the option, or in a dry run.

A download is kept only when it is whole, of a media type a post can show or offer, and no
bigger than MAX_BYTES. A file is never overwritten: the same bytes under the same name are
reused (so a second run writes the same posts), other bytes get a new name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

MEDIA_FOLDER = "images"
MAX_BYTES = 50 * 2**20
TIMEOUT_SECONDS = 20
# What a post shows or links to: pictures, sound, video and documents; never pages or scripts.
MEDIA_TYPES = ("image/", "audio/", "video/", "application/pdf")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CHUNK = 2**16


class MediaError(Exception):
    """One file could not be fetched; the message says why."""


def media_name(url: str) -> str:
    """Return the file name a download is kept under: the URL's last part, made safe."""
    last = PurePosixPath(unquote(urlsplit(url).path)).name
    stem, dot, suffix = last.rpartition(".")
    if not dot:
        stem, suffix = last, ""
    stem = _UNSAFE.sub("-", stem).strip(".-")[:80] or "file"
    suffix = _UNSAFE.sub("", suffix)[:10].lower()
    return f"{stem}.{suffix}" if suffix else stem


def _download(url: str, limit: int) -> bytes:
    if urlsplit(url).scheme not in ("http", "https"):
        raise MediaError("not an http or https address")
    request = urllib.request.Request(url, headers={"User-Agent": "comments-api import-wxr"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            kind = answer.headers.get_content_type()
            if not kind.startswith(MEDIA_TYPES):
                raise MediaError(f"the server sent {kind}, not an image or attachment")
            data = answer.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise MediaError(f"the server answered {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise MediaError(f"could not download it ({reason})") from None
    if len(data) > limit:
        raise MediaError(f"bigger than {limit // 2**20} MiB")
    return data


def _place(folder: Path, name: str, data: bytes) -> str:
    """Write `data` under `name` in `folder`, or under a name with its hash when another file
    has the name; return the name used."""
    target = folder / name
    if target.exists():
        if target.read_bytes() == data:
            return name
        stem, dot, suffix = name.rpartition(".")
        digest = hashlib.sha256(data).hexdigest()[:8]
        name = f"{stem}-{digest}.{suffix}" if dot else f"{name}-{digest}"
        target = folder / name
        if target.exists() and target.read_bytes() == data:
            return name
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".media-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.link(temp, target)  # fails if the file appeared meanwhile, unlike a rename
    finally:
        os.unlink(temp)
    return name


@dataclass
class MediaFetcher:
    """Downloads each URL once into content/images/ and remembers what became of it."""

    content: Path
    limit: int = MAX_BYTES
    # URL → path under the content folder ("images/photo.jpg").
    fetched: dict[str, str] = field(default_factory=dict)
    # URL → why it was not downloaded.
    failed: dict[str, str] = field(default_factory=dict)

    def fetch(self, url: str) -> str | None:
        """Return the content-relative path of the URL's copy, downloading it the first time;
        None when it could not be (the reason is in `failed`)."""
        if url in self.fetched or url in self.failed:
            return self.fetched.get(url)
        try:
            data = _download(url, self.limit)
            name = _place(self.content / MEDIA_FOLDER, media_name(url), data)
        except MediaError as error:
            self.failed[url] = str(error)
            return None
        except OSError as error:
            self.failed[url] = f"could not write it ({error.strerror or error})"
            return None
        self.fetched[url] = f"{MEDIA_FOLDER}/{name}"
        return self.fetched[url]

    def localise(self, text: str, urls: list[str]) -> str:
        """Return a post's file with each of `urls` that could be downloaded pointing at its
        copy ({static} links, which the build resolves); the header is left as it is."""
        header, gap, body = text.partition("\n\n")
        for url in dict.fromkeys(urls):
            if local := self.fetch(url):
                body = body.replace(url, "{static}/" + local)
        return header + gap + body

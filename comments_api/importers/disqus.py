"""The Disqus XML export as ImportedComment records (source "disqus").

The file is parsed with defusedxml, which refuses entity expansion and external entities,
element by element (each is cleared once read). Disqus threads are matched to our articles by
their page address (importers/uris.py), by their identifier when it is one of our slugs, or by
a map an editor writes (address or identifier to slug) for pages that moved. A post's status:
spam when Disqus flagged it, deleted when it was deleted, pending when it was never approved,
published otherwise. Disqus keeps the comment as HTML: it is stored as Markdown
(core/html_markdown.py) and goes through our sanitiser as any imported comment does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from flask import Flask

from ..actions.importing import ImportReport, import_comments
from ..core.imported import ImportedComment
from ..core.moderation import DELETED, PENDING, PUBLISHED, SPAM
from ..extensions import get_manifest, site_url
from .uris import ImportFileError, page_path, threads_by_path

SOURCE = "disqus"
NS = "{http://disqus.com}"
INTERNALS = "{http://disqus.com/disqus-internals}id"
ANONYMOUS = "Anonymous"


class DisqusError(ImportFileError):
    """The file is not a Disqus export, or not well-formed XML."""


@dataclass
class DisqusThread:
    """One thread of the export: its Disqus id, page address and identifier."""

    dsq_id: str
    link: str
    identifier: str
    title: str


@dataclass
class DisqusFile:
    """A Disqus export: its threads by Disqus id (read first), and its posts, read again
    from the file one at a time when they are imported."""

    path: Path
    threads: dict[str, DisqusThread] = field(default_factory=dict)

    @property
    def posts(self) -> Iterator[dict[str, str | None]]:
        """Yield the export's posts in file order (the file is read once more)."""
        for element in _top_level(self.path):
            if element.tag == NS + "post" and element.get(INTERNALS):
                yield _post(element)


def _text(element: Element, name: str) -> str:
    found = element.find(NS + name)
    return (found.text or "").strip() if found is not None else ""


def _ref(element: Element, name: str) -> str | None:
    found = element.find(NS + name)
    return found.get(INTERNALS) if found is not None else None


def _post(element: Element) -> dict[str, str | None]:
    author = element.find(NS + "author")
    return {
        "id": element.get(INTERNALS),
        "thread": _ref(element, "thread"),
        "parent": _ref(element, "parent"),
        "message": _text(element, "message"),
        "created": _text(element, "createdAt"),
        "deleted": _text(element, "isDeleted"),
        "spam": _text(element, "isSpam"),
        "approved": _text(element, "isApproved"),
        "ip": _text(element, "ipAddress"),
        "name": _text(author, "name") if author is not None else "",
        "email": _text(author, "email") if author is not None else "",
        "link": _text(author, "link") if author is not None else "",
    }


def _elements(path: Path) -> Iterator[tuple[str, Element]]:
    try:
        yield from iterparse(str(path), events=("start", "end"))
    except DefusedXmlException as error:
        reason = f"{type(error).__name__}: entity declarations are not accepted"
        raise DisqusError(f"{path} is refused ({reason})") from None
    except ParseError as error:
        raise DisqusError(f"{path} is not well-formed XML ({error})") from None
    except OSError as error:
        raise DisqusError(f"{path} cannot be read: {error}") from None


def _top_level(path: Path) -> Iterator[Element]:
    """Yield each element under the export's root, whole, and clear it once used."""
    depth, root = 0, None
    for event, element in _elements(path):
        if event == "start":
            if root is None:
                root = element.tag
                if root != NS + "disqus":
                    raise DisqusError(f"{path} is not a Disqus export (its root is {root})")
            depth += 1
            continue
        depth -= 1
        if depth == 1:
            # An element inside a thread or a post is read with its parent.
            yield element
            element.clear()
    if root is None:
        raise DisqusError(f"{path} is not a Disqus export (it is empty)")


def read_disqus(path: Path) -> DisqusFile:
    """Read a Disqus export's threads, element by element; the whole file is read, so a
    broken or hostile one is refused before anything is imported.

    Raises:
        DisqusError: when the file is not well-formed XML, holds entity declarations, or is
            not a Disqus export.
    """
    found = DisqusFile(Path(path))
    for element in _top_level(found.path):
        if element.tag == NS + "thread" and element.get(INTERNALS):
            dsq_id = element.get(INTERNALS)
            found.threads[dsq_id] = DisqusThread(
                dsq_id, _text(element, "link"), _text(element, "id"), _text(element, "title")
            )
    return found


def _moment(value: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def _status(post: Mapping[str, str | None]) -> str:
    if post["spam"] == "true":
        return SPAM
    if post["deleted"] == "true":
        return DELETED
    return PENDING if post["approved"] == "false" else PUBLISHED


def to_imported(
    found: DisqusFile, slugs: Mapping[str, str | None], skipped: list[str]
) -> Iterator[ImportedComment]:
    """Yield the posts of the threads that have a slug; add a line to `skipped` for each
    post or thread left out (once every post was read)."""
    left_out: dict[str, int] = {}
    for post in found.posts:
        slug = slugs.get(post["thread"] or "")
        if slug is None:
            left_out[post["thread"] or "?"] = left_out.get(post["thread"] or "?", 0) + 1
            continue
        created = _moment(post["created"])
        if created is None:
            skipped.append(f"{SOURCE} {post['id']}: no creation time")
            continue
        yield (
            ImportedComment(
                source=SOURCE,
                source_id=str(post["id"]),
                thread=slug,
                parent_id=post["parent"],
                author=post["name"] or ANONYMOUS,
                email=post["email"] or "",
                url=post["link"] or "",
                body=post["message"] or "",
                body_format="html",
                created=created,
                status=_status(post),
                address=post["ip"] or None,
            )
        )
    for dsq_id, count in sorted(left_out.items()):
        thread = found.threads.get(dsq_id)
        where = f"({thread.link or thread.identifier})" if thread else "(not in the file)"
        skipped.append(
            f"{SOURCE} thread {dsq_id} {where}: no article at this address;"
            f" its {count} comments skipped (name it in --map)"
        )


def match_threads(
    found: DisqusFile, threads: Mapping[str, object], site: str | None,
    mapping: Mapping[str, str],
) -> dict[str, str | None]:  # fmt: skip
    """Return {Disqus thread id: our slug or None}: by the map (address or identifier), by
    the identifier when it is one of our slugs, then by page address."""
    by_path = threads_by_path(threads, site)  # type: ignore[arg-type]
    return {
        dsq_id: mapping.get(thread.link)
        or mapping.get(thread.identifier)
        or (thread.identifier if thread.identifier in threads else None)
        or (by_path.get(page_path(thread.link, site)) if thread.link else None)
        for dsq_id, thread in found.threads.items()
    }


def import_disqus(
    app: Flask, path: Path, mapping: Mapping[str, str] | None = None, *, dry_run: bool = False
) -> ImportReport:
    """Import a Disqus export into the store of `app`; return the report.

    Raises:
        DisqusError: when the file is not a Disqus export.
    """
    found = read_disqus(path)
    threads = get_manifest(app, required=False).threads
    slugs = match_threads(found, threads, site_url(app), mapping or {})
    skipped: list[str] = []
    report = import_comments(app, to_imported(found, slugs, skipped), dry_run=dry_run)
    report.skipped[:0] = skipped
    return report

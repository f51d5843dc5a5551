"""Isso's SQLite database as ImportedComment records (source "isso").

The file is opened read-only and only Isso's own two tables are read (this is the source's
SQL, not our store's). Isso's threads are matched to our articles by their page address
(importers/uris.py), or by a map of address to slug an editor writes for pages that moved.
Isso keeps a deleted comment that has replies as a placeholder without text or name: it is
imported as a deleted comment, so its replies keep their place in the tree.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from flask import Flask

from ..actions.importing import ImportReport, import_comments
from ..core.imported import ImportedComment
from ..core.moderation import DELETED, PENDING, PUBLISHED
from ..extensions import get_manifest, site_url
from .uris import ImportFileError, page_path, threads_by_path

SOURCE = "isso"
# Isso's comment modes.
MODES = {1: PUBLISHED, 2: PENDING, 4: DELETED}
NEEDED = {
    "threads": {"id", "uri"},
    "comments": {"tid", "id", "parent", "created", "modified", "mode", "remote_addr", "text",
                 "author", "email", "website", "likes", "dislikes"},
}  # fmt: skip
# Isso lets readers comment without a name and shows them as this.
ANONYMOUS = "Anonymous"
DELETED_TEXT = "This comment was deleted."


class IssoError(ImportFileError):
    """The file is not an Isso database."""


@dataclass
class IssoFile:
    """What an Isso database holds: its threads (id → page address) and comment rows."""

    threads: dict[int, str] = field(default_factory=dict)
    comments: list[sqlite3.Row] = field(default_factory=list)


def read_isso(path: Path) -> IssoFile:
    """Read an Isso database without changing it.

    Raises:
        IssoError: when the file cannot be opened or is not an Isso database.
    """
    path = Path(path)
    if not path.is_file():
        raise IssoError(f"{path} is not a file")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise IssoError(f"{path} cannot be opened: {error}") from None
    conn.row_factory = sqlite3.Row
    try:
        for table, columns in NEEDED.items():
            have = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
            if not columns <= have:
                raise IssoError(f"{path} is not an Isso database (no {table} table as Isso's)")
        found = IssoFile()
        found.threads = {row["id"]: row["uri"] or "" for row in conn.execute(
            "SELECT id, uri FROM threads")}  # fmt: skip
        found.comments = conn.execute("SELECT * FROM comments ORDER BY id").fetchall()
    except sqlite3.DatabaseError as error:
        raise IssoError(f"{path} is not an Isso database ({error})") from None
    finally:
        conn.close()
    return found


def _moment(value: object) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def to_imported(
    found: IssoFile, slugs: Mapping[int, str | None]
) -> tuple[list[ImportedComment], list[str], list[str]]:
    """Return the comments of the threads that have a slug, the skipped lines and the notes."""
    imported: list[ImportedComment] = []
    skipped: list[str] = []
    left_out: dict[int, int] = {}
    votes = voted = 0
    for row in found.comments:
        tid = row["tid"]
        if slugs.get(tid) is None:
            left_out[tid] = left_out.get(tid, 0) + 1
            continue
        status = MODES.get(row["mode"])
        created = _moment(row["created"])
        if status is None or created is None:
            problem = f"unknown mode {row['mode']!r}" if status is None else "no creation time"
            skipped.append(f"{SOURCE} {row['id']}: {problem}")
            continue
        counted = (row["likes"] or 0) + (row["dislikes"] or 0)
        votes, voted = votes + counted, voted + (counted > 0)
        body, author = row["text"] or "", (row["author"] or "").strip() or ANONYMOUS
        if status == DELETED and not body.strip():
            body = DELETED_TEXT
        imported.append(
            ImportedComment(
                source=SOURCE,
                source_id=str(row["id"]),
                thread=slugs[tid],
                parent_id=None if row["parent"] is None else str(row["parent"]),
                author=author,
                email=row["email"] or "",
                url=row["website"] or "",
                body=body,
                created=created,
                status=status,
                address=row["remote_addr"] or None,
                modified=_moment(row["modified"]),
            )
        )
    for tid, count in sorted(left_out.items()):
        uri = found.threads.get(tid)
        where = f"({uri})" if uri is not None else "(not in Isso's threads table)"
        skipped.append(
            f"{SOURCE} thread {tid} {where}: no article at this address;"
            f" its {count} comments skipped (name it in --map)"
        )
    notes = []
    if votes:
        notes.append(f"votes are not imported: {votes} likes and dislikes on {voted} comments")
    return imported, skipped, notes


def import_isso(
    app: Flask, path: Path, mapping: Mapping[str, str] | None = None, *, dry_run: bool = False
) -> ImportReport:
    """Import an Isso database into the store of `app`; return the report.

    Raises:
        IssoError: when the file is not an Isso database.
    """
    found = read_isso(path)
    mapping = mapping or {}
    by_path = threads_by_path(get_manifest(app, required=False).threads, site_url(app))
    slugs = {
        tid: mapping.get(uri) or by_path.get(page_path(uri, site_url(app)))
        for tid, uri in found.threads.items()
    }
    comments, skipped, notes = to_imported(found, slugs)
    report = import_comments(app, comments, dry_run=dry_run)
    report.skipped[:0] = skipped
    report.notes[:0] = notes
    return report

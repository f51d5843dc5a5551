"""The store's own JSON export, and reading it back without losing a field (docs/export.md).

An export holds every stored column of every comment, emails included, so the file is
private: it is written readable by its owner only. Read back into an empty store it gives
the same rows, ids included, and exporting again gives the same bytes. Read into a store
that already holds comments, a comment whose id is there with the same article and time is
"already there"; an id taken by another comment refuses the whole file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Integer

from ..core.imported import KINDS, SOURCES
from ..core.moderation import PUBLISHED
from ..core.rendering import sanitize_html
from ..core.validation import MAX_ID
from ..extensions import get_db, get_manifest
from ..store import queries
from ..store.schema import UTCDateTime, comments
from .importing import (
    IMPORT_STATUSES,
    PROGRESS_EVERY,
    STORE_BATCH,
    DryRunDone,
    ImportReport,
    progress,
)
from .publishing import published_changed, record

log = logging.getLogger(__name__)
FORMAT = "alden-courier-comments"
VERSION = 1
# Every stored column, in the table's order: the key order of each exported comment.
COLUMNS = tuple(column.name for column in comments.c)
_CHOICES = {"status": IMPORT_STATUSES, "kind": KINDS, "source": SOURCES}


class ImportRefused(ValueError):
    """The file is not an export of this format, or does not fit the store; nothing stored."""


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _exported(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: _time(row[name]) if isinstance(row[name], datetime) else row[name] for name in COLUMNS
    }


def export_text(app: Flask) -> tuple[str, int]:
    """Return the export of every stored comment, sorted by id, and how many it holds."""
    with get_db(app).read() as conn:
        rows = queries.list_comments(conn)
    document = {"format": FORMAT, "version": VERSION, "comments": [_exported(r) for r in rows]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n", len(rows)


def write_export(app: Flask, target: Path) -> int:
    """Write the export to `target` in one rename, readable by its owner only; return how
    many comments it holds.

    Raises:
        OSError: when the file cannot be written.
    """
    text, count = export_text(app)
    target = Path(target)
    # mkstemp makes the file with mode 0600 before a byte of it is written.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    log.info("comments: exported %s comments", count)
    return count


def _value(column: Any, value: Any, where: str) -> Any:
    if value is None:
        if column.nullable:
            return None
        raise ImportRefused(f"{where}: {column.name} is missing")
    if isinstance(column.type, UTCDateTime):
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.utcoffset() is None:
            raise ImportRefused(f"{where}: {column.name} is not an ISO 8601 time with a zone")
        return moment.astimezone(UTC)
    if isinstance(column.type, Integer):
        if type(value) is not int:
            raise ImportRefused(f"{where}: {column.name} is not a whole number")
        return value
    length = getattr(column.type, "length", None)
    if not isinstance(value, str) or (length and len(value) > length):
        raise ImportRefused(f"{where}: {column.name} is not text of at most {length} characters")
    return value


def _row(item: object, index: int) -> dict[str, Any]:
    where = f"comment {index + 1} of the file"
    if not isinstance(item, dict) or set(item) != set(COLUMNS):
        raise ImportRefused(f"{where} does not have exactly the export's fields")
    row = {column.name: _value(column, item[column.name], where) for column in comments.c}
    for name, allowed in _CHOICES.items():
        if row[name] is not None and row[name] not in allowed:
            raise ImportRefused(f"{where}: unknown {name} {row[name]!r}")
    if not 0 < row["id"] <= MAX_ID:
        raise ImportRefused(f"{where}: id {row['id']} is out of range")
    # The stored HTML is shown as it is: it passes the sanitiser again, as if just rendered.
    row["body_html"] = sanitize_html(row["body_html"])
    return row


def parse_export(data: bytes) -> list[dict[str, Any]]:
    """Return the rows of an export, checked, sorted by id.

    Raises:
        ImportRefused: when `data` is not an export of this format and version.
    """
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ImportRefused("not a comments export: the file is not JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRefused(f'not a comments export: no "format": "{FORMAT}"')
    if document.get("version") != VERSION or not isinstance(document.get("comments"), list):
        raise ImportRefused(f"not a comments export of version {VERSION}")
    items = document.pop("comments")
    rows = []
    for index, item in enumerate(items):
        rows.append(_row(item, index))
        items[index] = None  # each read item let go at once: the file's copy is the biggest
    ids = [row["id"] for row in rows]
    if len(set(ids)) != len(ids):
        raise ImportRefused("the export has a comment id twice")
    return sorted(rows, key=lambda row: row["id"])


def _store(conn: Any, rows: list[dict], report: ImportReport, built: Mapping) -> list[str]:
    stored = queries.comments_by_ids(conn, (row["id"] for row in rows))
    in_file = {row["id"] for row in rows}
    published: set[str] = set()
    batch: list[dict] = []
    for row in rows:
        there = stored.get(row["id"])
        if there is not None:
            if (there["thread"], there["created"]) != (row["thread"], row["created"]):
                raise ImportRefused(
                    f"comment {row['id']} of the file is another comment of this store;"
                    " import the export into an empty store"
                )
            report.already_there += 1
            continue
        if row["parent"] is not None and row["parent"] not in in_file | set(stored):
            report.notes.append(f"json {row['id']}: its parent {row['parent']} is not stored")
        batch.append(row)
        if len(batch) == STORE_BATCH:
            queries.insert_comments(conn, batch)
            batch = []
        report.count(row)
        if report.imported % PROGRESS_EVERY == 0:
            progress.info("  stored %s of %s comments", f"{report.imported:,}", f"{len(rows):,}")
        report.threads.append(row["thread"])
        if row["status"] == PUBLISHED:
            published.add(row["thread"])
    queries.insert_comments(conn, batch)
    report.threads = sorted(set(report.threads))
    if report.imported:
        queries.advance_comment_ids(conn)
    stale = sorted(published & set(built))
    if stale:
        record(conn, stale)
    return stale


def import_export(app: Flask, data: bytes, *, dry_run: bool = False) -> ImportReport:
    """Read an export back into the store, every field and id kept, in one transaction.

    Raises:
        ImportRefused: when the file is not an export, or an id belongs to another comment.
    """
    rows = parse_export(data)
    report = ImportReport(dry_run=dry_run)
    built = get_manifest(app, required=False).threads
    try:
        with get_db(app).write() as conn:
            stale = _store(conn, rows, report, built)
            if dry_run:
                raise DryRunDone
    except DryRunDone:
        return report
    log.info("comments: read back %s exported comments", report.imported)
    published_changed(app, stale)
    return report

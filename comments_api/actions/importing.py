"""Importing comments from another system: what every importer hands over (an ImportedComment)
is checked like a posted comment and stored in one writing transaction, or not at all.

An imported comment is never trusted more than a posted one: its fields are cleaned and
limited by validate_comment, its body rendered by the same sanitiser, and its client address
kept only as a keyed hash. Each row remembers its source and the source's id, so importing a
file again adds nothing.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice, repeat
from typing import Any

from flask import Flask

from ..core.html_markdown import html_to_markdown
from ..core.imported import BODY_FORMATS, KINDS, SOURCES, ImportedComment
from ..core.keys import address_hash, avatar_hash
from ..core.moderation import DELETED, PENDING, PUBLISHED, SPAM
from ..core.rendering import render_body
from ..core.validation import MAX_ID, clean_text, validate_comment
from ..extensions import get_db, get_manifest, now
from ..fields import LABELS
from ..store import queries
from .publishing import published_changed, record

log = logging.getLogger(__name__)
# How a long import is going, a line each PROGRESS_EVERY comments (the CLI shows it on stderr).
progress = logging.getLogger("comments_api.imports.progress")
# Sources whose pages linked to a comment by its id (WordPress's #comment-ID): their comments
# keep that id where it is free, so an old link's anchor still finds its comment.
KEEPS_ITS_ID = frozenset({"wordpress"})
_WHOLE_NUMBER = re.compile(r"[1-9][0-9]{0,18}")
# The report names this many of the threads an import touched.
THREADS_LISTED = 20
PROGRESS_EVERY = 10_000
IMPORT_STATUSES = (PUBLISHED, PENDING, SPAM, DELETED)
# Stands in for a missing email while the other fields are checked: old exports often lack one.
_NO_EMAIL = "nobody@example.org"
# What the keyed address hash is made of when the source kept no address: no client has it.
_NO_ADDRESS = "imported"
SOURCE_ID_LIMIT = 64
# Comments are checked this many at a time; from the first full chunk on, on several cores
# (at most MAX_WORKERS), each worker taking PARALLEL_CHUNK at once.
PARALLEL_FROM, PARALLEL_CHUNK, MAX_WORKERS = 5000, 500, 4
# Rows are stored this many to a statement (each level of the threads in turn).
STORE_BATCH = 500
_SQL_BATCH = 500  # ids to one SELECT of the spill (SQLite allows 32,766 parameters)

Key = tuple[str, str]


class DryRunDone(Exception):
    """Raised inside the writing transaction of a dry run, so everything rolls back."""


@dataclass
class ImportReport:
    """What an import stored (or, in a dry run, would store), and what it left out and why."""

    dry_run: bool = False
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(IMPORT_STATUSES, 0))
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    # Comments stored by an earlier import of the same source (skipped silently).
    already_there: int = 0
    # Threads that got comments, sorted.
    threads: list[str] = field(default_factory=list)
    # One short line per comment (or thread) left out, naming the source's id.
    skipped: list[str] = field(default_factory=list)
    # Comments stored with a change (a reply moved to the top level), and facts about the file.
    notes: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        """Return how many comments were stored."""
        return sum(self.statuses.values())

    def count(self, row: Mapping[str, Any]) -> None:
        """Count one stored row."""
        self.statuses[row["status"]] += 1
        self.kinds[row["kind"]] += 1

    def lines(self) -> list[str]:
        """Return the report as readable lines: the counts, the notes, then the skipped."""
        verb = "Would import" if self.dry_run else "Imported"
        lines = [f"{verb} {self.imported} comments" + (" (dry run: nothing stored)."
                                                       if self.dry_run else ".")]  # fmt: skip
        lines.append("  statuses: " + ", ".join(f"{k} {n}" for k, n in self.statuses.items()))
        lines.append("  kinds: " + ", ".join(f"{k} {n}" for k, n in self.kinds.items()))
        lines.append(f"  already there (imported before): {self.already_there}")
        shown = ", ".join(self.threads[:THREADS_LISTED])
        more = ", …" if len(self.threads) > THREADS_LISTED else ""
        lines.append(f"  threads touched: {len(self.threads)}" +
                     (f" ({shown}{more})" if self.threads else ""))  # fmt: skip
        lines.append(f"  skipped: {len(self.skipped)}")
        if self.notes:
            lines.append("Notes:")
            lines.extend(f"  {note}" for note in self.notes)
        if self.skipped:
            lines.append("Skipped:")
            lines.extend(f"  {line}" for line in self.skipped)
        return lines


@dataclass(slots=True)
class _Checked:
    """One comment that passed the checks: where its row (without parent) waits in the
    spill, its thread and its parent's key (one of these is kept per comment: no __dict__)."""

    key: Key
    row: int
    thread: str
    parent_id: str | None  # of the same source

    @property
    def parent(self) -> Key | None:
        """The parent's key, if the comment is a reply."""
        return None if self.parent_id is None else (self.key[0], self.parent_id)


class _Spill:
    """Checked rows kept in a temporary SQLite file until they are stored, so an import of
    any size holds only each comment's key, thread and parent in memory."""

    def __init__(self, folder: str) -> None:
        self._conn = sqlite3.connect(os.path.join(folder, "rows.db"))
        self._conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")

    def put(self, values: dict[str, Any]) -> int:
        """Keep one row; return its number."""
        cursor = self._conn.execute("INSERT INTO rows (data) VALUES (?)", (pickle.dumps(values),))
        return int(cursor.lastrowid)

    def get(self, number: int) -> dict[str, Any]:
        """Return the row kept under `number`."""
        (data,) = self._conn.execute("SELECT data FROM rows WHERE id = ?", (number,)).fetchone()
        return pickle.loads(data)  # noqa: S301 - our own rows, written by put() just now

    def get_many(self, numbers: list[int]) -> list[dict[str, Any]]:
        """Return the rows kept under `numbers`, in that order."""
        found: dict[int, bytes] = {}
        for start in range(0, len(numbers), _SQL_BATCH):
            batch = numbers[start : start + _SQL_BATCH]
            marks = ",".join("?" * len(batch))
            found.update(self._conn.execute(f"SELECT id, data FROM rows WHERE id IN ({marks})",
                                            batch))  # fmt: skip
        # Our own rows, written by put() during this import.
        return [pickle.loads(found[number]) for number in numbers]  # noqa: S301

    def close(self) -> None:
        """Drop the file's connection (the folder goes with the import)."""
        self._conn.close()


def _label(key: Key) -> str:
    return f"{key[0]} {key[1]}"


def _aware(moment: object) -> bool:
    return isinstance(moment, datetime) and moment.utcoffset() is not None


def _problem(comment: ImportedComment) -> str | None:
    if comment.source not in SOURCES:
        return f"unknown source {comment.source!r}"
    if comment.status not in IMPORT_STATUSES:
        return f"unknown status {comment.status!r}"
    if comment.kind not in KINDS:
        return f"unknown kind {comment.kind!r}"
    if comment.body_format not in BODY_FORMATS:
        return f"unknown body format {comment.body_format!r}"
    if not _aware(comment.created):
        return "no creation time with a time zone"
    if comment.modified is not None and not _aware(comment.modified):
        return "a modification time without a time zone"
    return None


def _row(comment: ImportedComment, secret: str, moment: datetime) -> tuple[dict | None, str]:
    """Return the row a comment is stored as, or None and why it cannot be."""
    if problem := _problem(comment):
        return None, problem
    email = clean_text(comment.email or "")
    body = comment.body or ""
    if comment.body_format == "html":
        body = html_to_markdown(body)
    submission, errors = validate_comment(
        {"thread": comment.thread, "parent": None, "author": comment.author,
         "email": email or _NO_EMAIL, "url": comment.url or "", "body": body}
    )  # fmt: skip
    if errors:
        return None, "; ".join(f"{LABELS[name]}: {message}" for name, message in errors.items())
    email = submission["email"] if email else ""
    email_key = email.lower()
    address = (comment.address or "").strip()
    status = comment.status
    values = {
        **{name: submission[name] for name in ("thread", "author", "url", "body")},
        "status": status,
        "email": email,
        "email_key": email_key,
        "body_html": render_body(submission["body"]),
        "created": comment.created.astimezone(UTC),
        "modified": comment.modified.astimezone(UTC) if comment.modified else None,
        "address_hash": address_hash(secret, address or _NO_ADDRESS),
        "avatar": avatar_hash(secret, email_key),
        "held_reason": None if status == PUBLISHED else f"imported from {comment.source}",
        "source": comment.source,
        "source_id": comment.source_id,
        "kind": comment.kind,
    }
    if status == DELETED:
        # As the desk deletes: restorable (to the queue) until purged.
        values.update(deleted=moment, restore_status=PENDING)
    return values, ""


class _Checker:
    """Runs _row() over chunks of comments, in order: on every core once an import has a
    chunk's worth (converting, checking and rendering a comment is most of its time)."""

    def __init__(self, secret: str, moment: datetime) -> None:
        self.secret, self.moment = secret, moment
        self.workers = min(os.cpu_count() or 1, MAX_WORKERS)
        self.pool: ProcessPoolExecutor | None = None

    def __call__(self, comments: list[ImportedComment]) -> Iterator[tuple[dict | None, str]]:
        if self.pool is None and (len(comments) < PARALLEL_FROM or self.workers < 2):
            return (_row(comment, self.secret, self.moment) for comment in comments)
        if self.pool is None:
            # Fresh interpreters, not forks: nothing of this process (its store's
            # connections, threads) goes into the workers.
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self.pool.map(_row, comments, repeat(self.secret), repeat(self.moment),
                             chunksize=PARALLEL_CHUNK)  # fmt: skip

    def close(self) -> None:
        """Stop the workers, if any were started."""
        if self.pool is not None:
            self.pool.shutdown()


def _unique(
    comments: Iterable[ImportedComment], report: ImportReport
) -> Iterator[tuple[Key, ImportedComment]]:
    seen: set[Key] = set()
    for comment in comments:
        source_id = str(comment.source_id or "").strip()
        key = (comment.source, source_id)
        if not source_id or len(source_id) > SOURCE_ID_LIMIT:
            report.skipped.append(f"{comment.source} {source_id[:20]!r}: no usable id")
            continue
        if key in seen:
            report.skipped.append(f"{_label(key)}: this id is in the file twice; the first kept")
            continue
        seen.add(key)
        yield key, comment


def _check_all(
    comments: Iterable[ImportedComment],
    secret: str,
    moment: datetime,
    report: ImportReport,
    spill: _Spill,
) -> dict[Key, _Checked]:
    """Check the comments a chunk at a time (the source is read as it goes), keeping each
    good row in the spill."""
    checked: dict[Key, _Checked] = {}
    check = _Checker(secret, moment)
    started = time.monotonic()
    read = 0

    def keep(chunk: list[tuple[Key, ImportedComment]], rows: Iterator) -> None:
        nonlocal read
        read += len(chunk)
        if read // PROGRESS_EVERY > (read - len(chunk)) // PROGRESS_EVERY:
            rate = read / max(time.monotonic() - started, 1e-6)
            progress.info("  read and checked %s comments (%s a second)", f"{read:,}",
                          f"{rate:,.0f}")  # fmt: skip
        for (key, comment), (values, problem) in zip(chunk, rows, strict=True):
            if values is None:
                report.skipped.append(f"{_label(key)}: {problem}")
                continue
            parent = str(comment.parent_id).strip() if comment.parent_id is not None else ""
            # A thread's name comes back from a worker once per comment: keep one copy.
            checked[key] = _Checked(key, spill.put(values), sys.intern(values["thread"]),
                                    parent or None)  # fmt: skip

    try:
        pairs = _unique(comments, report)
        waiting = None
        while chunk := list(islice(pairs, PARALLEL_FROM)):
            # The next chunk goes to the workers before this process keeps the last one's
            # rows, so reading the source and checking overlap.
            rows = check([comment for _, comment in chunk])
            if waiting is not None:
                keep(*waiting)
            waiting = (chunk, rows)
        if waiting is not None:
            keep(*waiting)
    finally:
        check.close()
    return checked


def _resolve_parents(
    new: dict[Key, _Checked], known: dict[Key, tuple[int, str]], report: ImportReport
) -> tuple[dict[Key, Key | None], dict[Key, int]]:
    """Return each new comment's parent among the new ones, and its stored parent's id for
    replies to comments imported before; a parent found nowhere makes a top-level comment."""
    parents: dict[Key, Key | None] = {}
    stored: dict[Key, int] = {}
    for key, item in new.items():
        parents[key] = None
        if item.parent is None:
            continue
        thread = item.thread
        if item.parent in new:
            found_thread = new[item.parent].thread
        elif item.parent in known:
            found_thread = known[item.parent][1]
        else:
            report.notes.append(
                f"{_label(key)}: its parent {item.parent[1]} is not in the file (or was skipped);"
                " imported as a top-level comment"
            )
            continue
        if found_thread != thread:
            report.notes.append(
                f"{_label(key)}: its parent {item.parent[1]} is on another article;"
                " imported as a top-level comment"
            )
        elif item.parent in new:
            parents[key] = item.parent
        else:
            stored[key] = known[item.parent][0]
    return parents, stored


def _depths(parents: dict[Key, Key | None], report: ImportReport) -> dict[Key, int]:
    """Return each new comment's depth among the new ones, breaking every loop of parents
    at its member that comes first in the file."""
    order = {key: index for index, key in enumerate(parents)}
    depth: dict[Key, int] = {}
    for start in parents:
        while start not in depth:
            path: list[Key] = []
            on_path: set[Key] = set()
            key: Key | None = start
            while key is not None and key not in depth and key not in on_path:
                path.append(key)
                on_path.add(key)
                key = parents[key]
            if key is not None and key in on_path:
                loop = path[path.index(key) :]
                first = min(loop, key=order.__getitem__)
                turn = loop.index(first)
                loop = loop[turn:] + loop[:turn]
                parents[first] = None
                chain = " → ".join(k[1] for k in [*loop, first])
                report.notes.append(
                    f"{_label(first)}: its parents loop ({chain}); imported as a top-level comment"
                )
                continue
            level = -1 if key is None else depth[key]
            for node in reversed(path):
                level += 1
                depth[node] = level
    return depth


def _known(conn: Any, keys: Iterable[Key]) -> dict[Key, tuple[int, str]]:
    by_source: dict[str, set[str]] = {}
    for source, source_id in keys:
        by_source.setdefault(source, set()).add(source_id)
    known: dict[Key, tuple[int, str]] = {}
    for source, ids in by_source.items():
        for source_id, found in queries.imported_ids(conn, source, ids).items():
            known[(source, source_id)] = found
    return known


def _own_ids(conn: Any, new: Mapping[Key, _Checked], report: ImportReport) -> dict[Key, int]:
    """Return the ids the new comments of KEEPS_ITS_ID sources keep: their source's own,
    where the store has no comment of that id (a note says which could not)."""
    wanted = {key: int(key[1]) for key in new
              if key[0] in KEEPS_ITS_ID and _WHOLE_NUMBER.fullmatch(key[1])
              and 0 < int(key[1]) <= MAX_ID}  # fmt: skip
    taken = queries.taken_ids(conn, wanted.values()) if wanted else set()
    for key in sorted(k for k, number in wanted.items() if number in taken):
        report.notes.append(
            f"{_label(key)}: another comment here has the id {key[1]}, so it gets a new one;"
            f" old links to #comment-{key[1]} lead to its article"
        )
    return {key: number for key, number in wanted.items() if number not in taken}


def _store(
    conn: Any,
    checked: dict[Key, _Checked],
    spill: _Spill,
    report: ImportReport,
    built: Mapping[str, Any],
) -> list[str]:
    """Insert the new comments, parents first; return the built threads now showing more."""
    wanted = set(checked) | {c.parent for c in checked.values() if c.parent is not None}
    known = _known(conn, wanted)
    new = {key: item for key, item in checked.items() if key not in known}
    report.already_there = len(checked) - len(new)
    parents, stored_parents = _resolve_parents(new, known, report)
    depth = _depths(parents, report)
    order = {key: index for index, key in enumerate(new)}
    own_ids = _own_ids(conn, new, report)
    if own_ids:
        # The comments given a new id get one above the kept ones, not one a kept one needs.
        queries.reserve_comment_ids(conn, max(own_ids.values()))
    ids: dict[Key, int] = {}
    touched: dict[str, int] = {}
    published: set[str] = set()
    # Parents first: each batch holds comments of one depth, whose parents are stored.
    ordered = sorted(new, key=lambda k: (depth[k], order[k]))
    if len(ordered) >= PROGRESS_EVERY:
        progress.info("  storing %s comments in one transaction", f"{len(ordered):,}")
    start = 0
    while start < len(ordered):
        level = depth[ordered[start]]
        batch = [k for k in ordered[start : start + STORE_BATCH] if depth[k] == level]
        if (start + len(batch)) // PROGRESS_EVERY > start // PROGRESS_EVERY:
            progress.info("  stored %s of %s", f"{start + len(batch):,}", f"{len(ordered):,}")
        start += len(batch)
        rows = []
        for key, values in zip(batch, spill.get_many([new[k].row for k in batch]), strict=True):
            parent = parents[key]
            if key in own_ids:
                values["id"] = own_ids[key]
            rows.append(queries.new_row(
                {**values, "parent": ids[parent] if parent else stored_parents.get(key)}
            ))  # fmt: skip
        for key, row, stored_id in zip(batch, rows, queries.insert_imported(conn, rows),
                                       strict=True):  # fmt: skip
            ids[key] = stored_id
            report.count(row)
            touched[row["thread"]] = touched.get(row["thread"], 0) + 1
            if row["status"] == PUBLISHED:
                published.add(row["thread"])
    report.threads = sorted(touched)
    for thread in report.threads:
        if thread not in built:
            report.notes.append(
                f"thread {thread}: no such article yet; {touched[thread]} comments stored,"
                " shown once an article with this slug is built"
            )
    # Articles not built yet get their comments from their first build.
    stale = sorted(published & set(built))
    if stale:
        record(conn, stale)
    return stale


def import_comments(
    app: Flask, comments: Iterable[ImportedComment], *, dry_run: bool = False
) -> ImportReport:
    """Check and store imported comments in one writing transaction; return the report.

    A dry run does the same work in a transaction that is rolled back, so its report is the
    real run's. Comments a previous import stored (same source and id) are counted, not added.
    """
    report = ImportReport(dry_run=dry_run)
    moment = now(app)
    built = get_manifest(app, required=False).threads
    # Checked before the store is locked; the checked rows wait on disk, not in memory.
    with tempfile.TemporaryDirectory(prefix="comments-import-") as folder:
        spill = _Spill(folder)
        try:
            checked = _check_all(comments, app.config["COMMENTS_SECRET_KEY"], moment, report,
                                 spill)  # fmt: skip
            with get_db(app).write() as conn:
                stale = _store(conn, checked, spill, report, built)
                if dry_run:
                    raise DryRunDone
        except DryRunDone:
            return report
        finally:
            spill.close()
    log.info(
        "comments: imported %s comments (%s already there, %s skipped)",
        report.imported, report.already_there, len(report.skipped),
    )  # fmt: skip
    published_changed(app, stale)
    return report

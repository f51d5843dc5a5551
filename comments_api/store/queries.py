"""Every query of the comment store, and read_published, the build's way in (no Flask app)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, inspect, select, update

from ..core.moderation import PUBLISHED
from ..core.validation import MAX_ID
from ..fields import public_view
from .engine import make_engine, sqlite_path
from .schema import comments, rate_hits


def _as_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def insert_comment(conn: Connection, values: dict[str, Any]) -> int:
    """Insert one comment and return the id the database gave it."""
    result = conn.execute(insert(comments).values(**values))
    return int(result.inserted_primary_key[0])


def get_comment(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    """Return the stored comment with this id, or None."""
    if not 0 < comment_id <= MAX_ID:
        return None
    row = conn.execute(select(comments).where(comments.c.id == comment_id)).first()
    return _as_dict(row) if row else None


def get_published(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    """Return the published comment with this id (parent as shown), or None."""
    row = get_comment(conn, comment_id)
    if row is None or row["status"] != PUBLISHED:
        return None
    return _with_shown_parents(conn, [row])[0]


def is_duplicate(
    conn: Connection,
    thread: str,
    body: str,
    *,
    address_hash: str | None = None,
    email_key: str | None = None,
) -> bool:
    """Return True when this client (or this email) already left this exact text on this thread."""
    who = comments.c.address_hash == address_hash if address_hash else None
    if email_key:
        who = (
            comments.c.email_key == email_key
            if who is None
            else who | (comments.c.email_key == email_key)
        )
    query = select(comments.c.id).where(comments.c.thread == thread, comments.c.body == body, who)
    return conn.execute(query.limit(1)).first() is not None


def latest_since(
    conn: Connection,
    since: datetime,
    *,
    address_hash: str | None = None,
    email_key: str | None = None,
) -> datetime | None:
    """Return when the newest comment after `since` from this client (or email) was stored."""
    if address_hash:
        who = comments.c.address_hash == address_hash
    else:
        who = comments.c.email_key == email_key
    query = select(func.max(comments.c.created)).where(comments.c.created > since, who)
    return comments.c.created.type.process_result_value(conn.scalar(query), conn.dialect)


def has_published(conn: Connection, email_key: str) -> bool:
    """Return True when an approved comment from this email exists."""
    query = select(comments.c.id).where(
        comments.c.email_key == email_key, comments.c.status == PUBLISHED
    )
    return conn.execute(query.limit(1)).first() is not None


def _thread_index(conn: Connection, thread: str) -> dict[int, tuple[int | None, str]]:
    query = select(comments.c.id, comments.c.parent, comments.c.status).where(
        comments.c.thread == thread
    )
    return {row.id: (row.parent, row.status) for row in conn.execute(query)}


def shown_parent(parent: int | None, index: dict[int, tuple[int | None, str]]) -> int | None:
    """Return the nearest published ancestor: a reply to a hidden comment moves up."""
    seen = set()
    while parent is not None and parent not in seen:
        seen.add(parent)
        entry = index.get(parent)
        if entry is None:
            return None
        if entry[1] == PUBLISHED:
            return parent
        parent = entry[0]
    return None


def _with_shown_parents(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    indexes: dict[str, dict] = {}
    for row in rows:
        if row["parent"] is not None:
            if row["thread"] not in indexes:
                indexes[row["thread"]] = _thread_index(conn, row["thread"])
            row["parent"] = shown_parent(row["parent"], indexes[row["thread"]])
    return rows


def published_page(
    conn: Connection, thread: str, after: int, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """Return a page of published comments after id `after`, oldest first, and if more follow."""
    query = (
        select(comments)
        .where(comments.c.thread == thread, comments.c.status == PUBLISHED, comments.c.id > after)
        .order_by(comments.c.id)
        .limit(limit + 1)
    )
    rows = [_as_dict(r) for r in conn.execute(query)]
    return _with_shown_parents(conn, rows[:limit]), len(rows) > limit


def published_counts(conn: Connection, threads: Iterable[str]) -> dict[str, int]:
    """Return the number of published comments of each thread (0 for none)."""
    wanted = sorted(set(threads))
    counts = dict.fromkeys(wanted, 0)
    if wanted:
        query = (
            select(comments.c.thread, func.count())
            .where(comments.c.thread.in_(wanted), comments.c.status == PUBLISHED)
            .group_by(comments.c.thread)
        )
        counts.update({thread: count for thread, count in conn.execute(query)})
    return counts


def list_comments(
    conn: Connection, status: str | None = None, thread: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Return stored comments for editors, oldest first, optionally filtered."""
    query = select(comments).order_by(comments.c.id)
    if status:
        query = query.where(comments.c.status == status)
    if thread:
        query = query.where(comments.c.thread == thread)
    if limit is not None:
        query = query.limit(limit)
    return [_as_dict(r) for r in conn.execute(query)]


def update_comment(conn: Connection, comment_id: int, values: dict[str, Any]) -> None:
    """Change stored fields of one comment."""
    conn.execute(update(comments).where(comments.c.id == comment_id).values(**values))


def delete_comment(conn: Connection, comment_id: int) -> None:
    """Delete one comment; its replies move up to its own parent, so the tree stays whole."""
    parent = conn.scalar(select(comments.c.parent).where(comments.c.id == comment_id))
    conn.execute(update(comments).where(comments.c.parent == comment_id).values(parent=parent))
    conn.execute(delete(comments).where(comments.c.id == comment_id))


def rate_hits_since(conn: Connection, key_hash: str, since: datetime) -> list[datetime]:
    """Return when this client's counted hits after `since` happened, oldest first."""
    query = (
        select(rate_hits.c.moment)
        .where(rate_hits.c.key_hash == key_hash, rate_hits.c.moment > since)
        .order_by(rate_hits.c.moment)
    )
    return list(conn.scalars(query))


def add_rate_hit(conn: Connection, key_hash: str, moment: datetime) -> None:
    """Count one hit of this client at `moment`."""
    conn.execute(insert(rate_hits).values(key_hash=key_hash, moment=moment))


def delete_rate_hits_before(conn: Connection, before: datetime) -> int:
    """Delete every client's hits at or before `before` (they no longer count); return how many."""
    return conn.execute(delete(rate_hits).where(rate_hits.c.moment <= before)).rowcount


def count_rate_hits(conn: Connection) -> int:
    """Return how many hits the rate limit keeps, for all clients together."""
    return conn.scalar(select(func.count()).select_from(rate_hits)) or 0


def read_published(
    database_url: str, threads: Iterable[str] | None = None
) -> dict[str, list[dict]]:
    """Return {thread: [public comment, ...]} of the published comments, oldest first.

    Works without a Flask app. A store that does not exist yet gives {} and is not created.
    """
    path = sqlite_path(database_url)
    if path is not None and not path.is_file():
        return {}
    wanted = None if threads is None else sorted(set(threads))
    if wanted == []:
        return {}
    engine = make_engine(database_url, timeout=30.0, pooled=False)
    try:
        with engine.connect() as conn, conn.begin():
            if not inspect(conn).has_table(comments.name):
                return {}
            return _published_by_thread(conn, wanted)
    finally:
        engine.dispose()


def _published_by_thread(conn: Connection, wanted: list[str] | None) -> dict[str, list[dict]]:
    # Many threads (a big site) are read whole and filtered here rather than through a huge
    # IN list; replies' parents are resolved from one small index query.
    condition = comments.c.thread.in_(wanted) if wanted and len(wanted) <= 500 else None
    keep = set(wanted) if wanted is not None else None
    index_query = select(comments.c.id, comments.c.parent, comments.c.status, comments.c.thread)
    query = select(comments).where(comments.c.status == PUBLISHED).order_by(comments.c.id)
    if condition is not None:
        index_query, query = index_query.where(condition), query.where(condition)
    indexes: dict[str, dict[int, tuple[int | None, str]]] = {}
    for row in conn.execute(index_query):
        indexes.setdefault(row.thread, {})[row.id] = (row.parent, row.status)
    result: dict[str, list[dict]] = {}
    for row in conn.execute(query):
        if keep is not None and row.thread not in keep:
            continue
        comment = _as_dict(row)
        comment["parent"] = shown_parent(comment["parent"], indexes.get(row.thread, {}))
        result.setdefault(row.thread, []).append(public_view(comment))
    return result

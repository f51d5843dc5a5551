"""Every query of the comment store, and read_published, the build's way in (no Flask app)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    delete,
    exists,
    func,
    insert,
    inspect,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..core.moderation import BLOCK, DELETED, HOLD, PUBLISHED, TRUST
from ..core.validation import MAX_ID
from ..fields import FIELDS, public_view
from .engine import Database, make_engine, sqlite_path
from .schema import (
    audit_log,
    body_key,
    commenter_rules,
    comments,
    pages,
    rate_hits,
    reports,
    thread_rules,
)

# What the build reads: the public fields and the tree's links, never an email. A store of an
# older schema not migrated yet (the build may run before the service) lacks the newer ones;
# read_published reads those as their default.
PUBLIC_COLUMNS = tuple(
    column
    for column in comments.c
    if column.name in {"id", "thread", "parent", "status"}
    or any(f.public and f.name == column.name for f in FIELDS)
)


def _as_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def _with_body_key(values: dict[str, Any]) -> dict[str, Any]:
    # Every write of a body keeps its key with it, so the duplicate check's index is whole.
    if "body" in values:
        return {**values, "body_key": body_key(values["body"])}
    return values


_INSERT_COMMENT = insert(comments)


def _server_default(text: str) -> int | str:
    # The columns' defaults are numbers (flags) or words (a comment's kind).
    return int(text) if text.isdigit() else text


# What a new row holds in the columns its maker leaves out (the desk's, mostly).
_ROW_DEFAULTS = {
    column.name: _server_default(column.server_default.arg)
    if column.server_default is not None
    else None
    for column in comments.c
    if column.nullable or column.server_default is not None
}


def new_row(values: dict[str, Any]) -> dict[str, Any]:
    """Return a new comment's row: `values` over the columns' defaults, as the store keeps it."""
    return {**_ROW_DEFAULTS, **values}


def insert_comment(conn: Connection, values: dict[str, Any]) -> int:
    """Insert one comment and return the id the database gave it."""
    # One statement for every insert, its values as parameters: building a statement with
    # the values in it costs more than the insert itself.
    result = conn.execute(_INSERT_COMMENT, _with_body_key(values))
    return int(result.inserted_primary_key[0])


# Not sort_by_parameter_order: SQLite would then insert one row a statement. Each imported
# row carries its unique (source, source_id), which tells the returned ids apart.
_INSERT_IMPORTED = insert(comments).returning(comments.c.id, comments.c.source,
                                              comments.c.source_id)  # fmt: skip


def insert_comments(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert many comments that carry their ids (a restored export) in one statement."""
    if rows:
        conn.execute(_INSERT_COMMENT, [_with_body_key(values) for values in rows])


def insert_imported(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many imported comments, each with its own (source, source_id), in a statement
    for those that bring their id and one for the others; return their ids in the order of
    `rows`."""
    ids: dict[tuple[str, str], int] = {}
    for given in (True, False):
        group = [_with_body_key(values) for values in rows if ("id" in values) is given]
        if group:
            result = conn.execute(_INSERT_IMPORTED, group)
            ids.update({(row.source, row.source_id): int(row.id) for row in result})
    return [ids[(values["source"], values["source_id"])] for values in rows]


def taken_ids(conn: Connection, candidates: Iterable[int]) -> set[int]:
    """Return which of these comment ids the store already holds."""
    taken: set[int] = set()
    for chunk in _chunks(sorted(set(candidates))):
        taken.update(conn.scalars(select(comments.c.id).where(comments.c.id.in_(chunk))))
    return taken


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


# The per-post checks, built once (each post runs them; building a statement costs more
# than running it). Each finds its rows through an index, whatever the thread's length.
# The first, always run, is one round trip: whether this client and this email left the same
# text here, the editors' rules on the email and on the address, and the desk's word on the
# article (an admin closed or reopened it).
_POST_CHECKS = select(
    exists().where(
        comments.c.thread == bindparam("thread"),
        comments.c.body_key == bindparam("key"),
        comments.c.body == bindparam("body"),
        comments.c.address_hash == bindparam("address"),
    ),
    exists().where(
        comments.c.thread == bindparam("thread"),
        comments.c.body_key == bindparam("key"),
        comments.c.body == bindparam("body"),
        comments.c.email_key == bindparam("email"),
    ),
    select(commenter_rules.c.rule)
    .where(commenter_rules.c.kind == "email", commenter_rules.c.key == bindparam("email"))
    .scalar_subquery(),
    select(commenter_rules.c.rule)
    .where(commenter_rules.c.kind == "address", commenter_rules.c.key == bindparam("address"))
    .scalar_subquery(),
    select(thread_rules.c.open)
    .where(thread_rules.c.thread == bindparam("thread"))
    .scalar_subquery(),
)
_LATEST_FROM = select(
    select(func.max(comments.c.created))
    .where(comments.c.address_hash == bindparam("address"), comments.c.created > bindparam("since"))
    .scalar_subquery(),
    select(func.max(comments.c.created))
    .where(comments.c.email_key == bindparam("email"), comments.c.created > bindparam("since"))
    .scalar_subquery(),
)
_HAS_PUBLISHED = (
    select(comments.c.id)
    .where(comments.c.email_key == bindparam("email"), comments.c.status == PUBLISHED)
    .limit(1)
)


@dataclass(frozen=True)
class PostChecks:
    """What the store says of a new comment before it is stored."""

    # Whether this client, and whether this email, already left this exact text here.
    same_by_client: bool
    same_by_email: bool
    # The editors' rule on the email and on the address: None, hold, trust or block.
    email_rule: str | None
    address_rule: str | None
    # The desk's word on the article: None (as the article says), True open, False closed.
    desk_word: bool | None


def post_checks(
    conn: Connection, thread: str, body: str, *, address_hash: str, email_key: str
) -> PostChecks:
    """Return the checks of a new comment on `thread`, in one round trip."""
    same_client, same_email, email_rule, address_rule, desk_word = conn.execute(
        _POST_CHECKS,
        {"thread": thread, "key": body_key(body), "body": body,
         "address": address_hash, "email": email_key},
    ).one()  # fmt: skip
    return PostChecks(
        bool(same_client), bool(same_email), email_rule, address_rule,
        None if desk_word is None else bool(desk_word),
    )  # fmt: skip


def latest_since(
    conn: Connection, since: datetime, *, address_hash: str, email_key: str
) -> tuple[datetime | None, datetime | None]:
    """Return when the newest comment after `since` from this client, and from this email,
    was stored (None: none since)."""
    row = conn.execute(
        _LATEST_FROM, {"address": address_hash, "email": email_key, "since": since}
    ).one()
    moment = comments.c.created.type.process_result_value
    return moment(row[0], conn.dialect), moment(row[1], conn.dialect)


def has_published(conn: Connection, email_key: str) -> bool:
    """Return True when an approved comment from this email exists."""
    return conn.execute(_HAS_PUBLISHED, {"email": email_key}).first() is not None


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
    conn.execute(
        update(comments).where(comments.c.id == comment_id).values(**_with_body_key(values))
    )


def delete_comment(conn: Connection, comment_id: int) -> None:
    """Delete one comment and its reports for good; its replies move up to its own parent,
    so the tree stays whole."""
    conn.execute(delete(reports).where(reports.c.comment_id == comment_id))
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


_LATEST_CHANGE = select(func.max(pages.c.version))


def _mark(insert_into: Callable, version: Any) -> Any:
    # One statement per thread: insert its row, or move the row it has to this change.
    statement = insert_into(pages).values(thread=bindparam("thread"), version=version, baked=0)
    return statement.on_conflict_do_update(
        index_elements=[pages.c.thread], set_={"version": statement.excluded.version}
    ).returning(pages.c.version)


# By backend: the first thread's statement numbers the change (the writing transaction is
# serialised, so numbers follow the commits), the others take that number.
_NEXT_CHANGE = (select(func.coalesce(func.max(pages.c.version), 0) + 1)).scalar_subquery()
_MARKS = {
    name: (_mark(insert_into, _NEXT_CHANGE), _mark(insert_into, bindparam("version")))
    for name, insert_into in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
}


def mark_stale(conn: Connection, threads: Iterable[str]) -> int:
    """Record, in the caller's writing transaction, that these threads' pages need updating
    (at least one thread); return the change's number."""
    first, *others = sorted(set(threads))
    numbered, numbered_as = _MARKS[conn.dialect.name]
    version = conn.execute(numbered, {"thread": first}).scalar_one()
    for thread in others:
        conn.execute(numbered_as, {"thread": thread, "version": version})
    return version


def stale_pages(conn: Connection) -> list[tuple[str, int]]:
    """Return (thread, change number) of every page behind its comments, oldest change first."""
    query = (
        select(pages.c.thread, pages.c.version)
        .where(pages.c.baked < pages.c.version)
        .order_by(pages.c.version)
    )
    return [(row.thread, row.version) for row in conn.execute(query)]


def mark_baked(conn: Connection, thread: str, version: int) -> None:
    """Record that the page of `thread` shows its comments as of change `version`."""
    conn.execute(
        update(pages).where(pages.c.thread == thread, pages.c.baked < version).values(baked=version)
    )


def mark_failed(conn: Connection, thread: str, version: int) -> None:
    """Record that the update of the page of `thread` to change `version` failed."""
    conn.execute(
        update(pages)
        .where(pages.c.thread == thread, pages.c.failed < version)
        .values(failed=version)
    )


def page_state(conn: Connection, thread: str) -> tuple[int, int]:
    """Return (the change the page of `thread` shows, the newest change whose update failed);
    0 for none."""
    row = conn.execute(
        select(pages.c.baked, pages.c.failed).where(pages.c.thread == thread)
    ).first()
    return (row.baked, row.failed) if row else (0, 0)


def baked_change(conn: Connection, thread: str) -> int:
    """Return the number of the change the page of `thread` shows (0: none recorded)."""
    return page_state(conn, thread)[0]


def thread_change(conn: Connection, thread: str) -> int:
    """Return the number of the latest change to `thread`'s published comments (0: none)."""
    return conn.scalar(_THREAD_CHANGE, {"thread": thread}) or 0


def read_thread_change(db: Database, thread: str) -> int:
    """Return thread_change() of `thread`, read outside a transaction (Database.scalar_now):
    what every thread read looks up before it answers from the read cache."""
    return db.scalar_now(_THREAD_CHANGE, {"thread": thread}) or 0


_THREAD_CHANGE = select(pages.c.version).where(pages.c.thread == bindparam("thread"))


def latest_change(conn: Connection) -> int:
    """Return the number of the newest change to any thread's published comments (0: none)."""
    return conn.scalar(_LATEST_CHANGE) or 0


def changed_since(conn: Connection, version: int) -> list[str]:
    """Return the threads whose published comments changed after change `version`."""
    query = select(pages.c.thread).where(pages.c.version > version).order_by(pages.c.thread)
    return list(conn.scalars(query))


@contextmanager
def _store_reader(database_url: str, table: str) -> Iterator[Connection | None]:
    # For the build, without a Flask app: None when the store or the table does not exist
    # yet, which is never created here.
    path = sqlite_path(database_url)
    if path is not None and not path.is_file():
        yield None
        return
    engine = make_engine(database_url, timeout=30.0, pooled=False)
    try:
        with engine.connect() as conn, conn.begin():
            yield conn if inspect(conn).has_table(table) else None
    finally:
        engine.dispose()


def read_published(
    database_url: str, threads: Iterable[str] | None = None
) -> dict[str, list[dict]]:
    """Return {thread: [public comment, ...]} of the published comments, oldest first.

    Works without a Flask app. A store that does not exist yet gives {} and is not created.
    """
    wanted = None if threads is None else sorted(set(threads))
    if wanted == []:
        return {}
    with _store_reader(database_url, comments.name) as conn:
        if conn is None:
            return {}
        present = {column["name"] for column in inspect(conn).get_columns(comments.name)}
        columns = [
            c
            if c.name in present
            else literal(c.server_default.arg if c.server_default else None).label(c.name)
            for c in PUBLIC_COLUMNS
        ]
        return published_by_thread(conn, wanted, columns)


def read_latest_change(database_url: str) -> int:
    """Return latest_change() of the store at `database_url` (0 when there is none yet)."""
    with _store_reader(database_url, pages.name) as conn:
        return 0 if conn is None else latest_change(conn)


def read_changed_since(database_url: str, version: int) -> list[str]:
    """Return changed_since(version) of the store at `database_url`."""
    with _store_reader(database_url, pages.name) as conn:
        return [] if conn is None else changed_since(conn, version)


def published_by_thread(
    conn: Connection, wanted: list[str] | None, columns: Iterable[Any] = PUBLIC_COLUMNS
) -> dict[str, list[dict]]:
    """Return {thread: [public comment, ...]} of the published comments of `wanted` (None:
    all threads), oldest first, each reply's parent the nearest one shown."""
    # Many threads (a big site) are read whole and filtered here rather than through a huge
    # IN list; replies' parents are resolved from one small index query.
    condition = comments.c.thread.in_(wanted) if wanted and len(wanted) <= 500 else None
    keep = set(wanted) if wanted is not None else None
    index_query = select(comments.c.id, comments.c.parent, comments.c.status, comments.c.thread)
    query = select(*columns).where(comments.c.status == PUBLISHED).order_by(comments.c.id)
    if condition is not None:
        index_query, query = index_query.where(condition), query.where(condition)
    indexes: dict[str, dict[int, tuple[int | None, str]]] = {}
    for row in conn.execute(index_query):
        indexes.setdefault(row.thread, {})[row.id] = (row.parent, row.status)
    result: dict[str, list[dict]] = {}
    for row in conn.execute(query):
        if keep is not None and row.thread not in keep:
            continue
        comment = public_view(row._mapping)
        comment["parent"] = shown_parent(row.parent, indexes.get(row.thread, {}))
        result.setdefault(row.thread, []).append(comment)
    return result


# Readers' reports ----------------------------------------------------------------------------

# The queue name of the comments readers reported (not a status: a comment keeps its own).
REPORTED = "reported"
_OPEN_REPORTED = select(reports.c.comment_id).where(reports.c.resolved == 0)


def add_report(conn: Connection, values: dict[str, Any]) -> bool:
    """Store one reader's report unless this client reported the comment before; return
    whether it was new."""
    known = conn.scalar(
        select(reports.c.id).where(
            reports.c.comment_id == values["comment_id"], reports.c.key_hash == values["key_hash"]
        )
    )
    if known is not None:
        return False
    conn.execute(insert(reports).values(**values))
    return True


def open_report_count(conn: Connection, comment_id: int) -> int:
    """Return how many readers' reports of this comment wait for an editor."""
    return (
        conn.scalar(
            select(func.count())
            .select_from(reports)
            .where(reports.c.comment_id == comment_id, reports.c.resolved == 0)
        )
        or 0
    )


def open_reports(conn: Connection, comment_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Return the open reports of each comment (reason, note, when; never who), oldest first."""
    ids = sorted(set(comment_ids))
    found: dict[int, list[dict]] = {}
    if ids:
        query = (
            select(reports.c.comment_id, reports.c.reason, reports.c.note, reports.c.moment)
            .where(reports.c.comment_id.in_(ids), reports.c.resolved == 0)
            .order_by(reports.c.id)
        )
        for row in conn.execute(query):
            found.setdefault(row.comment_id, []).append(
                {"reason": row.reason, "note": row.note, "moment": row.moment}
            )
    return found


def resolve_reports(conn: Connection, comment_id: int) -> int:
    """Close this comment's open reports (an editor decided); return how many."""
    return conn.execute(
        update(reports)
        .where(reports.c.comment_id == comment_id, reports.c.resolved == 0)
        .values(resolved=1)
    ).rowcount


# Editors' rules on commenters and articles ---------------------------------------------------


def set_commenter_rule(
    conn: Connection, kind: str, key: str, rule: str | None, actor: str, moment: datetime
) -> None:
    """Give the commenter with this email or address `rule` (None: no rule)."""
    if rule not in (None, HOLD, TRUST, BLOCK):
        raise ValueError(f"unknown rule {rule!r}")
    where = (commenter_rules.c.kind == kind, commenter_rules.c.key == key)
    conn.execute(delete(commenter_rules).where(*where))
    if rule is not None:
        conn.execute(
            insert(commenter_rules).values(
                kind=kind, key=key, rule=rule, actor=actor, created=moment
            )
        )


def commenter_rules_of(conn: Connection, email_keys: Iterable[str]) -> dict[str, str]:
    """Return the rule on each of these emails that has one."""
    keys = sorted(set(email_keys))
    if not keys:
        return {}
    query = select(commenter_rules.c.key, commenter_rules.c.rule).where(
        commenter_rules.c.kind == "email", commenter_rules.c.key.in_(keys)
    )
    return {key: rule for key, rule in conn.execute(query)}


def set_thread_rule(
    conn: Connection, thread: str, is_open: bool | None, actor: str, moment: datetime
) -> None:
    """Record that an admin opened or closed `thread` (None: as the article says)."""
    conn.execute(delete(thread_rules).where(thread_rules.c.thread == thread))
    if is_open is not None:
        conn.execute(
            insert(thread_rules).values(
                thread=thread, open=int(is_open), actor=actor, changed=moment
            )
        )


def thread_rules_of(conn: Connection, threads: Iterable[str] | None = None) -> dict[str, bool]:
    """Return the desk's word on each article that has one: True open, False closed."""
    query = select(thread_rules.c.thread, thread_rules.c.open)
    if threads is not None:
        query = query.where(thread_rules.c.thread.in_(sorted(set(threads))))
    return {thread: bool(is_open) for thread, is_open in conn.execute(query)}


def read_thread_rules(database_url: str) -> dict[str, bool]:
    """Return thread_rules_of() every article of the store at `database_url` (for the build)."""
    with _store_reader(database_url, thread_rules.name) as conn:
        return {} if conn is None else thread_rules_of(conn)


# Deleted comments ---------------------------------------------------------------------------


def deleted_before(conn: Connection, moment: datetime, limit: int = 500) -> list[int]:
    """Return ids of comments deleted on the desk before `moment` (due to be purged)."""
    query = (
        select(comments.c.id)
        .where(comments.c.status == DELETED, comments.c.deleted < moment)
        .order_by(comments.c.id)
        .limit(limit)
    )
    return list(conn.scalars(query))


# The desk's queues -----------------------------------------------------------------------------


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def queue_page(
    conn: Connection,
    status: str,
    *,
    thread: str | None = None,
    email_key: str | None = None,
    text: str | None = None,
    newest_first: bool = True,
    limit: int = 25,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of the comments with `status` (filtered by article, commenter's email
    or a text in the comment or the name) and how many match in all. The status REPORTED
    gives the comments with open readers' reports, whatever their status (not deleted)."""
    if status == REPORTED:
        conditions = [comments.c.status != DELETED, comments.c.id.in_(_OPEN_REPORTED)]
    else:
        conditions = [comments.c.status == status]
    if thread:
        conditions.append(comments.c.thread == thread)
    if email_key:
        conditions.append(comments.c.email_key == email_key.lower())
    if text:
        pattern = _like(text)
        conditions.append(
            func.lower(comments.c.body).like(pattern, escape="\\")
            | func.lower(comments.c.author).like(pattern, escape="\\")
        )
    order = comments.c.id.desc() if newest_first else comments.c.id
    query = select(comments).where(*conditions).order_by(order).limit(limit).offset(offset)
    total = conn.scalar(select(func.count()).select_from(comments).where(*conditions)) or 0
    return [_as_dict(row) for row in conn.execute(query)], total


def status_counts(conn: Connection) -> dict[str, int]:
    """Return how many stored comments have each status, and under REPORTED how many have
    open readers' reports."""
    query = select(comments.c.status, func.count()).group_by(comments.c.status)
    counts = {status: count for status, count in conn.execute(query)}
    counts[REPORTED] = (
        conn.scalar(
            select(func.count())
            .select_from(comments)
            .where(comments.c.status != DELETED, comments.c.id.in_(_OPEN_REPORTED))
        )
        or 0
    )
    return counts


def commenter_records(conn: Connection, email_keys: Iterable[str]) -> dict[str, dict[str, int]]:
    """Return, for each email, how many of its comments have each status."""
    keys = sorted(set(email_keys))
    if not keys:
        return {}
    query = (
        select(comments.c.email_key, comments.c.status, func.count())
        .where(comments.c.email_key.in_(keys))
        .group_by(comments.c.email_key, comments.c.status)
    )
    records: dict[str, dict[str, int]] = {key: {} for key in keys}
    for key, status, count in conn.execute(query):
        records[key][status] = count
    return records


# The desk's audit log ------------------------------------------------------------------------

_INSERT_LOG = insert(audit_log)


def insert_log_entry(conn: Connection, values: dict[str, Any]) -> None:
    """Enter one editor action in the audit log."""
    conn.execute(_INSERT_LOG, values)


def log_entries(
    conn: Connection, *, limit: int, before_id: int | None = None, comment_id: int | None = None
) -> list[dict[str, Any]]:
    """Return the newest audit entries (older than `before_id`, of one comment if given)."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    if comment_id is not None:
        query = query.where(audit_log.c.comment_id == comment_id)
    return [_as_dict(row) for row in conn.execute(query)]


# Imports and exports ---------------------------------------------------------------------------

# Ids per statement when looking rows up by a list (well under every backend's parameter limit).
_CHUNK = 500


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def imported_ids(
    conn: Connection, source: str, source_ids: Iterable[str]
) -> dict[str, tuple[int, str]]:
    """Return (our id, thread) of each of these comments of `source` already imported."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(sorted(set(source_ids))):
        query = select(comments.c.source_id, comments.c.id, comments.c.thread).where(
            comments.c.source == source, comments.c.source_id.in_(chunk)
        )
        found.update({row.source_id: (row.id, row.thread) for row in conn.execute(query)})
    return found


def comments_by_ids(conn: Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Return the stored comments with these ids, by id."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(ids))):
        query = select(comments).where(comments.c.id.in_(chunk))
        found.update({row.id: _as_dict(row) for row in conn.execute(query)})
    return found


def count_comments(conn: Connection) -> int:
    """Return how many comments the store holds, whatever their status."""
    return conn.scalar(select(func.count()).select_from(comments)) or 0


def reserve_comment_ids(conn: Connection, highest: int) -> None:
    """Make the ids the store gives new comments start above `highest` (and above every
    stored one), so rows inserted later with their own ids up to it find them free."""
    if conn.dialect.name == "postgresql":
        stored = select(func.coalesce(func.max(comments.c.id), 0)).scalar_subquery()
        conn.execute(select(func.setval(func.pg_get_serial_sequence(comments.name, "id"),
                                        func.greatest(highest, stored, 1))))  # fmt: skip
    elif conn.dialect.name == "sqlite":
        # AUTOINCREMENT's counter: its row exists once the table had a row.
        conn.exec_driver_sql(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (highest, comments.name)
        )
        conn.exec_driver_sql(
            "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS"
            " (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
            (comments.name, highest, comments.name),
        )


def advance_comment_ids(conn: Connection) -> None:
    """Make the next new comment's id follow the highest stored one, after rows were inserted
    with their own ids (SQLite's AUTOINCREMENT follows by itself; PostgreSQL's sequence not)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            select(
                func.setval(
                    func.pg_get_serial_sequence(comments.name, "id"),
                    select(func.coalesce(func.max(comments.c.id), 1)).scalar_subquery(),
                )
            )
        )

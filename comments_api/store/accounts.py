"""Every query of the editors' desk accounts: editors, their sessions, failed sign-ins.

The tables are migration 5's (store/schema.py). A password hash leaves this module only
through `editor_by_name`, for checking a sign-in; listings never carry it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, or_, select, update

from .schema import editors, failures, sessions

# The columns an editor is shown by: never the password hash.
EDITOR_COLUMNS = (editors.c.id, editors.c.name, editors.c.role, editors.c.created)

# Prebuilt: every desk request looks its session up, every sign-in counts failures.
_INSERT_EDITOR = insert(editors)
_EDITOR_BY_NAME = select(editors).where(editors.c.name == bindparam("name"))
_LIST_EDITORS = select(*EDITOR_COLUMNS).order_by(editors.c.name)
_SESSION = (
    select(
        sessions.c.token_hash,
        sessions.c.editor_id,
        sessions.c.csrf,
        sessions.c.created,
        sessions.c.seen,
        editors.c.name,
        editors.c.role,
    )
    .join(editors, editors.c.id == sessions.c.editor_id)
    .where(sessions.c.token_hash == bindparam("token_hash"))
)
_INSERT_SESSION = insert(sessions)
# (An UPDATE's parameters may not be named like its columns.)
_TOUCH_SESSION = (
    update(sessions)
    .where(sessions.c.token_hash == bindparam("hashed"))
    .values(seen=bindparam("moment"))
)
_DELETE_SESSION = delete(sessions).where(sessions.c.token_hash == bindparam("token_hash"))
_FAILURES_SINCE = (
    select(failures.c.moment)
    .where(failures.c.key_hash == bindparam("key_hash"), failures.c.moment > bindparam("since"))
    .order_by(failures.c.moment)
)
_INSERT_FAILURE = insert(failures)


def _as_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


# Editors -------------------------------------------------------------------------------------


def insert_editor(
    conn: Connection, *, name: str, role: str, password_hash: str, created: datetime
) -> int:
    """Insert one editor and return the id the database gave it."""
    result = conn.execute(
        _INSERT_EDITOR,
        {"name": name, "role": role, "password_hash": password_hash, "created": created},
    )
    return int(result.inserted_primary_key[0])


def editor_by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    """Return the editor with this (lower-case) name, password hash included, or None."""
    row = conn.execute(_EDITOR_BY_NAME, {"name": name}).first()
    return _as_dict(row) if row else None


def list_editors(conn: Connection) -> list[dict[str, Any]]:
    """Return every editor (id, name, role, created) by name; no password hashes."""
    return [_as_dict(row) for row in conn.execute(_LIST_EDITORS)]


def delete_editor(conn: Connection, editor_id: int) -> None:
    """Delete one editor (their sessions are deleted separately)."""
    conn.execute(delete(editors).where(editors.c.id == editor_id))


def set_password_hash(conn: Connection, editor_id: int, password_hash: str) -> None:
    """Replace one editor's password hash."""
    conn.execute(
        update(editors).where(editors.c.id == editor_id).values(password_hash=password_hash)
    )


# Sessions ------------------------------------------------------------------------------------


def insert_session(
    conn: Connection, *, token_hash: str, editor_id: int, csrf: str, moment: datetime
) -> None:
    """Start one session, seen at the moment it was created."""
    conn.execute(
        _INSERT_SESSION,
        {"token_hash": token_hash, "editor_id": editor_id, "csrf": csrf,
         "created": moment, "seen": moment},
    )  # fmt: skip


def get_session(conn: Connection, token_hash: str) -> dict[str, Any] | None:
    """Return the session with this token hash and its editor's name and role, or None
    (also when the editor is gone)."""
    row = conn.execute(_SESSION, {"token_hash": token_hash}).first()
    return _as_dict(row) if row else None


def touch_session(conn: Connection, token_hash: str, seen: datetime) -> None:
    """Record that the session was used at `seen`."""
    conn.execute(_TOUCH_SESSION, {"hashed": token_hash, "moment": seen})


def delete_session(conn: Connection, token_hash: str) -> None:
    """End one session."""
    conn.execute(_DELETE_SESSION, {"token_hash": token_hash})


def delete_sessions_of(conn: Connection, editor_id: int, *, keep: str | None = None) -> int:
    """End every session of one editor but the one whose hash is `keep`; return how many."""
    statement = delete(sessions).where(sessions.c.editor_id == editor_id)
    if keep is not None:
        statement = statement.where(sessions.c.token_hash != keep)
    return conn.execute(statement).rowcount


def delete_stale_sessions(
    conn: Connection, *, seen_before: datetime, created_before: datetime
) -> int:
    """Delete the sessions idle since before `seen_before` or started before `created_before`."""
    statement = delete(sessions).where(
        or_(sessions.c.seen < seen_before, sessions.c.created < created_before)
    )
    return conn.execute(statement).rowcount


# Failed sign-ins -----------------------------------------------------------------------------


def failures_since(conn: Connection, key_hash: str, since: datetime) -> list[datetime]:
    """Return when this key's failed sign-ins after `since` happened, oldest first."""
    return list(conn.scalars(_FAILURES_SINCE, {"key_hash": key_hash, "since": since}))


def add_failures(conn: Connection, key_hashes: Iterable[str], moment: datetime) -> None:
    """Count one failed sign-in under each key at `moment`."""
    conn.execute(_INSERT_FAILURE, [{"key_hash": k, "moment": moment} for k in key_hashes])


def clear_failures(conn: Connection, key_hashes: Iterable[str]) -> None:
    """Forget every failed sign-in under these keys."""
    conn.execute(delete(failures).where(failures.c.key_hash.in_(sorted(set(key_hashes)))))


def delete_failures_before(conn: Connection, before: datetime) -> int:
    """Delete every key's failed sign-ins at or before `before`; return how many."""
    return conn.execute(delete(failures).where(failures.c.moment <= before)).rowcount

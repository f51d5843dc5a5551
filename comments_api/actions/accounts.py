"""Editors' accounts for the desk: add, list, remove, change a password, sign in; sessions;
the limits on failed sign-ins.

Passwords are kept as argon2id hashes (argon2-cffi's defaults). A session's cookie carries a
random token of which only the SHA-256 is stored. Failed sign-ins are counted per account name
and per client address under keyed hashes, never the name or the address itself. The rules
(names, passwords, delays, the lock, timeouts) are core/accounts.py's pure functions; this
module applies them to the store.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask

from ..core.accounts import (
    FAILURE_WINDOW,
    KEEP_FAILURES,
    LOCK_TIME,
    MAX_DELAY,
    ROLES,
    AccountError,
    UnknownEditor,
    check_password,
    check_role,
    delay_left,
    failure_keys,
    locked_until,
    normalise_name,
    retry_after,
    role_allows,
    same_token,
    session_expired,
    token_hash,
)
from ..extensions import get_db, now
from ..store import accounts as store
from . import audit

# The rules are used from here too (the desk, the CLI and the tests know this module).
__all__ = [
    "MAX_DELAY", "ROLES", "AccountError", "Editor", "Session", "SignIn", "UnknownEditor",
    "add_editor", "change_password", "delay_left", "end_session", "find_editor",
    "find_session", "list_editors", "locked_until", "name_taken", "no_such_editor",
    "normalise_name", "remove_editor", "retry_after", "role_allows", "same_token",
    "sign_in", "token_hash",
]  # fmt: skip

log = logging.getLogger(__name__)

# A session's last use is written at most this often.
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Editor:
    """An editor as the desk knows them: never the password hash."""

    id: int
    name: str
    role: str  # "moderator" or "admin"


@dataclass(frozen=True)
class Session:
    """A signed-in editor's session: who, its CSRF token, and its stored token hash."""

    editor: Editor
    csrf: str
    token_hash: str


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt gave: a session (editor and cookie token), or neither, and
    how many seconds to wait when the attempt was refused unchecked."""

    editor: Editor | None = None
    token: str | None = None
    retry_after: int | None = None


# Passwords ----------------------------------------------------------------------------------

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    # An unknown name is checked against this, so it costs what a known one does.
    return _hasher.hash(secrets.token_urlsafe(24))


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password`."""
    return _hasher.hash(password)


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Editors ------------------------------------------------------------------------------------


def _editor(row: dict[str, Any]) -> Editor:
    return Editor(id=row["id"], name=row["name"], role=row["role"])


def add_editor(app: Flask, name: str, role: str, password: str, *, actor: str) -> Editor:
    """Create an editor's account and enter it in the audit log.

    Raises:
        AccountError: for a bad name, role or password, or a name already taken.
    """
    name, role = normalise_name(name), check_role(role)
    check_password(password)
    password_hash = hash_password(password)
    moment = now(app)
    with get_db(app).write() as conn:
        if store.editor_by_name(conn, name) is not None:
            raise name_taken(name)
        editor_id = store.insert_editor(
            conn, name=name, role=role, password_hash=password_hash, created=moment
        )
        audit.record(
            conn, actor=actor, action="editor-add", moment=moment,
            after={"name": name, "role": role},
        )  # fmt: skip
    log.info("desk: %s added editor %s (%s)", actor, name, role)
    return Editor(id=editor_id, name=name, role=role)


def list_editors(app: Flask) -> list[dict[str, Any]]:
    """Return every editor's id, name, role and created moment, by name."""
    with get_db(app).read() as conn:
        return store.list_editors(conn)


def _row_named(conn: Any, name: str) -> dict[str, Any] | None:
    # A name no account could have has no row.
    try:
        return store.editor_by_name(conn, normalise_name(name))
    except AccountError:
        return None


def name_taken(name: str) -> AccountError:
    """Return the refusal of a new account under a name already taken."""
    return AccountError(f"There is already an editor named {name.strip().lower()}.")


def no_such_editor(name: str) -> UnknownEditor:
    """Return the refusal of an action on a name no editor has."""
    return UnknownEditor(f"There is no editor named {name.strip()}.")


def find_editor(app: Flask, name: str) -> Editor | None:
    """Return the editor with this name (any case), or None."""
    with get_db(app).read() as conn:
        row = _row_named(conn, name)
    return _editor(row) if row else None


def _find(conn: Any, name: str) -> dict[str, Any]:
    if (row := _row_named(conn, name)) is None:
        raise no_such_editor(name)
    return row


def remove_editor(app: Flask, name: str, *, actor: str) -> Editor:
    """Delete an editor's account and end their sessions at once; log it.

    Raises:
        UnknownEditor: when no editor has this name.
    """
    moment = now(app)
    with get_db(app).write() as conn:
        row = _find(conn, name)
        ended = store.delete_sessions_of(conn, row["id"])
        store.delete_editor(conn, row["id"])
        audit.record(
            conn, actor=actor, action="editor-remove", moment=moment,
            before={"name": row["name"], "role": row["role"]},
        )  # fmt: skip
    log.info("desk: %s removed editor %s (%s sessions ended)", actor, row["name"], ended)
    return _editor(row)


def change_password(
    app: Flask, name: str, password: str, *, actor: str, keep_session: str | None = None
) -> Editor:
    """Give an editor a new password and end their other sessions (all but the one whose
    token hash is `keep_session`); log it.

    Raises:
        UnknownEditor: when no editor has this name.
        AccountError: when the password is too short.
    """
    check_password(password)
    password_hash = hash_password(password)
    moment = now(app)
    with get_db(app).write() as conn:
        row = _find(conn, name)
        store.set_password_hash(conn, row["id"], password_hash)
        ended = store.delete_sessions_of(conn, row["id"], keep=keep_session)
        audit.record(
            conn, actor=actor, action="editor-password", moment=moment,
            after={"name": row["name"]},
        )  # fmt: skip
    log.info("desk: %s changed the password of %s (%s sessions ended)", actor, row["name"], ended)
    return _editor(row)


# Signing in and sessions --------------------------------------------------------------------


def sign_in(app: Flask, name: str, password: str, address: str) -> SignIn:
    """Check a sign-in and start a session when it matches an account.

    The attempt is counted as a failure before the password is checked, in the same
    serialised transaction as the check of the limits, so parallel guesses cannot slip past
    them; a match then clears the failures of the name and of the address. An unknown name
    is checked against a dummy hash: the same work, the same answer, as a wrong password.
    """
    config = app.config
    name_key, address_key = failure_keys(config["COMMENTS_SECRET_KEY"], name, address)
    moment = now(app)
    row = None
    with get_db(app).write() as conn:
        store.delete_failures_before(conn, moment - KEEP_FAILURES)
        _delete_stale_sessions(app, conn, moment)
        # The lock looks back two windows: ten failures within one, ending within the last.
        since = moment - FAILURE_WINDOW - LOCK_TIME
        wait = retry_after(
            store.failures_since(conn, name_key, since),
            store.failures_since(conn, address_key, since),
            moment,
        )
        if wait is None:
            store.add_failures(conn, (name_key, address_key), moment)
            row = _row_named(conn, name)
    if wait is not None:
        log.info(
            "desk: sign-in refused, wait %ss (account %s, address %s)",
            wait, name_key[:8], address_key[:8],
        )  # fmt: skip
        return SignIn(retry_after=wait)
    stored = row["password_hash"] if row else _dummy_hash()
    if not _matches(stored, password) or row is None:
        log.info("desk: sign-in failed (account %s, address %s)", name_key[:8], address_key[:8])
        return SignIn()
    editor = _editor(row)
    token = secrets.token_urlsafe(32)
    with get_db(app).write() as conn:
        store.clear_failures(conn, (name_key, address_key))
        if _hasher.check_needs_rehash(stored):
            store.set_password_hash(conn, editor.id, hash_password(password))
        store.insert_session(
            conn,
            token_hash=token_hash(token),
            editor_id=editor.id,
            csrf=secrets.token_urlsafe(32),
            moment=now(app),
        )
    log.info("desk: sign-in of account %s from address %s", name_key[:8], address_key[:8])
    return SignIn(editor=editor, token=token)


def _timeouts(app: Flask) -> tuple[timedelta, timedelta]:
    config = app.config
    return (
        timedelta(minutes=config["COMMENTS_DESK_IDLE_MINUTES"]),
        timedelta(hours=config["COMMENTS_DESK_SESSION_HOURS"]),
    )


def _delete_stale_sessions(app: Flask, conn: Any, moment: datetime) -> None:
    idle, lifetime = _timeouts(app)
    store.delete_stale_sessions(conn, seen_before=moment - idle, created_before=moment - lifetime)


def find_session(app: Flask, token: str | None) -> Session | None:
    """Return the live session whose cookie token is `token`, or None; an expired one is
    deleted, and a live one's last use is written at most once a minute."""
    if not token or len(token) > 128:
        return None
    hashed = token_hash(token)
    db = get_db(app)
    with db.read() as conn:
        row = store.get_session(conn, hashed)
    if row is None:
        return None
    moment = now(app)
    idle, lifetime = _timeouts(app)
    if session_expired(row["created"], row["seen"], moment, idle=idle, lifetime=lifetime):
        with db.write() as conn:
            store.delete_session(conn, hashed)
        return None
    if moment - row["seen"] >= SEEN_EVERY:
        with db.write() as conn:
            store.touch_session(conn, hashed, moment)
    editor = Editor(id=row["editor_id"], name=row["name"], role=row["role"])
    return Session(editor=editor, csrf=row["csrf"], token_hash=hashed)


def end_session(app: Flask, token: str | None) -> None:
    """End the session whose cookie token is `token` (nothing when there is none)."""
    if token:
        with get_db(app).write() as conn:
            store.delete_session(conn, token_hash(token))

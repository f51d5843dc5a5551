"""The comment store's engine: SQLite in WAL mode or PostgreSQL, one engine per process.

Writes are serialised: SQLite's BEGIN IMMEDIATE and a PostgreSQL transaction-level advisory
lock make "check for duplicates and floods, then insert" one atomic step across worker
processes. A lock held past the timeout raises OperationalError, which the service answers
with 503 and Retry-After.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import Compiled
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.base import Executable

from .schema import migrate

# Any fixed number: the advisory lock every writing transaction takes on PostgreSQL.
WRITE_LOCK_KEY = 7_301_955
# Seconds a pooled PostgreSQL connection may sit idle before it is checked on checkout.
PING_AFTER = 1.0
IDLE_SINCE = "comments_idle_since"


def normalise_url(url: str) -> str:
    """Return `url` with the installed PostgreSQL driver (psycopg 3) named when none is."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed.render_as_string(hide_password=False)
    return url


def sqlite_path(url: str) -> Path | None:
    """Return the file of an SQLite URL, or None for another database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database or "")


def _set_wal(cursor, timeout: float) -> None:
    # Switching a new file to WAL needs a moment with no other writer, and SQLite answers
    # "database is locked" at once instead of waiting: several workers opening a new store
    # together retry here, within the lock timeout, rather than failing a request.
    deadline = time.monotonic() + timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def make_engine(url: str, timeout: float, *, pooled: bool = True) -> Engine:
    """Return an engine for `url` that waits up to `timeout` seconds for locks.

    Statement parameters are left out of error messages: they hold commenters' emails.
    """
    url = normalise_url(url)
    if sqlite_path(url) is not None:
        engine = create_engine(
            url,
            connect_args={"timeout": timeout, "check_same_thread": False},
            poolclass=None if pooled else NullPool,
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            _set_wal(cursor, timeout)
            # FULL: a commit is on disk before the answer leaves, even in WAL mode.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            write = conn.get_execution_options().get("write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    engine = create_engine(
        url,
        connect_args={"connect_timeout": max(1, round(timeout))},
        poolclass=None if pooled else NullPool,
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _pg_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(timeout * 1000)}")
        dbapi_connection.commit()

    @event.listens_for(engine, "checkin")
    def _pg_checkin(_dbapi_connection, record):
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _pg_checkout(dbapi_connection, record, _proxy):
        # A connection that sat idle may have been closed by a restart or a timeout: ask it
        # first, and let the pool connect again if it does not answer. One busy a moment ago
        # is used at once, which saves a round trip on every request under load.
        if time.monotonic() - record.info.get(IDLE_SINCE, 0.0) < PING_AFTER:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:  # any failure: this connection is gone
            raise DisconnectionError(str(error)) from None

    return engine


class Database:
    """The store at one URL; its schema is created or migrated on first use in each process."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self.backend = make_url(url).get_backend_name()
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._pid: int | None = None
        # Statements scalar_now runs, compiled once for this store's dialect.
        self._compiled: dict[Executable, Compiled] = {}

    @property
    def engine(self) -> Engine:
        """Return this process's engine, making the schema ready the first time."""
        if self._engine is not None and self._pid == os.getpid():
            return self._engine
        with self._lock:
            # A forked worker must not share its parent's connections.
            if self._engine is None or self._pid != os.getpid():
                path = sqlite_path(self.url)
                if path is not None and str(path):
                    path.parent.mkdir(parents=True, exist_ok=True)
                engine = make_engine(self.url, self.timeout)
                self._prepare(engine)
                self._engine, self._pid = engine, os.getpid()
        return self._engine

    def _prepare(self, engine: Engine) -> None:
        with engine.connect().execution_options(write=True) as conn, conn.begin():
            if self.backend == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            migrate(conn)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """Yield a connection in a serialised writing transaction, committed on success."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            if self.backend == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Yield a connection in a reading transaction (one consistent snapshot)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def scalar_now(self, statement: Executable, values: dict[str, Any]) -> Any:
        """Run one reading statement outside any transaction and return its first column
        (None when no row), straight on a pooled driver connection.

        For the read every thread request makes (its change number) the statement is the
        cheap part: this skips the BEGIN and COMMIT round trips of a snapshot on PostgreSQL
        and SQLAlchemy's execution layers; the pool and its checks still apply.
        """
        engine = self.engine
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = statement.compile(dialect=engine.dialect)
        bound = compiled.construct_params(values)
        args = [bound[name] for name in compiled.positiontup] if compiled.positional else bound
        raw = engine.raw_connection()
        cursor, gone = None, False
        try:
            driver = raw.driver_connection
            if self.backend == "postgresql":
                driver.autocommit = True
            try:
                cursor = raw.cursor()
                try:
                    cursor.execute(str(compiled), args)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except engine.dialect.loaded_dbapi.Error as error:
                # As SQLAlchemy would: a lost connection leaves the pool, and the error is
                # its OperationalError (answered 503), parameters hidden.
                gone = engine.dialect.is_disconnect(error, driver, cursor)
                if gone:
                    raw.invalidate(error)
                raise DBAPIError.instance(
                    str(compiled),
                    args,
                    error,
                    engine.dialect.loaded_dbapi.Error,
                    hide_parameters=True,
                    connection_invalidated=gone,
                    dialect=engine.dialect,
                ) from error
            finally:
                if self.backend == "postgresql" and not gone:
                    driver.autocommit = False
        finally:
            raw.close()
        return None if row is None else row[0]

    def dispose(self) -> None:
        """Close this process's connections."""
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()
        self._engine = None

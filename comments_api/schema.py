"""The comment store's tables and the numbered migrations that create and update them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)


class SchemaError(RuntimeError):
    """The database was written by a newer version of the service."""


class UTCDateTime(TypeDecorator):
    """A moment in UTC: timestamptz on PostgreSQL, a naive UTC text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store the moment in UTC."""
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("thread", String(200), nullable=False),
    Column("parent", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("author", String(245), nullable=False),
    Column("email", String(100), nullable=False),
    # The address lower-cased: "an earlier approved comment from the same email" and the
    # flood interval compare on it.
    Column("email_key", String(100), nullable=False),
    Column("url", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("modified", UTCDateTime, nullable=True),
    # Keyed hashes: the client's IP address and the avatar are never stored in clear.
    Column("address_hash", String(64), nullable=False),
    Column("avatar", String(64), nullable=False),
    Index("ix_comments_thread_status_id", "thread", "status", "id"),
    Index("ix_comments_email_key_status", "email_key", "status"),
    Index("ix_comments_email_key_created", "email_key", "created"),
    Index("ix_comments_address_created", "address_hash", "created"),
    Index("ix_comments_parent", "parent"),
    # Ids are never reused: an edit token for a deleted comment must not fit a new one.
    sqlite_autoincrement=True,
)

schema_versions = Table(
    "comments_schema",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied", UTCDateTime, nullable=False),
)


def _create_comments(conn: Connection) -> None:
    comments.create(conn, checkfirst=True)


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_create_comments,)


def migrate(conn: Connection) -> int:
    """Bring the schema up to date inside the caller's (locked) transaction; return its version.

    Raises:
        SchemaError: when the database is newer than this code.
    """
    schema_versions.create(conn, checkfirst=True)
    current = conn.scalar(select(func.max(schema_versions.c.version))) or 0
    if current > len(MIGRATIONS):
        raise SchemaError(f"comment store schema {current} is newer than {len(MIGRATIONS)}")
    for number in range(current + 1, len(MIGRATIONS) + 1):
        MIGRATIONS[number - 1](conn)
        conn.execute(insert(schema_versions).values(version=number, applied=datetime.now(UTC)))
        log.info("comments: applied schema migration %s", number)
    return len(MIGRATIONS)

"""The comment store's tables, and the numbered migrations that create and update them.

`comments` below is the table as the code reads and writes it today. The database gets there
through MIGRATIONS: each is the DDL of the day it was written and never changes afterwards,
so a store made by any release migrates to the same schema. To add a column, append a step
(ALTER TABLE comments ADD COLUMN ...) and add the Column below; a test checks the two agree.
A step is SQL text, or a function of the connection for data a statement cannot compute.
"""

from __future__ import annotations

import hashlib
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
    text,
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
    # SHA-256 of the body: the duplicate check finds the same text through an index.
    Column("body_key", String(64), nullable=True),
    Column("created", UTCDateTime, nullable=False),
    Column("modified", UTCDateTime, nullable=True),
    # Keyed hashes: the client's IP address and the avatar are never stored in clear.
    Column("address_hash", String(64), nullable=False),
    Column("avatar", String(64), nullable=False),
    # Why the moderation rules held it (None when published on arrival), for the desk.
    Column("held_reason", String(200), nullable=True),
    # Set by the desk (migration 6): when an editor deleted it (restorable until purged) and
    # the status it goes back to; a reply from the newsroom; pinned at the top of its thread;
    # an editor's change of the text, with the editor's note and name.
    Column("deleted", UTCDateTime, nullable=True),
    Column("restore_status", String(16), nullable=True),
    Column("staff", Integer, nullable=False, server_default="0"),
    Column("featured", Integer, nullable=False, server_default="0"),
    Column("editor_note", Text, nullable=True),
    Column("edited_by", String(64), nullable=True),
    # Imported comments (migration 8): which importer made the row (None: posted here) and
    # the source's own id, unique together so a second import of a file adds nothing; and
    # what it was (comment, pingback or trackback).
    Column("source", String(16), nullable=True),
    Column("source_id", String(64), nullable=True),
    Column("kind", String(16), nullable=False, server_default="comment"),
    Index("ix_comments_thread_status_id", "thread", "status", "id"),
    Index("ix_comments_email_key_status", "email_key", "status"),
    Index("ix_comments_email_key_created", "email_key", "created"),
    Index("ix_comments_address_created", "address_hash", "created"),
    Index("ix_comments_parent", "parent"),
    Index("ix_comments_thread_body_key", "thread", "body_key"),
    Index("ix_comments_status_deleted", "status", "deleted"),
    Index("ix_comments_source_id", "source", "source_id", unique=True),
    # Ids are never reused: an edit token for a deleted comment must not fit a new one.
    sqlite_autoincrement=True,
)

schema_versions = Table(
    "comments_schema",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied", UTCDateTime, nullable=False),
)

# Accepted comments per client for the rate limit, shared by every worker: one row per
# accepted comment (the client's keyed hash, when), deleted once older than the longest window.
rate_hits = Table(
    "comments_rate",
    metadata,
    Column("key_hash", String(64), nullable=False),
    Column("moment", UTCDateTime, nullable=False),
    Index("ix_comments_rate_key_moment", "key_hash", "moment"),
    Index("ix_comments_rate_moment", "moment"),
)

# The page-update queue: each thread whose published comments changed, the change's number
# (one sequence for the whole store) and the number its static page last showed. A thread is
# stale while baked < version; the row stays, so a build can ask what changed while it ran.
# failed: the newest change whose page update failed (0: none), so no one waits for it.
pages = Table(
    "comments_pages",
    metadata,
    Column("thread", String(200), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("baked", Integer, nullable=False),
    Column("failed", Integer, nullable=False, server_default="0"),
    Index("ix_comments_pages_version", "version"),
)

# The editors' desk (migration 5). Editors' accounts: the name lower-case, the password as an
# argon2id hash. Sessions: only the SHA-256 of the cookie's token is kept. Failed sign-ins: one
# row per failure under a keyed hash of the account name or of the client address.
editors = Table(
    "desk_editors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Index("ix_desk_editors_name", "name", unique=True),
)
sessions = Table(
    "desk_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("editor_id", Integer, nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("seen", UTCDateTime, nullable=False),
    Index("ix_desk_sessions_editor", "editor_id"),
)
failures = Table(
    "desk_failures",
    metadata,
    Column("key_hash", String(64), nullable=False),
    Column("moment", UTCDateTime, nullable=False),
    Index("ix_desk_failures_key_moment", "key_hash", "moment"),
)
# Every editor action: who (an editor's name, or system:<user> for the CLI), what, on which
# comment, and the value before and after (a status, or JSON of the changed fields).
audit_log = Table(
    "desk_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("moment", UTCDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(32), nullable=False),
    Column("comment_id", Integer),
    Column("thread", String(200)),
    Column("old_value", Text),
    Column("new_value", Text),
    Index("ix_desk_log_moment", "moment"),
    Index("ix_desk_log_comment", "comment_id"),
)

# Readers' reports (migration 6): one per comment and client (a keyed hash of its address);
# resolved once an editor decides on the comment, so only open reports hide it.
reports = Table(
    "comment_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("comment_id", Integer, nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("moment", UTCDateTime, nullable=False),
    Column("resolved", Integer, nullable=False, server_default="0"),
    Index("ix_reports_comment_key", "comment_id", "key_hash", unique=True),
    Index("ix_reports_resolved", "resolved", "comment_id"),
)
# Editors' standing decisions on a commenter: hold, trust or block, by the email (kind
# "email", the lower-cased address) or by the keyed hash of the client address ("address").
commenter_rules = Table(
    "desk_commenters",
    metadata,
    Column("kind", String(8), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("rule", String(8), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("created", UTCDateTime, nullable=False),
)
# Articles an admin closed or reopened on the desk, over what the article itself says.
thread_rules = Table(
    "desk_threads",
    metadata,
    Column("thread", String(200), primary_key=True),
    Column("open", Integer, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("changed", UTCDateTime, nullable=False),
)

# Mail to moderators (migration 7): one notice per moderator, kept until a sender hands it to
# the mail server (sent) or finds the comment no longer waits for anyone (dropped). next_try:
# when a sender may take it; taking it moves next_try past the longest its try can last, so a
# sender that dies mid-way leaves it to the next; a failure moves it further (backoff).
mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", UTCDateTime, nullable=False),
    Column("event", String(16), nullable=False),
    Column("comment_id", Integer, nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_try", UTCDateTime, nullable=False),
    Column("sent", UTCDateTime, nullable=True),
    Column("dropped", Integer, nullable=False, server_default="0"),
    Column("last_error", String(200), nullable=True),
    Index("ix_mail_outbox_sent_next_try", "sent", "next_try"),
    Index("ix_mail_outbox_comment", "comment_id"),
)


def body_key(body: str) -> str:
    """Return the stored key of a comment's text (its SHA-256, hex)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _fill_body_keys(conn: Connection) -> None:
    rows = conn.execute(text("SELECT id, body FROM comments WHERE body_key IS NULL")).all()
    for row in rows:
        conn.execute(
            text("UPDATE comments SET body_key = :key WHERE id = :id"),
            {"key": body_key(row.body), "id": row.id},
        )


# Each step: statements with {serial} (the auto-increment key) and {time} (an aware moment)
# spelled per dialect.
DIALECT_WORDS = {
    "sqlite": {"serial": "INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT", "time": "DATETIME"},
    "postgresql": {"serial": "SERIAL NOT NULL PRIMARY KEY", "time": "TIMESTAMP WITH TIME ZONE"},
}
Step = str | Callable[[Connection], None]
MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    # 1: the comments table.
    (
        """CREATE TABLE comments (
            id {serial},
            thread VARCHAR(200) NOT NULL,
            parent INTEGER,
            status VARCHAR(16) NOT NULL,
            author VARCHAR(245) NOT NULL,
            email VARCHAR(100) NOT NULL,
            email_key VARCHAR(100) NOT NULL,
            url VARCHAR(200) NOT NULL,
            body TEXT NOT NULL,
            body_html TEXT NOT NULL,
            created {time} NOT NULL,
            modified {time},
            address_hash VARCHAR(64) NOT NULL,
            avatar VARCHAR(64) NOT NULL
        )""",
        "CREATE INDEX ix_comments_address_created ON comments (address_hash, created)",
        "CREATE INDEX ix_comments_email_key_created ON comments (email_key, created)",
        "CREATE INDEX ix_comments_email_key_status ON comments (email_key, status)",
        "CREATE INDEX ix_comments_parent ON comments (parent)",
        "CREATE INDEX ix_comments_thread_status_id ON comments (thread, status, id)",
    ),
    # 2: the rate limit's hits, counted once for all workers.
    (
        """CREATE TABLE comments_rate (
            key_hash VARCHAR(64) NOT NULL,
            moment {time} NOT NULL
        )""",
        "CREATE INDEX ix_comments_rate_key_moment ON comments_rate (key_hash, moment)",
        "CREATE INDEX ix_comments_rate_moment ON comments_rate (moment)",
    ),
    # 3: the duplicate check by index, and the page-update queue.
    (
        "ALTER TABLE comments ADD COLUMN body_key VARCHAR(64)",
        _fill_body_keys,
        "CREATE INDEX ix_comments_thread_body_key ON comments (thread, body_key)",
        """CREATE TABLE comments_pages (
            thread VARCHAR(200) NOT NULL PRIMARY KEY,
            version INTEGER NOT NULL,
            baked INTEGER NOT NULL
        )""",
        "CREATE INDEX ix_comments_pages_version ON comments_pages (version)",
    ),
    # 4: which change's page update failed, so a form post does not wait for it.
    ("ALTER TABLE comments_pages ADD COLUMN failed INTEGER NOT NULL DEFAULT 0",),
    # 5: the editors' desk: why a comment is held, accounts, sessions, failed sign-ins, the log.
    (
        "ALTER TABLE comments ADD COLUMN held_reason VARCHAR(200)",
        """CREATE TABLE desk_editors (
            id {serial},
            name VARCHAR(64) NOT NULL,
            role VARCHAR(16) NOT NULL,
            password_hash VARCHAR(255) NOT NULL,
            created {time} NOT NULL
        )""",
        "CREATE UNIQUE INDEX ix_desk_editors_name ON desk_editors (name)",
        """CREATE TABLE desk_sessions (
            token_hash VARCHAR(64) NOT NULL PRIMARY KEY,
            editor_id INTEGER NOT NULL,
            csrf VARCHAR(64) NOT NULL,
            created {time} NOT NULL,
            seen {time} NOT NULL
        )""",
        "CREATE INDEX ix_desk_sessions_editor ON desk_sessions (editor_id)",
        """CREATE TABLE desk_failures (
            key_hash VARCHAR(64) NOT NULL,
            moment {time} NOT NULL
        )""",
        "CREATE INDEX ix_desk_failures_key_moment ON desk_failures (key_hash, moment)",
        """CREATE TABLE desk_log (
            id {serial},
            moment {time} NOT NULL,
            actor VARCHAR(80) NOT NULL,
            action VARCHAR(32) NOT NULL,
            comment_id INTEGER,
            thread VARCHAR(200),
            old_value TEXT,
            new_value TEXT
        )""",
        "CREATE INDEX ix_desk_log_moment ON desk_log (moment)",
        "CREATE INDEX ix_desk_log_comment ON desk_log (comment_id)",
    ),
    # 6: the desk's actions: deleted and restorable, staff replies, featured comments, editors'
    # edits, readers' reports, rules on commenters and on articles.
    (
        "ALTER TABLE comments ADD COLUMN deleted {time}",
        "ALTER TABLE comments ADD COLUMN restore_status VARCHAR(16)",
        "ALTER TABLE comments ADD COLUMN staff INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE comments ADD COLUMN featured INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE comments ADD COLUMN editor_note TEXT",
        "ALTER TABLE comments ADD COLUMN edited_by VARCHAR(64)",
        "CREATE INDEX ix_comments_status_deleted ON comments (status, deleted)",
        """CREATE TABLE comment_reports (
            id {serial},
            comment_id INTEGER NOT NULL,
            key_hash VARCHAR(64) NOT NULL,
            reason VARCHAR(32) NOT NULL,
            note TEXT NOT NULL,
            moment {time} NOT NULL,
            resolved INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE UNIQUE INDEX ix_reports_comment_key ON comment_reports (comment_id, key_hash)",
        "CREATE INDEX ix_reports_resolved ON comment_reports (resolved, comment_id)",
        """CREATE TABLE desk_commenters (
            kind VARCHAR(8) NOT NULL,
            key VARCHAR(100) NOT NULL,
            rule VARCHAR(8) NOT NULL,
            actor VARCHAR(80) NOT NULL,
            created {time} NOT NULL,
            PRIMARY KEY (kind, key)
        )""",
        """CREATE TABLE desk_threads (
            thread VARCHAR(200) NOT NULL PRIMARY KEY,
            open INTEGER NOT NULL,
            actor VARCHAR(80) NOT NULL,
            changed {time} NOT NULL
        )""",
    ),
    # 7: mail to moderators: the outbox of notices.
    (
        """CREATE TABLE mail_outbox (
            id {serial},
            created {time} NOT NULL,
            event VARCHAR(16) NOT NULL,
            comment_id INTEGER NOT NULL,
            recipient VARCHAR(254) NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try {time} NOT NULL,
            sent {time},
            dropped INTEGER NOT NULL DEFAULT 0,
            last_error VARCHAR(200)
        )""",
        "CREATE INDEX ix_mail_outbox_sent_next_try ON mail_outbox (sent, next_try)",
        "CREATE INDEX ix_mail_outbox_comment ON mail_outbox (comment_id)",
    ),
    # 8: imported comments: their source and its id (unique together), and their kind.
    (
        "ALTER TABLE comments ADD COLUMN source VARCHAR(16)",
        "ALTER TABLE comments ADD COLUMN source_id VARCHAR(64)",
        "ALTER TABLE comments ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'comment'",
        "CREATE UNIQUE INDEX ix_comments_source_id ON comments (source, source_id)",
    ),
)


def apply_step(conn: Connection, number: int) -> None:
    """Run migration `number` (1-based) on `conn`."""
    words = DIALECT_WORDS[conn.dialect.name]
    for statement in MIGRATIONS[number - 1]:
        if callable(statement):
            statement(conn)
        else:
            conn.execute(text(statement.format(**words)))


def migrate(conn: Connection, target: int | None = None) -> int:
    """Bring the schema up to `target` (default: the newest) inside the caller's (locked)
    transaction; return its version.

    Raises:
        SchemaError: when the database is newer than this code.
    """
    schema_versions.create(conn, checkfirst=True)
    current = conn.scalar(select(func.max(schema_versions.c.version))) or 0
    newest = len(MIGRATIONS) if target is None else target
    if current > len(MIGRATIONS):
        raise SchemaError(f"comment store schema {current} is newer than {len(MIGRATIONS)}")
    for number in range(current + 1, newest + 1):
        apply_step(conn, number)
        conn.execute(insert(schema_versions).values(version=number, applied=datetime.now(UTC)))
        log.info("comments: applied schema migration %s", number)
    return max(current, newest)

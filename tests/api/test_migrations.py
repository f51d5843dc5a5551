"""Migrations are fixed steps: a store made at any past schema version migrates to the newest."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from comments_api.store.engine import make_engine, sqlite_path
from comments_api.store.schema import MIGRATIONS, SchemaError, body_key, metadata, migrate


def columns_and_indexes(conn) -> dict[str, tuple[dict, set]]:
    """Return each table's columns (nullable or not) and indexes, as the database has them."""
    inspector = inspect(conn)
    return {
        name: (
            {c["name"]: c["nullable"] for c in inspector.get_columns(name)},
            {(i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(name)},
        )
        for name in metadata.tables
    }


def code_tables() -> dict[str, tuple[dict, set]]:
    """Return each table's columns and indexes as the code declares them."""
    return {
        name: (
            {c.name: c.nullable for c in table.columns},
            {(i.name, tuple(c.name for c in i.columns)) for i in table.indexes},
        )
        for name, table in metadata.tables.items()
    }


@pytest.mark.parametrize("start", range(len(MIGRATIONS) + 1))
def test_a_store_at_every_past_version_migrates_to_the_table_the_code_uses(any_database_url, start):
    if path := sqlite_path(any_database_url):
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(any_database_url, timeout=10)
    try:
        with engine.connect().execution_options(write=True) as conn, conn.begin():
            assert migrate(conn, target=start) == start
            if start >= 1:
                conn.execute(
                    text(
                        "INSERT INTO comments (thread, status, author, email, email_key, url,"
                        " body, body_html, created, address_hash, avatar) VALUES ('t', 'published',"
                        " 'Ada', 'a@example.org', 'a@example.org', '', 'kept', '<p>kept</p>',"
                        " CURRENT_TIMESTAMP, 'h', 'v')"
                    )
                )
        with engine.connect().execution_options(write=True) as conn, conn.begin():
            assert migrate(conn) == len(MIGRATIONS)
            tables = columns_and_indexes(conn)
            rows = conn.execute(text("SELECT body, body_key FROM comments")).all()
        assert tables == code_tables()
        assert [row.body for row in rows] == (["kept"] if start >= 1 else [])
        if start < 3:
            # A comment stored before texts had keys gets one, so the duplicate check sees it.
            assert all(row.body_key == body_key(row.body) for row in rows)
    finally:
        engine.dispose()


def test_a_store_newer_than_the_code_is_refused(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}", timeout=10)
    try:
        with engine.connect().execution_options(write=True) as conn, conn.begin():
            migrate(conn)
            conn.execute(
                text(
                    "INSERT INTO comments_schema (version, applied) VALUES (:v, CURRENT_TIMESTAMP)"
                ),
                {"v": len(MIGRATIONS) + 1},
            )
        with engine.connect() as conn, conn.begin(), pytest.raises(SchemaError):
            migrate(conn)
    finally:
        engine.dispose()

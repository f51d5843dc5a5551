"""Migrations are fixed steps: a store made at any past schema version migrates to the newest."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from comments_api.store.engine import make_engine, sqlite_path
from comments_api.store.schema import MIGRATIONS, SchemaError, comments, migrate


def columns_and_indexes(conn) -> tuple[dict, set]:
    inspector = inspect(conn)
    columns = {c["name"]: c["nullable"] for c in inspector.get_columns(comments.name)}
    indexes = {(i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(comments.name)}
    return columns, indexes


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
            columns, indexes = columns_and_indexes(conn)
            bodies = [row.body for row in conn.execute(text("SELECT body FROM comments"))]
        assert columns == {c.name: c.nullable for c in comments.columns}
        assert indexes == {(i.name, tuple(c.name for c in i.columns)) for i in comments.indexes}
        assert bodies == (["kept"] if start >= 1 else [])
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

"""Fixtures for the comment service: manifests, apps, real HTTP servers and a PostgreSQL server."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from comments_api import create_app
from tests.support import (
    LIMITS_OFF,
    MODERATION_OFF,
    SECRET,
    SITE,
    Clock,
    LiveServer,
    PostgresCluster,
    pg_bin,
    write_manifest,
)


@pytest.fixture(autouse=True, scope="session")
def _service_logs_unfiltered() -> None:
    """Keep every log record of the service, as the privacy tests read them all.

    Importing Pelican (the build tests do) makes later loggers drop repeated messages.
    """
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith("comments_api") and hasattr(logger, "disable_filter"):
            logger.disable_filter()


@pytest.fixture
def manifest(tmp_path) -> Path:
    """Return the path of a manifest with open, closed and expiring threads."""
    return write_manifest(tmp_path / "output" / "comments" / "threads.json")


@pytest.fixture
def database_url(tmp_path) -> str:
    """Return the URL of a fresh SQLite store (the file does not exist yet)."""
    return f"sqlite:///{tmp_path / 'store' / 'comments.db'}"


@pytest.fixture
def settings(manifest, database_url) -> dict[str, Any]:
    """Return test settings: limits off and moderation off unless a test turns them on."""
    return {
        "TESTING": True,
        "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_DATABASE_URL": database_url,
        "COMMENTS_MANIFEST": manifest,
        "COMMENTS_SITE_DIR": manifest.parent.parent,
        "COMMENTS_SITE_URL": SITE,
        # The request runs the page update before it answers, so a test sees it at once.
        "COMMENTS_PAGE_WORKER": "inline",
        **LIMITS_OFF,
        **MODERATION_OFF,
    }


@pytest.fixture
def clock() -> Clock:
    """Return a clock to give an app as CLOCK=clock."""
    return Clock()


@pytest.fixture
def make_app(settings) -> Callable[..., Any]:
    """Return a factory of apps with the test settings changed by keyword arguments."""

    def make(**changes: Any):
        return create_app({**settings, **changes})

    return make


@pytest.fixture
def app(make_app):
    """Return an app with the test settings."""
    return make_app()


@pytest.fixture
def client(app):
    """Return a test client of `app`."""
    return app.test_client()


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """Serve `app` over HTTP for the test."""
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Start a throwaway PostgreSQL cluster; yield the URL of its empty database."""
    if pg_bin() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed (apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed")
    with PostgresCluster() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server) -> Iterator[str]:
    """Return a URL whose connections use a fresh, empty schema of the test server."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres_server}?options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_database_url(request, tmp_path) -> str:
    """Return a fresh store URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'comments.db'}"
    return request.getfixturevalue("postgres_url")

"""Fixtures for the editors' desk: an app on a temporary SQLite store with a movable clock,
editors' accounts, and a test client that is signed in."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from comments_api import create_app
from comments_api.actions import accounts
from tests.api.conftest import clock, database_url, manifest, settings

__all__ = ["clock", "database_url", "manifest", "settings"]

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf" value="([^"]*)"')


@pytest.fixture
def make_app(settings, clock) -> Callable[..., Any]:
    """Return a factory of apps with the test settings (and the `clock`), changed by keyword
    arguments."""

    def make(**changes: Any):
        return create_app({**settings, "CLOCK": clock, **changes})

    return make


@pytest.fixture
def app(make_app):
    """Return an app with the test settings and the test clock."""
    return make_app()


@pytest.fixture
def client(app):
    """Return a test client of `app`."""
    return app.test_client()


@pytest.fixture
def make_editor(app) -> Callable[..., tuple[str, str]]:
    """Return a function that creates an account on `app` and returns (name, password)."""

    def make(name: str = "ada", role: str = "moderator", password: str = PASSWORD):
        editor = accounts.add_editor(app, name, role, password, actor="system:tests")
        return editor.name, password

    return make


@pytest.fixture
def editor(make_editor) -> tuple[str, str]:
    """Return (name, password) of a moderator's account."""
    return make_editor()


@pytest.fixture
def sign_in() -> Callable[..., Any]:
    """Return a function that loads the sign-in form with `client` and posts it."""

    def post(client, name: str, password: str, next_url: str | None = None, **headers: str):
        form = client.get("/desk/sign-in", headers=headers)
        data = {"name": name, "password": password, "csrf": TOKEN.search(form.text).group(1)}
        if next_url is not None:
            data["next"] = next_url
        return client.post("/desk/sign-in", data=data, headers=headers)

    return post


@pytest.fixture
def signed_in_client(app, editor, sign_in):
    """Return a test client of `app` signed in as `editor`."""
    client = app.test_client()
    answer = sign_in(client, *editor)
    assert answer.status_code == 303, answer.text
    return client

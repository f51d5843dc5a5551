"""Shared fixtures: one real build of the sample site, and a browser that is Debian's chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pelican import Pelican
from pelican.settings import read_settings

from comments_api.actions.mail_worker import MailWorker
from comments_api.actions.page_worker import PageWorker
from tests.find_browser import find_chromium

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = find_chromium()  # None: Playwright launches its own download, or says to install it
SHARED_CARDS = ROOT / "cache" / "test-share-cards"


@pytest.fixture(autouse=True)
def _page_workers_end_with_their_test():
    """Stop the page- and mail-worker threads a test's apps started, so none of them keeps
    looking at a store that is gone (and logging about it) during later tests. A live site
    that is used again starts its workers again with its next request."""
    yield
    PageWorker.stop_all()
    MailWorker.stop_all()


def build_site(
    output: Path, content: Path | None = None, settings_file: str = "pelicanconf.py", **override
) -> Path:
    """Build a content folder with the project's settings into `output` and return it."""
    settings = read_settings(
        str(ROOT / settings_file),
        override={
            "PATH": str(content or ROOT / "content"),
            "OUTPUT_PATH": str(output),
            "CACHE_PATH": str(output.parent / "cache"),
            # Cards are keyed by what made them: every build of the run shares them.
            "SHARE_CARDS_CACHE_PATH": str(SHARED_CARDS),
            **override,
        },
    )
    Pelican(settings).run()
    return output


@pytest.fixture(scope="session")
def comments_db_url(tmp_path_factory) -> str:
    """Return the URL of a comment store of the session's own (empty until a test posts)."""
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'comments.db'}"


@pytest.fixture(scope="session")
def site(tmp_path_factory, comments_db_url) -> Path:
    """Return the output folder of one build of the sample site."""
    output = tmp_path_factory.mktemp("site") / "output"
    return build_site(output, COMMENTS_DATABASE_URL=comments_db_url)


@pytest.fixture(scope="session")
def page_soup(site):
    """Return a function that parses a built page (path relative to the output folder)."""

    def parse(name: str) -> BeautifulSoup:
        return BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser")

    return parse


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's chromium; keep it off every network but loopback."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--disable-gpu",
            "--disable-quic",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
        ],
    }


@pytest.fixture
def no_js_page(browser):
    """Return a page of a browser context with JavaScript off."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()

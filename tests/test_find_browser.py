"""The order in which find_chromium looks for a browser (no browser is launched or downloaded)."""

from __future__ import annotations

import pytest

from tests import find_browser
from tests.find_browser import find_chromium


def fake_executable(folder, name="chromium"):
    """Write an executable shell script called `name` into `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """No CHROMIUM_PATH, an empty PATH folder, and no Playwright download."""
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(find_browser, "playwright_chromium", lambda: None)
    return tmp_path


def test_chromium_path_wins_over_path(bare, monkeypatch):
    explicit = fake_executable(bare / "explicit", "my-chromium")
    on_path = fake_executable(bare / "bin")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setenv("CHROMIUM_PATH", str(explicit))
    assert find_chromium() == str(explicit)


def test_missing_chromium_path_is_not_accepted(bare, monkeypatch):
    monkeypatch.setenv("CHROMIUM_PATH", str(bare / "nowhere" / "chromium"))
    assert find_chromium() is None


def test_non_executable_chromium_path_is_not_accepted(bare, monkeypatch):
    plain = bare / "chromium"
    plain.write_text("not a program\n")
    monkeypatch.setenv("CHROMIUM_PATH", str(plain))
    assert find_chromium() is None


def test_path_lookup_finds_chromium_first_on_path(bare, monkeypatch):
    first = fake_executable(bare / "first")
    fake_executable(bare / "second")
    monkeypatch.setenv("PATH", f"{first.parent}:{bare / 'second'}")
    assert find_chromium() == str(first)


def test_path_lookup_finds_chromium_browser(bare, monkeypatch):
    found = fake_executable(bare / "bin", "chromium-browser")
    monkeypatch.setenv("PATH", str(found.parent))
    assert find_chromium() == str(found)


def test_path_chromium_is_preferred_to_playwright_download(bare, monkeypatch):
    on_path = fake_executable(bare / "bin")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setattr(find_browser, "playwright_chromium", lambda: "/downloaded/chrome")
    assert find_chromium() == str(on_path)


def test_playwright_download_is_the_last_resort(bare, monkeypatch):
    monkeypatch.setattr(find_browser, "playwright_chromium", lambda: "/downloaded/chrome")
    assert find_chromium() == "/downloaded/chrome"

"""Settings, the manifest reader and the client address: pure pieces with small inputs."""

from __future__ import annotations

import ipaddress
import os
from datetime import UTC, datetime

import pytest

from comments_api import create_app
from comments_api.bake.manifest import (
    ManifestCache,
    ManifestError,
    ManifestUnavailable,
    article_path,
    parse_manifest,
)
from comments_api.core.client import client_address
from comments_api.core.keys import load_or_create_secret
from comments_api.settings import ConfigError, load_config
from tests.support import SECRET, write_manifest


def test_default_publish_hook_refreshes_the_static_page():
    from comments_api.bake.page_update import update_page

    assert load_config(environ={})["COMMENTS_ON_PUBLISH"] is update_page
    assert load_config(environ={"COMMENTS_ON_PUBLISH": "off"})["COMMENTS_ON_PUBLISH"] is None


def test_defaults_are_safe_and_paths_are_taken_from_the_start_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config["COMMENTS_DATABASE_URL"] == f"sqlite:///{tmp_path}/instance/comments.db"
    assert config["COMMENTS_SITE_DIR"] == tmp_path / "output"
    assert config["COMMENTS_MANIFEST"] == tmp_path / "output" / "comments" / "threads.json"
    assert config["COMMENTS_TEMPLATES"] == (tmp_path / "theme" / "templates",)
    assert config["COMMENTS_MODERATION"] == "first-time"
    assert config["COMMENTS_RATE_LIMIT"] == "2 per minute"
    assert config["COMMENTS_FLOOD_SECONDS"] == 15
    assert config["COMMENTS_MAX_REQUEST_BYTES"] == 256 * 1024
    assert config["COMMENTS_TRUSTED_PROXIES"] == ()
    assert config["COMMENTS_MAX_LINKS"] == 2
    assert config["COMMENTS_EDIT_SECONDS"] == 900


def test_environment_is_read_when_the_app_is_created():
    environ = {
        "COMMENTS_MODERATION": "NONE",
        "COMMENTS_RATE_LIMIT": "off",
        "COMMENTS_FLOOD_SECONDS": "0",
        "COMMENTS_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
        "COMMENTS_MODERATION_WORDS": "Casino,\nloans ,",
        "COMMENTS_DB_TIMEOUT": "2.5",
    }
    config = load_config(environ=environ)
    assert config["COMMENTS_MODERATION"] == "none"
    assert config["COMMENTS_RATE_LIMIT"] is None
    assert config["COMMENTS_FLOOD_SECONDS"] == 0
    assert config["COMMENTS_TRUSTED_PROXIES"] == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.0.0.0/8"),
    )
    assert config["COMMENTS_MODERATION_WORDS"] == ("casino", "loans")
    assert config["COMMENTS_DB_TIMEOUT"] == 2.5


def test_overrides_beat_the_environment():
    config = load_config({"COMMENTS_FLOOD_SECONDS": 3}, environ={"COMMENTS_FLOOD_SECONDS": "9"})
    assert config["COMMENTS_FLOOD_SECONDS"] == 3


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COMMENTS_DATABASE_URL", "not a url"),
        ("COMMENTS_DATABASE_URL", "mysql://x/y"),
        ("COMMENTS_DATABASE_URL", "sqlite://"),
        ("COMMENTS_DATABASE_URL", "postgresql+psycopg2://u@h/db"),
        ("COMMENTS_SECRET_KEY", "short"),
        ("COMMENTS_SITE_URL", "ftp://example.org"),
        ("COMMENTS_SITE_URL", "example.org"),
        ("COMMENTS_MODERATION", "sometimes"),
        ("COMMENTS_RATE_LIMIT", "lots"),
        ("COMMENTS_RATE_LIMIT_STORAGE", "nowhere"),
        ("COMMENTS_FLOOD_SECONDS", "-1"),
        ("COMMENTS_FLOOD_SECONDS", "1.5"),
        ("COMMENTS_MAX_REQUEST_BYTES", "100"),
        ("COMMENTS_MAX_REQUEST_BYTES", "big"),
        ("COMMENTS_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local"),
        ("COMMENTS_MAX_LINKS", "two"),
        ("COMMENTS_EDIT_SECONDS", "forever"),
        ("COMMENTS_DB_TIMEOUT", "0"),
        ("COMMENTS_DB_TIMEOUT", "never"),
        ("COMMENTS_ON_PUBLISH", "no_such_module_here:hook"),
        ("COMMENTS_ON_PUBLISH", "os.path"),
        ("COMMENTS_ON_PUBLISH", "os:sep"),
    ],
)
def test_bad_value_stops_start_up_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=f"^{name} "):
        load_config(environ={name: value})
    with pytest.raises(ConfigError, match=f"^{name} "):
        create_app({name: value})


def test_unknown_setting_is_refused():
    with pytest.raises(ConfigError, match="COMMENTS_TYPO"):
        load_config({"COMMENTS_TYPO": 1}, environ={})


def test_hook_can_be_named_in_the_environment():
    config = load_config(environ={"COMMENTS_ON_PUBLISH": "os.path:join"})
    assert config["COMMENTS_ON_PUBLISH"] is os.path.join


def test_database_password_is_not_echoed_in_errors():
    with pytest.raises(ConfigError) as error:
        load_config(environ={"COMMENTS_DATABASE_URL": "oracle://user:hunter2@host/db"})
    assert "hunter2" not in str(error.value)


def test_secret_key_file_is_created_once_and_reused(tmp_path):
    path = tmp_path / "instance" / "secret_key"
    first = load_or_create_secret(path)
    assert len(first) >= 32
    assert load_or_create_secret(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_manifest_parsing_and_open_state():
    manifest = parse_manifest(
        {
            "version": 1,
            "site_url": "https://example.org/news/",
            "threads": {
                "a": {"url": "a.html", "title": "A", "open": True, "closes_at": None},
                "b": {"url": "b.html", "open": False},
                "c": {"url": "c.html", "closes_at": "2030-01-01T00:00:00"},
            },
        }
    )
    now = datetime(2029, 12, 31, tzinfo=UTC)
    assert manifest.site_url == "https://example.org/news"
    assert [manifest.threads[s].is_open(now) for s in "abc"] == [True, False, True]
    assert not manifest.threads["c"].is_open(datetime(2030, 1, 1, tzinfo=UTC))
    assert manifest.threads["b"].title == "b"
    assert article_path(manifest.site_url, "a.html") == "/news/a.html"
    assert article_path(None, "/x/y.html") == "/x/y.html"


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"version": 2, "threads": {}},
        {"version": 1},
        {"version": 1, "threads": {"a": {"title": "no url"}}},
        {"version": 1, "threads": {"a": {"url": "a.html", "closes_at": "soon"}}},
    ],
)
def test_malformed_manifest_is_refused(data):
    with pytest.raises(ManifestError):
        parse_manifest(data)


def test_manifest_cache_rereads_on_change_and_survives_removal(tmp_path):
    path = write_manifest(tmp_path / "threads.json", {"a": {"url": "a.html"}})
    cache = ManifestCache(path)
    assert set(cache.get().threads) == {"a"}
    write_manifest(path, {"a": {"url": "a.html"}, "bb": {"url": "b.html"}})
    assert set(cache.get().threads) == {"a", "bb"}
    # A rebuild may remove or half-write the file for a moment: the last good copy stays.
    path.unlink()
    assert set(cache.get().threads) == {"a", "bb"}
    assert (cache.problem, cache.loaded) == ("missing", True)
    path.write_text("{not json")
    assert set(cache.get().threads) == {"a", "bb"}
    assert (cache.problem, cache.loaded) == ("unreadable", True)
    write_manifest(path, {"c": {"url": "c.html"}})
    assert set(cache.get().threads) == {"c"}
    assert cache.problem is None


@pytest.mark.parametrize("content", [None, "{not json", '{"version": 9}'])
def test_manifest_cache_without_a_good_copy_cannot_say_which_threads_exist(tmp_path, content):
    path = tmp_path / "threads.json"
    if content is not None:
        path.write_text(content)
    cache = ManifestCache(path)
    threads = cache.get().threads
    for lookup in (lambda: threads.get("a"), lambda: "a" in threads, lambda: len(threads)):
        with pytest.raises(ManifestUnavailable) as error:
            lookup()
        assert error.value.status == 503
        assert "Retry-After" in error.value.headers
    assert cache.problem == ("missing" if content is None else "unreadable")
    assert not cache.loaded
    write_manifest(path, {"a": {"url": "a.html"}})
    assert set(cache.get().threads) == {"a"}
    assert (cache.problem, cache.loaded) == (None, True)


def test_rate_limit_storage_defaults_to_the_comment_store():
    assert load_config(environ={})["COMMENTS_RATE_LIMIT_STORAGE"] == "database://"


def test_unknown_rate_limit_storage_scheme_stops_start_up():
    with pytest.raises(ConfigError, match="^COMMENTS_RATE_LIMIT_STORAGE "):
        create_app(
            {"COMMENTS_RATE_LIMIT_STORAGE": "nosuchstore://x", "COMMENTS_SECRET_KEY": SECRET}
        )


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "expected"),
    [
        ("203.0.113.5", None, [], "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", [], "203.0.113.5"),
        ("127.0.0.1", "198.51.100.1", ["127.0.0.1"], "198.51.100.1"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", ["127.0.0.1"], "198.51.100.1"),
        ("127.0.0.1", "6.6.6.6, 192.0.2.1, 10.0.0.2", ["127.0.0.1", "10.0.0.0/8"], "192.0.2.1"),
        ("127.0.0.1", "garbage, 198.51.100.1", ["127.0.0.1", "198.51.100.0/24"], "198.51.100.1"),
        ("127.0.0.1", "not-an-ip", ["127.0.0.1"], "127.0.0.1"),
        ("::1", "2001:db8::7", ["::1"], "2001:db8::7"),
        ("192.0.2.9", "198.51.100.1", ["127.0.0.1"], "192.0.2.9"),
    ],
)  # fmt: skip
def test_client_address_trusts_forwarded_for_only_through_trusted_proxies(
    peer, header, trusted, expected
):
    networks = [ipaddress.ip_network(t) for t in trusted]
    assert client_address(peer, header, networks) == expected

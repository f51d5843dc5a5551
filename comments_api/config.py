"""Service settings: defaults, then COMMENTS_* environment variables, then explicit overrides.

Every setting is checked when the app is created, so a bad value stops the start-up with a
message that names the variable, instead of failing on some later request.
"""

from __future__ import annotations

import importlib
import ipaddress
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODERATION_MODES = ("first-time", "all", "none")


class ConfigError(ValueError):
    """A setting has a value the service cannot use."""


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text, got {type(value).__name__}")
    return value.strip()


def _whole(minimum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError("must be a whole number")
        if isinstance(value, str):
            value = value.strip()
            if not value.isdigit():
                raise ValueError(f"must be a whole number, got {value!r}")
            value = int(value)
        if not isinstance(value, int) or value < minimum:
            raise ValueError(f"must be a whole number of at least {minimum}, got {value!r}")
        return value

    return parse


def _seconds(value: Any) -> float:
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number of seconds, got {value!r}") from None
    if not number > 0 or number > 3600:
        raise ValueError(f"must be more than 0 and at most 3600 seconds, got {value!r}")
    return number


def _database_url(value: Any) -> str:
    text = _text(value)
    try:
        url = make_url(text)
    except ArgumentError:
        raise ValueError("is not a database URL like sqlite:////abs/path.db") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"names an unsupported database {url.get_backend_name()!r}")
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError("must name an SQLite file (an in-memory database loses every comment)")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() not in ("psycopg", ""):
        raise ValueError("must use the psycopg driver: postgresql+psycopg://...")
    return text


def _site_url(value: Any) -> str | None:
    if value is None or (text := _text(value)) == "":
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ValueError(f"must be an http(s) address like https://example.org, got {text!r}")
    return text.rstrip("/")


def _path(value: Any) -> Path:
    if isinstance(value, os.PathLike):
        return Path(value)
    return Path(_text(value)).expanduser()


def _moderation(value: Any) -> str:
    text = _text(value).lower()
    if text not in MODERATION_MODES:
        raise ValueError(f"must be one of {', '.join(MODERATION_MODES)}, got {text!r}")
    return text


def _rate_limit(value: Any) -> str | None:
    text = _text(value) if value is not None else "off"
    if text.lower() in ("off", "", "none"):
        return None
    try:
        parse_many(text)
    except ValueError:
        raise ValueError(f"must read like '5 per minute' (or be 'off'), got {text!r}") from None
    return text


def _storage_uri(value: Any) -> str:
    text = _text(value)
    if "://" not in text:
        raise ValueError(f"must be a storage URI such as memory://, got {text!r}")
    return text


def _words(value: Any) -> tuple[str, ...]:
    items = value.replace("\n", ",").split(",") if isinstance(value, str) else value
    try:
        return tuple(sorted({w.strip().lower() for w in items if w.strip()}))
    except (TypeError, AttributeError):
        raise ValueError("must be words separated by commas or new lines") from None


def _networks(value: Any) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    items = value.split(",") if isinstance(value, str) else value
    networks = []
    for item in items:
        if str(item).strip():
            try:
                networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"has {str(item).strip()!r}, not an IP address or network"
                ) from None
    return tuple(networks)


def _secret(value: Any) -> str | None:
    if value is None:
        return None
    text = _text(value)
    if len(text) < 16:
        raise ValueError("must be at least 16 characters long")
    return text


def _hook(value: Any) -> Callable[..., Any] | None:
    if value is None or callable(value):
        return value
    text = _text(value)
    if not text:
        return None
    module_name, _, attribute = text.partition(":")
    if not attribute:
        raise ValueError(f"must read like package.module:function, got {text!r}")
    if str(PROJECT_ROOT) not in sys.path:
        # Hooks such as the build's page refresher live in the project, which is not on the
        # path when the service starts from another folder.
        sys.path.append(str(PROJECT_ROOT))
    try:
        hook = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"cannot load {text!r}: {error}") from None
    if not callable(hook):
        raise ValueError(f"{text!r} is not callable")
    return hook


@dataclass(frozen=True)
class Setting:
    """One COMMENTS_* setting: its default, how to read it, and what it means."""

    name: str
    default: Any
    parse: Callable[[Any], Any]
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "COMMENTS_DATABASE_URL",
        f"sqlite:///{PROJECT_ROOT / 'instance' / 'comments.db'}",
        _database_url,
        "SQLAlchemy URL of the comment store (SQLite file or PostgreSQL)",
    ),
    Setting(
        "COMMENTS_SECRET_KEY",
        None,
        _secret,
        "key for edit tokens and the keyed hashes of emails and addresses; "
        "unset: a random key kept in instance/secret_key",
    ),
    Setting(
        "COMMENTS_SITE_URL",
        None,
        _site_url,
        "the site's address; its origin may post; unset: site_url of the manifest",
    ),
    Setting(
        "COMMENTS_MANIFEST",
        PROJECT_ROOT / "output" / "comments" / "threads.json",
        _path,
        "the build's thread manifest (comment-enabled articles)",
    ),
    Setting(
        "COMMENTS_SITE_DIR",
        PROJECT_ROOT / "output",
        _path,
        "built site served by comments_api.site (its manifest is used when "
        "COMMENTS_MANIFEST is unset)",
    ),
    Setting(
        "COMMENTS_MODERATION",
        "first-time",
        _moderation,
        "first-time: hold comments from new emails; all: hold all; none: publish all",
    ),
    Setting(
        "COMMENTS_RATE_LIMIT",
        "2 per minute",
        _rate_limit,
        "accepted comments per client address, e.g. '5 per minute'; 'off' turns it off",
    ),
    Setting(
        "COMMENTS_RATE_LIMIT_STORAGE",
        "memory://",
        _storage_uri,
        "where rate-limit counters live (memory:// is per process; redis://... shared)",
    ),
    Setting(
        "COMMENTS_FLOOD_SECONDS",
        15,
        _whole(0),
        "seconds between accepted comments from one address or email; 0 turns it off",
    ),
    Setting(
        "COMMENTS_MAX_REQUEST_BYTES",
        256 * 1024,
        _whole(1024),
        "larger request bodies are refused with 413 (chunked bodies too)",
    ),
    Setting(
        "COMMENTS_TRUSTED_PROXIES",
        (),
        _networks,
        "comma-separated proxy addresses/networks whose X-Forwarded-For is believed",
    ),
    Setting(
        "COMMENTS_MAX_LINKS",
        2,
        _whole(0),
        "comments with this many links (bare URLs count) are held; 0 turns it off",
    ),
    Setting(
        "COMMENTS_MODERATION_WORDS",
        (),
        _words,
        "comma-separated words that hold a comment for moderation",
    ),
    Setting(
        "COMMENTS_DISALLOWED_WORDS", (), _words, "comma-separated words that mark a comment as spam"
    ),
    Setting(
        "COMMENTS_EDIT_SECONDS",
        900,
        _whole(0),
        "how long a commenter may edit or delete their comment; 0 turns it off",
    ),
    Setting(
        "COMMENTS_DB_TIMEOUT",
        10.0,
        _seconds,
        "seconds to wait for a locked database before answering 503",
    ),
    Setting(
        "COMMENTS_ON_PUBLISH",
        None,
        _hook,
        "module:function called as f(app, thread) after a thread's published comments change",
    ),
)
NAMES = frozenset(s.name for s in SETTINGS)


def load_config(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Return the checked settings: defaults, then the environment, then `overrides`.

    Keys of `overrides` that are not COMMENTS_* settings (TESTING, ...) pass through.

    Raises:
        ConfigError: naming the first setting whose value cannot be used.
    """
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    unknown = sorted(k for k in overrides if k.startswith("COMMENTS_") and k not in NAMES)
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown setting")
    config: dict[str, Any] = {k: v for k, v in overrides.items() if k not in NAMES}
    for setting in SETTINGS:
        if setting.name in overrides:
            raw = overrides[setting.name]
        elif setting.name in environ:
            raw = environ[setting.name]
        else:
            config[setting.name] = setting.default
            continue
        try:
            config[setting.name] = setting.parse(raw)
        except ValueError as error:
            raise ConfigError(f"{setting.name} {error}") from None
    return config

"""Service settings: defaults, then COMMENTS_* environment variables, then explicit overrides.

Every setting is checked when the app is created, so a bad value stops the start-up with a
message that names the variable, instead of failing on some later request.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import setting_types as types
from .setting_types import MODERATION_MODES, PROJECT_ROOT

__all__ = ["MODERATION_MODES", "PROJECT_ROOT", "SETTINGS", "ConfigError", "load_config"]


class ConfigError(ValueError):
    """A setting has a value the service cannot use."""


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
        types.read_database_url,
        "SQLAlchemy URL of the comment store (SQLite file or PostgreSQL)",
    ),
    Setting(
        "COMMENTS_SECRET_KEY",
        None,
        types.read_secret,
        "key for edit tokens and the keyed hashes of emails and addresses; "
        "unset: a random key kept in instance/secret_key",
    ),
    Setting(
        "COMMENTS_SITE_URL",
        None,
        types.read_site_url,
        "the site's address; its origin may post; unset: site_url of the manifest",
    ),
    Setting(
        "COMMENTS_MANIFEST",
        PROJECT_ROOT / "output" / "comments" / "threads.json",
        types.read_path,
        "the build's thread manifest (comment-enabled articles)",
    ),
    Setting(
        "COMMENTS_SITE_DIR",
        PROJECT_ROOT / "output",
        types.read_path,
        "built site served by comments_api.site (its manifest is used when "
        "COMMENTS_MANIFEST is unset)",
    ),
    Setting(
        "COMMENTS_MODERATION",
        "first-time",
        types.read_moderation,
        "first-time: hold comments from new emails; all: hold all; none: publish all",
    ),
    Setting(
        "COMMENTS_RATE_LIMIT",
        "2 per minute",
        types.read_rate_limit,
        "accepted comments per client address, e.g. '5 per minute'; 'off' turns it off",
    ),
    Setting(
        "COMMENTS_RATE_LIMIT_STORAGE",
        "memory://",
        types.read_storage_uri,
        "where rate-limit counters live (memory:// is per process; redis://... shared)",
    ),
    Setting(
        "COMMENTS_FLOOD_SECONDS",
        15,
        types.read_whole(0),
        "seconds between accepted comments from one address or email; 0 turns it off",
    ),
    Setting(
        "COMMENTS_MAX_REQUEST_BYTES",
        256 * 1024,
        types.read_whole(1024),
        "larger request bodies are refused with 413 (chunked bodies too)",
    ),
    Setting(
        "COMMENTS_TRUSTED_PROXIES",
        (),
        types.read_networks,
        "comma-separated proxy addresses/networks whose X-Forwarded-For is believed",
    ),
    Setting(
        "COMMENTS_MAX_LINKS",
        2,
        types.read_whole(0),
        "comments with this many links (bare URLs count) are held; 0 turns it off",
    ),
    Setting(
        "COMMENTS_MODERATION_WORDS",
        (),
        types.read_words,
        "comma-separated words that hold a comment for moderation",
    ),
    Setting(
        "COMMENTS_DISALLOWED_WORDS",
        (),
        types.read_words,
        "comma-separated words that mark a comment as spam",
    ),
    Setting(
        "COMMENTS_EDIT_SECONDS",
        900,
        types.read_whole(0),
        "how long a commenter may edit or delete their comment; 0 turns it off",
    ),
    Setting(
        "COMMENTS_DB_TIMEOUT",
        10.0,
        types.read_seconds,
        "seconds to wait for a locked database before answering 503",
    ),
    Setting(
        "COMMENTS_ON_PUBLISH",
        # The build's page refresher: an approved comment shows in the static page at once.
        "plugins.comments.rebake:rebake_thread",
        types.read_hook,
        "module:function called as f(app, thread) after a thread's published comments change; "
        "'off' turns it off",
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
        elif setting.default is None:
            config[setting.name] = None
            continue
        else:
            # Defaults go through the same reader, so a hook named by text is loaded too.
            raw = setting.default
        try:
            config[setting.name] = setting.parse(raw)
        except ValueError as error:
            raise ConfigError(f"{setting.name} {error}") from None
    return config

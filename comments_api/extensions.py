"""What an app holds besides its settings: its store, the build's manifest, its rate limiter.

Attached once by create_app; the layers above look them up here, never in app.extensions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, current_app

from .bake.manifest import Manifest, ManifestCache
from .setting_readers import ConfigError
from .store.engine import Database
from .web.ratelimit import RateLimiter

DATABASE, MANIFEST, LIMITER = "comments_db", "comments_manifest", "comments_limiter"
# The app's clock: config["CLOCK"] (a callable giving an aware datetime) lets tests move time.
CLOCK = "CLOCK"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def init_app(app: Flask) -> None:
    """Attach the store, the manifest and the rate limiter named by the app's settings.

    Raises:
        ConfigError: when the rate-limit storage cannot be used.
    """
    config = app.config
    app.extensions[DATABASE] = Database(
        config["COMMENTS_DATABASE_URL"], config["COMMENTS_DB_TIMEOUT"]
    )
    app.extensions[MANIFEST] = ManifestCache(config["COMMENTS_MANIFEST"])
    try:
        app.extensions[LIMITER] = RateLimiter(
            config["COMMENTS_RATE_LIMIT"], config["COMMENTS_RATE_LIMIT_STORAGE"]
        )
    except Exception as error:  # the limits library raises several kinds
        raise ConfigError(f"COMMENTS_RATE_LIMIT_STORAGE cannot be used: {error}") from None


def get_db(app: Flask | None = None) -> Database:
    """Return the store of `app` (default: the current app)."""
    return (app or current_app).extensions[DATABASE]


def get_manifest(app: Flask | None = None) -> Manifest:
    """Return the current manifest of `app` (default: the current app)."""
    return (app or current_app).extensions[MANIFEST].get()


def get_limiter(app: Flask | None = None) -> RateLimiter:
    """Return the rate limiter of `app` (default: the current app)."""
    return (app or current_app).extensions[LIMITER]


def now(app: Flask | None = None) -> datetime:
    """Return the current time in UTC by the app's clock."""
    clock: Callable[[], datetime] = (app or current_app).config.get(CLOCK) or _utc_now
    return clock()


def site_url(app: Flask | None = None) -> str | None:
    """Return the site's address: COMMENTS_SITE_URL, else the one the build wrote."""
    app = app or current_app
    return app.config.get("COMMENTS_SITE_URL") or get_manifest(app).site_url

"""What an app holds besides its settings: its store, the build's manifest, its rate limiter.

Attached once by create_app; the layers above look them up here, never in app.extensions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Flask, current_app

from .bake.manifest import Manifest, ManifestCache, UnknownThreads
from .setting_readers import ConfigError
from .store.engine import Database
from .web.ratelimit import RateLimiter, longest_window

if TYPE_CHECKING:
    from .actions.page_worker import PageWorker

DATABASE, MANIFEST, LIMITER = "comments_db", "comments_manifest", "comments_limiter"
ATTEMPTS, PAGES = "comments_attempts", "comments_page_worker"
REPORTS = "comments_reports"
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
        # Accepted comments, every write request (refused ones too) and readers' reports, in
        # one storage.
        specs = (
            (LIMITER, "COMMENTS_RATE_LIMIT"),
            (ATTEMPTS, "COMMENTS_ATTEMPT_LIMIT"),
            (REPORTS, "COMMENTS_REPORT_LIMIT"),
        )
        keep = max(longest_window(config[spec]) for _, spec in specs)
        for name, spec in specs:
            app.extensions[name] = RateLimiter(
                config[spec],
                config["COMMENTS_RATE_LIMIT_STORAGE"],
                database=app.extensions[DATABASE],
                secret=config["COMMENTS_SECRET_KEY"],
                clock=lambda: now(app),
                keep_seconds=keep,
                namespace=name,
            )
    except Exception as error:  # the limits library raises several kinds
        raise ConfigError(f"COMMENTS_RATE_LIMIT_STORAGE cannot be used: {error}") from None


def get_db(app: Flask | None = None) -> Database:
    """Return the store of `app` (default: the current app)."""
    return (app or current_app).extensions[DATABASE]


def get_manifest(app: Flask | None = None, *, required: bool = True) -> Manifest:
    """Return the current manifest of `app` (default: the current app).

    While the manifest is missing or unreadable and no good copy was read, looking up its
    threads raises ManifestUnavailable (answered 503); with required=False they are empty
    instead (for answers that only decorate a refusal, such as the error page).
    """
    manifest = (app or current_app).extensions[MANIFEST].get()
    if not required and isinstance(manifest.threads, UnknownThreads):
        return Manifest()
    return manifest


def manifest_problem(app: Flask | None = None) -> tuple[str | None, bool]:
    """Return what is wrong with the manifest file ("missing", "unreadable" or None) and
    whether a good copy is still in use."""
    cache: ManifestCache = (app or current_app).extensions[MANIFEST]
    cache.get()
    return cache.problem, cache.loaded


def get_limiter(app: Flask | None = None) -> RateLimiter:
    """Return the rate limiter of `app` (default: the current app)."""
    return (app or current_app).extensions[LIMITER]


def get_attempt_limiter(app: Flask | None = None) -> RateLimiter:
    """Return the limiter of write requests (refused ones too) of `app`."""
    return (app or current_app).extensions[ATTEMPTS]


def get_report_limiter(app: Flask | None = None) -> RateLimiter:
    """Return the limiter of readers' reports of `app`."""
    return (app or current_app).extensions[REPORTS]


def get_page_worker(app: Flask | None = None) -> PageWorker:
    """Return the page worker of `app` (actions/page_worker.py), attached by create_app."""
    return (app or current_app).extensions[PAGES]


def now(app: Flask | None = None) -> datetime:
    """Return the current time in UTC by the app's clock."""
    clock: Callable[[], datetime] = (app or current_app).config.get(CLOCK) or _utc_now
    return clock()


def site_url(app: Flask | None = None) -> str | None:
    """Return the site's address: COMMENTS_SITE_URL, else the one the build wrote."""
    app = app or current_app
    return app.config.get("COMMENTS_SITE_URL") or get_manifest(app, required=False).site_url

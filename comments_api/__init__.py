"""The comment service: a Flask app that takes, stores and serves comments on the articles."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from . import errors, security, storage
from .cli import comments_cli
from .config import PROJECT_ROOT, ConfigError, load_config
from .keys import load_or_create_secret
from .manifest import EXTENSION as MANIFEST_EXTENSION
from .manifest import ManifestCache
from .pages import bp as pages_bp
from .ratelimit import RateLimiter
from .reading import bp as reading_bp
from .routes import bp as routes_bp

__all__ = ["ConfigError", "create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Return a new comment service app; settings come from the environment and `config`.

    Raises:
        ConfigError: naming the setting whose value cannot be used.
    """
    settings = load_config(config)
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"), static_folder=None)
    app.config.update(settings)
    if app.config["COMMENTS_SECRET_KEY"] is None:
        app.config["COMMENTS_SECRET_KEY"] = load_or_create_secret(
            Path(app.instance_path) / "secret_key"
        )
    app.config["SECRET_KEY"] = app.config["COMMENTS_SECRET_KEY"]
    app.config["MAX_CONTENT_LENGTH"] = app.config["COMMENTS_MAX_REQUEST_BYTES"]
    app.json.sort_keys = False
    package_log = logging.getLogger(__name__)
    if package_log.level == logging.NOTSET:
        package_log.setLevel(logging.INFO)

    app.extensions[MANIFEST_EXTENSION] = ManifestCache(app.config["COMMENTS_MANIFEST"])
    storage.init_app(app)
    try:
        app.extensions["comments_limiter"] = RateLimiter(
            app.config["COMMENTS_RATE_LIMIT"], app.config["COMMENTS_RATE_LIMIT_STORAGE"]
        )
    except Exception as error:  # noqa: BLE001 - the limits library raises several kinds
        raise ConfigError(f"COMMENTS_RATE_LIMIT_STORAGE cannot be used: {error}") from None
    errors.register(app)
    security.init_app(app)
    app.register_blueprint(routes_bp)
    app.register_blueprint(reading_bp)
    app.register_blueprint(pages_bp)
    app.cli.add_command(comments_cli)
    return app

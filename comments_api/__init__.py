"""The comment service: a Flask app that takes, stores and serves comments on the articles.

Layers, from the bottom: fields.py and settings.py (the two tables), core/ (pure rules),
store/ (all SQL), bake/ (what the build and the service share: manifest, discussion, page
update), actions/ (what commenters and editors do), web/ (blueprints, errors, guards) and
cli.py (the editors' commands). docs/architecture.md maps each behaviour to its module.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.sessions import SessionInterface

from . import extensions
from .actions.mail_worker import MailWorker
from .actions.page_worker import PageWorker
from .bake.section import template_globals, template_loader
from .cli import comments_cli, editors_cli, update_pages_command
from .core.keys import load_or_create_secret
from .settings import INSTANCE_DIR, ConfigError, load_config
from .web import errors, origin
from .web.desk import bp as desk_bp
from .web.desk_admin import bp as desk_admin_bp
from .web.desk_auth import bp as desk_auth_bp
from .web.desk_edit import bp as desk_edit_bp
from .web.desk_mail import bp as desk_mail_bp
from .web.pages import bp as pages_bp
from .web.reading import bp as reading_bp
from .web.reports import bp as reports_bp
from .web.writing import bp as writing_bp

__all__ = ["ConfigError", "create_app"]


class NoSessions(SessionInterface):
    """No Flask session: the service keeps no cookie-borne state, and every request is
    spared the signing set-up of Flask's default one."""

    def open_session(self, app: Flask, request: Any) -> None:
        """Open none; Flask gives the request a null session that refuses writes."""
        return None

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        """Save nothing."""


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Return a new comment service app; settings come from the environment and `config`.

    Raises:
        ConfigError: naming the setting whose value cannot be used.
    """
    settings = load_config(config)
    app = Flask(__name__, instance_path=str(Path(INSTANCE_DIR).absolute()), static_folder=None)
    app.config.update(settings)
    if app.config["COMMENTS_SECRET_KEY"] is None:
        app.config["COMMENTS_SECRET_KEY"] = load_or_create_secret(
            Path(app.instance_path) / "secret_key"
        )
    app.config["SECRET_KEY"] = app.config["COMMENTS_SECRET_KEY"]
    app.config["MAX_CONTENT_LENGTH"] = app.config["COMMENTS_MAX_REQUEST_BYTES"]
    app.json.sort_keys = False
    app.session_interface = NoSessions()
    # The service's pages share the comment section's templates and Jinja set-up; Flask
    # autoescapes every .html template.
    app.jinja_options = {**app.jinja_options, "trim_blocks": True, "lstrip_blocks": True}
    app.jinja_loader = template_loader(app.config["COMMENTS_TEMPLATES"])
    app.jinja_env.globals.update(template_globals())
    package_log = logging.getLogger(__name__)
    if package_log.level == logging.NOTSET:
        package_log.setLevel(logging.INFO)

    extensions.init_app(app)
    worker = app.extensions[extensions.PAGES] = PageWorker(app)
    # The first request of each process starts its worker thread (COMMENTS_PAGE_WORKER=thread),
    # so any WSGI server, forking or not, runs one; the CLI starts none.
    app.before_request(worker.ensure_started)
    # The sender of the moderators' mail too, when mail is on (thread or inline: never the
    # request itself; off: update-pages sends it).
    app.before_request(MailWorker.attach(app).ensure_started)
    errors.register(app)
    origin.init_app(app)
    app.register_blueprint(writing_bp)
    app.register_blueprint(reading_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(desk_auth_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(desk_edit_bp)
    app.register_blueprint(desk_mail_bp)
    app.register_blueprint(desk_admin_bp)
    app.cli.add_command(comments_cli)
    app.cli.add_command(editors_cli)
    app.cli.add_command(update_pages_command)
    return app

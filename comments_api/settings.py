"""Service settings, in one table: defaults, then COMMENTS_* environment variables, then
explicit overrides.

Every setting is checked when the app is created, so a bad value stops the start-up with a
message that names the variable, instead of failing on some later request. The same table
gives the README's settings rows (`python -m comments_api.settings`) and the `--help` texts.
Relative paths are taken from the folder the service starts in (the project, for `make`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import setting_readers as read
from .bake.page_update import update_page
from .setting_readers import ConfigError

__all__ = ["SETTINGS", "ConfigError", "load_config"]

INSTANCE_DIR = "instance"


@dataclass(frozen=True)
class Setting:
    """One COMMENTS_* setting: its default, how to read it, and what it means.

    `shown` is the default as the README writes it; `help` is its meaning there and in --help.
    """

    name: str
    default: Any
    parse: Callable[[Any], Any]
    shown: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("COMMENTS_DATABASE_URL", f"sqlite:///{INSTANCE_DIR}/comments.db",
            read.database_url, f"`sqlite:///{INSTANCE_DIR}/comments.db`",
            "SQLAlchemy URL of the store: `sqlite:////abs/path.db` or "
            "`postgresql+psycopg://user@host/db`; the service, the CLI and the build all use it"),
    Setting("COMMENTS_SECRET_KEY", None, read.secret,
            f"a random key kept in `{INSTANCE_DIR}/secret_key`",
            "signs edit tokens and keys the hashes of emails (avatars) and IP addresses; "
            "at least 16 characters"),
    Setting("COMMENTS_SITE_URL", None, read.site_url, "`site_url` of the manifest",
            "the site's address: its origin may post and call the API from scripts (CORS); "
            "its path prefixes redirects"),
    Setting("COMMENTS_SITE_DIR", "output", read.path, "`output`",
            "the built site: served by `comments_api.web.site`, and where page updates write"),
    Setting("COMMENTS_MANIFEST", None, read.optional_path,
            "`comments/threads.json` in `COMMENTS_SITE_DIR`",
            "the build's list of comment-enabled articles; re-read when it changes"),
    Setting("COMMENTS_TEMPLATES", ("theme/templates",), read.folders, "`theme/templates`",
            "comma-separated template folders of the theme, searched before the package's own "
            "`comments/*.html` and `pages/*.html`; the build's `THEME` and "
            "`THEME_TEMPLATES_OVERRIDES` folders, so page updates match the build"),
    Setting("COMMENTS_MODERATION", "first-time", read.moderation, "`first-time`",
            "`first-time`: hold a comment unless this browser posted under the same email before "
            "and one of those comments was approved (the email alone proves nothing); "
            "`all`: hold every comment; `none`: publish directly"),
    Setting("COMMENTS_RATE_LIMIT", "2 per minute", read.rate_limit, "`2 per minute`",
            "accepted comments per client address (a limits string such as "
            "`5 per minute; 30 per hour`), `off` to turn off"),
    Setting("COMMENTS_ATTEMPT_LIMIT", "10 per minute; 60 per hour", read.rate_limit,
            "`10 per minute; 60 per hour`",
            "write requests per client address (posts, edits and deletions, refused ones "
            "too), so guessing costs as much as posting; `off` to turn off"),
    Setting("COMMENTS_RATE_LIMIT_STORAGE", "database://", read.storage_uri, "`database://`",
            "where rate-limit counters live: `database://` in the comment store, counted once "
            "for all workers; `redis://host:6379` in Redis; `memory://` counts per worker "
            "process (one-process set-ups only)"),
    Setting("COMMENTS_FLOOD_SECONDS", 15, read.whole(0), "`15`",
            "minimum seconds between accepted comments from one address (refused ones don't "
            "count); a comment under the same email from elsewhere within it is held; `0` turns "
            "it off"),
    Setting("COMMENTS_MAX_REQUEST_BYTES", 256 * 1024, read.whole(1024), "`262144`",
            "request bodies above this are refused with 413 before being read whole, "
            "chunked ones too"),
    Setting("COMMENTS_TRUSTED_PROXIES", (), read.networks, "empty",
            "comma-separated addresses or networks of reverse proxies whose "
            "`X-Forwarded-For` is believed"),
    Setting("COMMENTS_MAX_LINKS", 2, read.whole(0), "`2`",
            "comments with this many links or more (bare URLs and `www.` hosts count) are "
            "held; `0` turns it off"),
    Setting("COMMENTS_MODERATION_WORDS", (), read.words, "empty",
            "comma-separated words; a comment containing one (in any field, any case, also "
            "inside words) is held"),
    Setting("COMMENTS_DISALLOWED_WORDS", (), read.words, "empty",
            "comma-separated words; a comment containing one is stored as spam"),
    Setting("COMMENTS_EDIT_SECONDS", 900, read.whole(0), "`900`",
            "how long the author may edit or delete a new comment; `0` turns editing off"),
    Setting("COMMENTS_DB_TIMEOUT", 10.0, read.seconds, "`10`",
            "seconds to wait for a locked database before answering 503 with `Retry-After`"),
    Setting("COMMENTS_ON_PUBLISH", update_page, read.hook,
            "`comments_api.bake.page_update:update_page`",
            "`module:function` called as `function(app, thread)` after a thread's published "
            "comments change (also a callable in `config`); the default brings the article's "
            "static page up to date; `off` turns it off"),
    Setting("COMMENTS_PAGE_WORKER", "thread", read.page_worker, "`thread`",
            "who runs the page updates, after the answer: `thread`: one thread per host among "
            "the service's processes; `off`: a separate `comments-api update-pages` process; "
            "`inline`: the request itself, before it answers (slow on long threads)"),
    Setting("COMMENTS_PAGE_DELAY", 0.3, read.seconds, "`0.3`",
            "seconds the page worker waits after a change, so a burst of comments on one "
            "thread gives one page update"),
    Setting("COMMENTS_PAGE_POLL", 1.0, read.seconds, "`1`",
            "seconds between the page worker's looks at the store for changes made by other "
            "processes (the CLI, other hosts), when no Redis wake-up comes"),
    Setting("COMMENTS_REDIS_URL", None, read.redis_url, "none",
            "`redis://host:6379`: changes wake the page worker at once through Redis "
            "publish/subscribe, from any process or host"),
    Setting("COMMENTS_DESK_IDLE_MINUTES", 30, read.whole(1), "`30`",
            "an editor's desk session ends after this many minutes without a request"),
    Setting("COMMENTS_DESK_SESSION_HOURS", 12, read.whole(1), "`12`",
            "an editor's desk session ends this many hours after signing in, however busy"),
    Setting("COMMENTS_REPORTS_TO_HIDE", 3, read.whole(0), "`3`",
            "a published comment reported by this many readers (different addresses) leaves "
            "the page until an editor decides; `0`: reports never hide a comment"),
    Setting("COMMENTS_REPORT_LIMIT", "5 per hour", read.rate_limit, "`5 per hour`",
            "readers' reports per client address, `off` to turn off"),
    Setting("COMMENTS_DELETED_DAYS", 30, read.whole(1), "`30`",
            "days a comment deleted on the desk can be restored; then it is purged"),
    Setting("COMMENTS_SMTP_HOST", None, read.optional_text, "none",
            "the mail server through which moderators get a notice of each held or reported "
            "comment (`docs/mail.md`); none: no mail. Needs `COMMENTS_MAIL_FROM` and "
            "`COMMENTS_MAIL_TO`. Sent after the answer by the service's worker thread, or by "
            "`comments-api update-pages` where `COMMENTS_PAGE_WORKER=off`"),
    Setting("COMMENTS_SMTP_PORT", None, read.port, "`587` (`465` with `tls`, `25` with `none`)",
            "the mail server's port"),
    Setting("COMMENTS_SMTP_SECURITY", "starttls", read.smtp_security, "`starttls`",
            "`starttls`: plain connection upgraded with STARTTLS (no mail leaves without it); "
            "`tls`: TLS from the start; `none`: no encryption, for a relay on this host"),
    Setting("COMMENTS_SMTP_USER", None, read.optional_text, "none",
            "the name to log in to the mail server with; none: no login"),
    Setting("COMMENTS_SMTP_PASSWORD", None, read.optional_text, "none",
            "the password of `COMMENTS_SMTP_USER` (never logged or printed)"),
    Setting("COMMENTS_SMTP_TIMEOUT", 10.0, read.seconds, "`10`",
            "seconds the mail server may take to answer before the try counts as failed and "
            "waits for the next; posts never wait for mail"),
    Setting("COMMENTS_MAIL_FROM", None, read.mail_address, "none",
            "the notices' sender, one address such as `desk@news.example.org`"),
    Setting("COMMENTS_MAIL_TO", (), read.mail_addresses, "none",
            "comma-separated addresses of the moderators; each gets the notices in a mail of "
            "their own"),
    Setting("COMMENTS_MAIL_DIGEST", "off", read.mail_digest, "`off`",
            "`off`: one mail per notice, at once; `hourly`, `daily`: one mail per moderator on "
            "the hour or at midnight UTC, listing every notice since the last"),
    Setting("COMMENTS_MAIL_LINK_HOURS", 72, read.whole(1), "`72`",
            "hours the approve and spam links of a notice work"),
)  # fmt: skip
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
            # Defaults go through the same reader: a hook named by text is loaded, a relative
            # path is taken from the folder the service starts in.
            raw = setting.default
        try:
            config[setting.name] = setting.parse(raw)
        except ValueError as error:
            raise ConfigError(f"{setting.name} {error}") from None
    if config["COMMENTS_MANIFEST"] is None:
        config["COMMENTS_MANIFEST"] = config["COMMENTS_SITE_DIR"] / "comments" / "threads.json"
    _check_mail(config)
    return config


# Mail to moderators is on when all three are set; one or two of them is a mistake.
MAIL_NEEDS = ("COMMENTS_SMTP_HOST", "COMMENTS_MAIL_FROM", "COMMENTS_MAIL_TO")
SMTP_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def _check_mail(config: dict[str, Any]) -> None:
    given = [name for name in MAIL_NEEDS if config[name]]
    if given and len(given) < len(MAIL_NEEDS):
        missing = next(name for name in MAIL_NEEDS if not config[name])
        raise ConfigError(
            f"{missing} must be set too: mail to moderators needs "
            f"{', '.join(MAIL_NEEDS)} (only {', '.join(given)} is set)"
        )
    user, password = config["COMMENTS_SMTP_USER"], config["COMMENTS_SMTP_PASSWORD"]
    if bool(user) != bool(password):
        missing = "COMMENTS_SMTP_PASSWORD" if user else "COMMENTS_SMTP_USER"
        raise ConfigError(f"{missing} must be set too: a login needs a name and a password")
    if config["COMMENTS_SMTP_PORT"] is None:
        config["COMMENTS_SMTP_PORT"] = SMTP_PORTS[config["COMMENTS_SMTP_SECURITY"]]


def read_setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """Return one setting from the environment or its default, checked (for the build).

    Raises:
        ConfigError: when the value cannot be used.
    """
    setting = next(s for s in SETTINGS if s.name == name)
    raw = (os.environ if environ is None else environ).get(name, setting.default)
    try:
        return None if raw is None else setting.parse(raw)
    except ValueError as error:
        raise ConfigError(f"{name} {error}") from None


def readme_rows() -> list[str]:
    """Return the README's table rows of the service settings, one per setting."""
    return [f"| `{s.name}` | {s.shown} | {s.help} |" for s in SETTINGS]


def help_text() -> str:
    """Return the settings as --help lists them (plain text, one paragraph each)."""
    return "\n\n".join(
        f"{s.name}: {s.help.replace('`', '')} (default: {s.shown.replace('`', '')})"
        for s in SETTINGS
    )


if __name__ == "__main__":
    print("\n".join(readme_rows()))

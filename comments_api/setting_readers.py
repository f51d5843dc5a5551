"""Readers for setting values: text from the environment, or Python values from `config`.

Each returns the checked value or raises ValueError with a message meant to follow the
setting's name ("COMMENTS_X must be ...").
"""

from __future__ import annotations

import importlib
import ipaddress
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MODERATION_MODES = ("first-time", "all", "none")
PAGE_WORKER_MODES = ("thread", "inline", "off")
REDIS_SCHEMES = ("redis", "rediss", "unix")
SMTP_SECURITY = ("starttls", "tls", "none")
MAIL_DIGESTS = ("off", "hourly", "daily")
# One address as mail servers take it: something@host, nothing a header could be made of.
_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


class ConfigError(ValueError):
    """A setting has a value the service cannot use."""


def as_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text, got {type(value).__name__}")
    return value.strip()


def whole(minimum: int) -> Callable[[Any], int]:
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


def seconds(value: Any) -> float:
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number of seconds, got {value!r}") from None
    if not number > 0 or number > 3600:
        raise ValueError(f"must be more than 0 and at most 3600 seconds, got {value!r}")
    return number


def database_url(value: Any) -> str:
    given = as_text(value)
    try:
        url = make_url(given)
    except ArgumentError:
        raise ValueError("is not a database URL like sqlite:////abs/path.db") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"names an unsupported database {url.get_backend_name()!r}")
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError("must name an SQLite file (an in-memory database loses every comment)")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() not in ("psycopg", ""):
        raise ValueError("must use the psycopg driver: postgresql+psycopg://...")
    if url.get_backend_name() == "sqlite" and not os.path.isabs(url.database):
        # Taken from the folder the service starts in, once, so every later use agrees.
        url = url.set(database=os.path.abspath(url.database))
        return url.render_as_string(hide_password=False)
    return given


def site_url(value: Any) -> str | None:
    if value is None or (text := as_text(value)) == "":
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ValueError(f"must be an http(s) address like https://example.org, got {text!r}")
    return text.rstrip("/")


def path(value: Any) -> Path:
    """Return an absolute path; a relative one is taken from the current folder."""
    if isinstance(value, os.PathLike):
        return Path(value).absolute()
    return Path(as_text(value)).expanduser().absolute()


def optional_path(value: Any) -> Path | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return path(value)


def folders(value: Any) -> tuple[Path, ...]:
    items = value.split(",") if isinstance(value, str) else value
    try:
        return tuple(path(item.strip() if isinstance(item, str) else item) for item in items)
    except TypeError:
        raise ValueError("must be folders separated by commas") from None


def moderation(value: Any) -> str:
    text = as_text(value).lower()
    if text not in MODERATION_MODES:
        raise ValueError(f"must be one of {', '.join(MODERATION_MODES)}, got {text!r}")
    return text


def page_worker(value: Any) -> str:
    text = as_text(value).lower()
    if text not in PAGE_WORKER_MODES:
        raise ValueError(f"must be one of {', '.join(PAGE_WORKER_MODES)}, got {text!r}")
    return text


def redis_url(value: Any) -> str | None:
    if value is None:
        return None
    text = as_text(value)
    if not text or text.lower() == "off":
        return None
    if urlsplit(text).scheme not in REDIS_SCHEMES:
        raise ValueError(f"must be a redis://host:port URL, got {text!r}")
    return text


def rate_limit(value: Any) -> str | None:
    text = as_text(value) if value is not None else "off"
    if text.lower() in ("off", "", "none"):
        return None
    try:
        parse_many(text)
    except ValueError:
        raise ValueError(f"must read like '5 per minute' (or be 'off'), got {text!r}") from None
    return text


def storage_uri(value: Any) -> str:
    text = as_text(value)
    if "://" not in text:
        raise ValueError(f"must be a storage URI such as memory://, got {text!r}")
    return text


def words(value: Any) -> tuple[str, ...]:
    items = value.replace("\n", ",").split(",") if isinstance(value, str) else value
    try:
        return tuple(sorted({w.strip().lower() for w in items if w.strip()}))
    except (TypeError, AttributeError):
        raise ValueError("must be words separated by commas or new lines") from None


def networks(value: Any) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
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


def secret(value: Any) -> str | None:
    if value is None:
        return None
    text = as_text(value)
    if len(text) < 16:
        raise ValueError("must be at least 16 characters long")
    return text


def hook(value: Any) -> Callable[..., Any] | None:
    if value is None or callable(value):
        return value
    text = as_text(value)
    if not text or text.lower() == "off":
        return None
    module_name, _, attribute = text.partition(":")
    if not attribute:
        raise ValueError(f"must read like package.module:function, got {text!r}")
    try:
        hook = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"cannot load {text!r}: {error}") from None
    if not callable(hook):
        raise ValueError(f"{text!r} is not callable")
    return hook


def optional_text(value: Any) -> str | None:
    """Return the text, or None when it is missing or empty (never echoed: it may be a
    password)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be text, got {type(value).__name__}")
    text = value.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("must be one line of text")
    return text or None


def port(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = whole(1)(value)
    if number > 65535:
        raise ValueError(f"must be a port number from 1 to 65535, got {number!r}")
    return number


def smtp_security(value: Any) -> str:
    text = as_text(value).lower()
    if text not in SMTP_SECURITY:
        raise ValueError(f"must be one of {', '.join(SMTP_SECURITY)}, got {text!r}")
    return text


def mail_digest(value: Any) -> str:
    text = as_text(value).lower()
    if text not in MAIL_DIGESTS:
        raise ValueError(f"must be one of {', '.join(MAIL_DIGESTS)}, got {text!r}")
    return text


def mail_address(value: Any) -> str | None:
    if value is None or (text := as_text(value)) == "":
        return None
    if not _ADDRESS.fullmatch(text):
        raise ValueError(f"must be one address like desk@example.org, got {text!r}")
    return text


def mail_addresses(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    found = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError("must be addresses separated by commas")
        if item.strip() and not _ADDRESS.fullmatch(item.strip()):
            raise ValueError(f"has {item.strip()!r}, not an address like desk@example.org")
        found.append(item.strip())
    return tuple(dict.fromkeys(a for a in found if a))

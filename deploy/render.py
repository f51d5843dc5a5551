"""Fill in a production template of deploy/ (nginx, systemd, logrotate, the env file).

    python3 deploy/render.py TEMPLATE [NAME=VALUE ...] [--no-tls] [-o FILE]

A template names its few variable parts as @NAME@ (upper case between two @). Each has a
default for the layout docs/deploy.md sets up (DEFAULTS below); NAME=VALUE replaces one, and
a default may itself name others (TLS_CERT names SERVER_NAME). A name without a default must
be given. The listen addresses and UPSTREAM may be comma-separated lists: a line that names
one is written once per item ("80,[::]:80" gives two `listen` lines).

Lines between `# begin tls` and `# end tls` are written by default, those between
`# begin plain` and `# end plain` only with --no-tls (nginx behind a load balancer that ends
TLS itself, and the tests); the marker lines themselves are left out.

Only the standard library is used: Debian's python3 runs it before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")
# The Debian layout of docs/deploy.md; None: no default, the value must be given.
DEFAULTS: dict[str, str | None] = {
    "SERVER_NAME": None,  # the site's host name, e.g. news.example.org
    "SECRET_KEY": None,  # COMMENTS_SECRET_KEY, made once (docs/deploy.md) and never changed
    "SITE_URL": "https://@SERVER_NAME@",
    "USER": "comments",
    "APP_DIR": "/srv/newsroom/app",  # the checkout: content, theme, settings, deploy/
    "VENV": "/srv/newsroom/venv",
    "SITE_DIR": "/srv/newsroom/site",  # the built site (Pelican's output)
    "STATE_DIR": "/var/lib/comments-api",  # the SQLite store; the services' working folder
    "LOG_DIR": "/var/log/comments-api",
    "ENV_FILE": "/etc/comments-api/env",
    "UPSTREAM": "127.0.0.1:8001",  # where gunicorn listens (nginx: a list, one per host)
    "PROXIES": "127.0.0.1",  # the nginx hosts whose X-Forwarded-* headers are believed
    "WORKERS": "3",
    "HTTP_LISTEN": "80,[::]:80",
    "HTTPS_LISTEN": "443,[::]:443",
    "TLS_CERT": "/etc/letsencrypt/live/@SERVER_NAME@/fullchain.pem",
    "TLS_KEY": "/etc/letsencrypt/live/@SERVER_NAME@/privkey.pem",
    "ACME_DIR": "/var/www/letsencrypt",
    "NGINX_LOG_DIR": "/var/log/nginx/comments-site",
}
LISTS = frozenset({"HTTP_LISTEN", "HTTPS_LISTEN", "UPSTREAM"})
BLOCKS = ("tls", "plain")


class RenderError(ValueError):
    """A template that cannot be filled: a name without a value, or unbalanced markers."""


def resolve(name: str, values: Mapping[str, str | None], seen: tuple[str, ...] = ()) -> str:
    """Return the value of `name` with the names it mentions filled in.

    Raises:
        RenderError: when a value is missing or names itself.
    """
    if name in seen:
        raise RenderError(f"@{name}@ names itself through {' -> '.join(seen)}")
    value = values.get(name)
    if value is None:
        known = "" if name in values else " (not a known name)"
        raise RenderError(f"@{name}@ needs a value: pass {name}=...{known}")
    return PLACEHOLDER.sub(lambda m: resolve(m.group(1), values, (*seen, name)), value)


def kept_lines(text: str, tls: bool) -> list[str]:
    """Return the template's lines without the blocks that do not apply and their markers.

    Raises:
        RenderError: when a block is not closed, or closed without being opened.
    """
    lines, current = [], None
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        stripped = line.strip()
        marker = stripped[1:].split() if stripped.startswith("#") else []
        if len(marker) == 2 and marker[0] in ("begin", "end") and marker[1] in BLOCKS:
            opening = marker[0] == "begin"
            if opening == (current is not None) or (not opening and marker[1] != current):
                raise RenderError(f"line {number}: unbalanced '{line.strip()}'")
            current = marker[1] if opening else None
            continue
        if current is None or (current == "tls") == tls:
            lines.append(line)
    if current is not None:
        raise RenderError(f"'# begin {current}' is never ended")
    return lines


def render(text: str, overrides: Mapping[str, str] | None = None, tls: bool = True) -> str:
    """Return `text` with every @NAME@ filled from DEFAULTS and `overrides`.

    Raises:
        RenderError: when a name has no value or the block markers do not pair up.
    """
    values = {**DEFAULTS, **(overrides or {})}
    out = []
    for line in kept_lines(text, tls):
        lists = sorted({n for n in PLACEHOLDER.findall(line) if n in LISTS})
        if len(lists) > 1:
            raise RenderError(f"one list per line, got {', '.join(lists)}: {line.strip()}")
        if not lists:
            out.append(PLACEHOLDER.sub(lambda m: resolve(m.group(1), values), line))
            continue
        for item in resolve(lists[0], values).split(","):
            one = {**values, lists[0]: item.strip()}
            out.append(PLACEHOLDER.sub(lambda m, one=one: resolve(m.group(1), one), line))
    return "".join(out)


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """Return NAME=VALUE arguments as a dict.

    Raises:
        RenderError: for an argument that is not NAME=VALUE with an upper-case name.
    """
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            raise RenderError(f"expected NAME=VALUE, got {item!r}")
        values[name] = value
    return values


def main(argv: Sequence[str] | None = None) -> int:
    """Write the filled template to stdout or -o FILE; return the exit status."""
    parser = argparse.ArgumentParser(prog="deploy/render.py", description=__doc__.splitlines()[0])
    parser.add_argument("template", type=Path)
    parser.add_argument("values", nargs="*", metavar="NAME=VALUE")
    parser.add_argument("--no-tls", action="store_true", help="plain HTTP: no TLS server")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    try:
        text = render(
            args.template.read_text(encoding="utf-8"),
            parse_assignments(args.values),
            tls=not args.no_tls,
        )
    except (OSError, RenderError) as error:
        print(f"render.py: {args.template}: {error}", file=sys.stderr)
        return 2
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Serve the site and the API (`create_site_app()`) with waitress, as `make serve` does.

    python -m comments_api.web.serve [--host 127.0.0.1] [--port 8000] [--threads 8]

waitress reads and buffers each whole request, headers and body, in its I/O loop before a
worker thread sees it, so clients that send slowly hold a socket, never a thread. Settings
come from the arguments, else SERVE_HOST, SERVE_PORT, SERVE_THREADS, SERVE_CONNECTION_LIMIT,
SERVE_CHANNEL_TIMEOUT; the service's own settings are the usual COMMENTS_* variables.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote

from waitress import create_server

from ..setting_readers import ConfigError
from .site import create_site_app

log = logging.getLogger("comments_api.access")

# Room above COMMENTS_MAX_REQUEST_BYTES for chunked framing, so the service itself answers
# (413 as JSON) every body up to its limit and a little beyond; waitress refuses the rest.
BODY_MARGIN = 16 * 1024
# Descriptors kept free for the listening socket, threads' files, the store and logs.
SPARE_FILES = 64
# The path characters an access log line keeps as they are; the rest are %-escaped, so a
# decoded %0A in a path cannot start a forged log line.
PATH_SAFE = "/:@!$&'()*+,;=-._~"


def access_log(app: Callable) -> Callable:
    """Wrap a WSGI app to log one line per request: client, method, path, status, time.

    The query string is never logged.
    """

    def logged(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: list[str] = []

        def recording_start_response(status: str, headers: list, *exc: Any) -> Callable:
            seen[:] = [status.split(" ", 1)[0]]
            return start_response(status, headers, *exc)

        try:
            return app(environ, recording_start_response)
        finally:
            path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
            log.info(
                '%s "%s %s %s" %s %.1f ms',
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD", "-"),
                quote(path.encode("latin-1", "replace"), safe=PATH_SAFE),
                environ.get("SERVER_PROTOCOL", "-"),
                seen[0] if seen else "-",
                (time.perf_counter() - started) * 1000,
            )

    return logged


def open_file_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit; return the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = 65536 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Return the command line's settings, defaults taken from the environment."""
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m comments_api.web.serve", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default=env.get("SERVE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("SERVE_PORT", "8000")))
    parser.add_argument(
        "--threads",
        type=int,
        default=int(env.get("SERVE_THREADS", "8")),
        help="worker threads running the app (requests reach them complete)",
    )
    parser.add_argument(
        "--connection-limit",
        type=int,
        default=int(env.get("SERVE_CONNECTION_LIMIT", "1000")),
        help="open client sockets at most; beyond it new ones wait in the listen queue",
    )
    parser.add_argument(
        "--channel-timeout",
        type=int,
        default=int(env.get("SERVE_CHANNEL_TIMEOUT", "30")),
        help="seconds a connection may send nothing before it is closed",
    )
    parser.add_argument("--no-access-log", action="store_true", help="no line per request")
    return parser.parse_args(argv)


def server_settings(args: argparse.Namespace, max_request_bytes: int) -> dict[str, Any]:
    """Return waitress's settings for these arguments and the service's body limit."""
    files = open_file_limit()
    return {
        "host": args.host,
        "port": args.port,
        "threads": args.threads,
        # Each slow client holds one socket: allow many, within the open-file limit.
        "connection_limit": max(1, min(args.connection_limit, files - SPARE_FILES)),
        # poll(), not select(): select() cannot watch descriptors above 1023.
        "asyncore_use_poll": True,
        "channel_timeout": args.channel_timeout,
        # How often idle connections are looked for; the timeout holds within this much.
        "cleanup_interval": max(1, min(10, args.channel_timeout)),
        "max_request_body_size": max_request_bytes + BODY_MARGIN,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Start waitress with the site and the API; return when it is stopped (SIGTERM, ^C)."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        site = create_site_app()
    except ConfigError as error:
        print(f"comments_api: {error}", file=sys.stderr)
        return 2
    settings = server_settings(args, site.api.config["COMMENTS_MAX_REQUEST_BYTES"])
    app = site if args.no_access_log else access_log(site)
    server = create_server(app, **settings)

    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)  # waitress's loop closes its sockets and threads on SystemExit

    signal.signal(signal.SIGTERM, stop)
    server.print_listen("Serving on http://{}:{}")
    logging.getLogger("waitress").info(
        "threads %(threads)s, connection limit %(connection_limit)s, channel timeout "
        "%(channel_timeout)s s, body limit %(max_request_body_size)s bytes",
        settings,
    )
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

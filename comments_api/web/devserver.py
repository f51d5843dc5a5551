"""Serve a site with the comment service while Pelican builds it: `make devserver`, `make preview`.

    python -m comments_api.web.devserver --siteurl URL [--preview] [--content content]
        [--output output] [--settings pelicanconf.py] [--host 127.0.0.1] [--port 8000]

Without --preview, Pelican's autoreload (`pelican -r`) runs in a child process and rebuilds the
output folder on every change of the content, theme or settings, while this process serves
that folder and the comment API as `make serve` does (`comments_api.web.serve`). With
--preview, one build includes the drafts and the articles dated in the future, every page of
it is marked "Preview: not published" and `noindex`, and the folder is served the same way.

The child ends with this process: on SIGINT (Ctrl-C), SIGTERM or SIGHUP this process stops
the child's whole process group and waits for it; were this process killed outright, the
kernel would send the child SIGTERM (Linux's parent-death signal).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import serve

# Where a preview writes drafts (Pelican's own defaults) and that it shows future articles.
PREVIEW_SETTINGS: dict[str, Any] = {
    "WITH_FUTURE_DATES": True,
    "DRAFT_URL": "drafts/{slug}.html",
    "DRAFT_SAVE_AS": "drafts/{slug}.html",
    "DRAFT_LANG_URL": "drafts/{slug}-{lang}.html",
    "DRAFT_LANG_SAVE_AS": "drafts/{slug}-{lang}.html",
    "DRAFT_PAGE_URL": "drafts/pages/{slug}.html",
    "DRAFT_PAGE_SAVE_AS": "drafts/pages/{slug}.html",
    "DRAFT_PAGE_LANG_URL": "drafts/pages/{slug}-{lang}.html",
    "DRAFT_PAGE_LANG_SAVE_AS": "drafts/pages/{slug}-{lang}.html",
}
PREVIEW_META = '<meta name="robots" content="noindex">'
PREVIEW_BANNER = (
    '<aside class="preview-banner" aria-label="Preview" style="margin:0;padding:.5rem 1rem;'
    'background:#7a1f00;color:#fff;font:600 1rem/1.4 system-ui,sans-serif;text-align:center">'
    "Preview: not published</aside>"
)
OPEN_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
OPEN_BODY = re.compile(r"<body(\s[^>]*)?>", re.IGNORECASE)
STOP_SECONDS = 10
PR_SET_PDEATHSIG = 1


def pelican_command(
    content: str, output: str, settings: str, siteurl: str, *, preview: bool
) -> list[str]:
    """Return the Pelican command line of a preview build, or of the autoreloading one."""
    overrides = {"SITEURL": siteurl, **(PREVIEW_SETTINGS if preview else {})}
    extra = [f"{name}={json.dumps(value)}" for name, value in overrides.items()]
    reload = [] if preview else ["-r"]
    command = [sys.executable, "-m", "pelican", *reload, content, "-o", output, "-s", settings]
    return [*command, "-e", *extra]


def mark_preview(html: str) -> str:
    """Return a page with the preview's noindex meta in its head and banner atop its body."""
    if PREVIEW_BANNER in html:
        return html
    if PREVIEW_META not in html:  # the theme's 404 page has it already
        html = OPEN_HEAD.sub(lambda m: m.group(0) + PREVIEW_META, html, count=1)
    return OPEN_BODY.sub(lambda m: m.group(0) + PREVIEW_BANNER, html, count=1)


def mark_preview_folder(folder: Path) -> list[Path]:
    """Mark every HTML page under `folder` as a preview; return the drafts' pages."""
    for page in sorted(folder.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        marked = mark_preview(text)
        if marked != text:
            page.write_text(marked, encoding="utf-8")
    return sorted((folder / "drafts").rglob("*.html"))


def _end_with_parent() -> None:
    # Runs in the child before Pelican starts: the kernel sends SIGTERM when we die.
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_child(command: Sequence[str]) -> subprocess.Popen:
    """Start `command` in a process group of its own, to be stopped with all it starts."""
    return subprocess.Popen(command, process_group=0, preexec_fn=_end_with_parent)


def stop_child(child: subprocess.Popen, grace: float = STOP_SECONDS) -> None:
    """Stop the child's process group (SIGTERM, then SIGKILL after `grace`) and reap it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:  # the group is gone already
            break
        try:
            child.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    child.wait()
    with contextlib.suppress(ProcessLookupError):  # what the child left in its group
        os.killpg(child.pid, signal.SIGKILL)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Return the command line's settings."""
    parser = argparse.ArgumentParser(
        prog="python -m comments_api.web.devserver", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--siteurl", required=True, help="the address the pages link to")
    parser.add_argument("--preview", action="store_true", help="one build, drafts included")
    parser.add_argument("--content", default="content")
    parser.add_argument("--output", default="output")
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    return parser.parse_args(argv)


def preview_build(args: argparse.Namespace) -> int:
    """Build the preview, mark its pages and list its drafts; return Pelican's exit status."""
    command = pelican_command(args.content, args.output, args.settings, args.siteurl, preview=True)
    child = start_child(command)
    try:
        status = child.wait()
    finally:
        stop_child(child)
    if status == 0:
        drafts = mark_preview_folder(Path(args.output))
        for page in drafts:
            address = page.relative_to(args.output).as_posix()
            print(f"preview: draft at {args.siteurl}/{address}", flush=True)
        print(f"preview: drafts: {len(drafts)}; every page says 'Preview: not published'")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Build (once, or on every change) and serve; return when stopped, with every child."""
    args = parse_args(argv)
    os.environ["COMMENTS_SITE_URL"] = args.siteurl
    os.environ["COMMENTS_SITE_DIR"] = os.path.abspath(args.output)
    Path(args.output).mkdir(parents=True, exist_ok=True)

    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)  # unwinds to the `finally` below, which stops the child

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    if args.preview:
        try:
            status = preview_build(args)
        except KeyboardInterrupt:
            return 130
        if status != 0:
            return status
        child = None
    else:
        command = pelican_command(
            args.content, args.output, args.settings, args.siteurl, preview=False
        )
        child = start_child(command)
    try:
        return serve.main(["--host", args.host, "--port", str(args.port)])
    except KeyboardInterrupt:
        return 130
    finally:
        if child is not None:
            stop_child(child)


if __name__ == "__main__":
    sys.exit(main())

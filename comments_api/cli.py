"""Editors' commands: flask --app comments_api comments
list|approve|spam|unapprove|delete|restore|purge|export|import|import-isso|import-disqus|import-wxr,
and the desk's accounts: flask --app comments_api editors add|list|remove|password.

Also the console script `comments-api`, which makes the app itself from the COMMENTS_*
settings (`comments-api comments list`, `comments-api run`, `comments-api update-pages`).
An editor's change never writes pages from here: it is recorded in the store, and the page
worker of the service (or `update-pages`) updates the folder COMMENTS_SITE_DIR names there.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import signal
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from .actions import accounts, editor, exporting
from .actions.audit import system_actor
from .actions.importing import progress
from .actions.mail_worker import get_mail_worker
from .core.moderation import DELETED, PENDING, PUBLISHED, SPAM, STATUSES
from .extensions import get_db, get_page_worker
from .fields import editor_view
from .importers import disqus, isso, wxr_files
from .importers.uris import ImportFileError, read_map
from .settings import help_text
from .store import queries

comments_cli = AppGroup("comments", help="List and moderate comments.")


def _line(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@comments_cli.command("list")
@click.option("--status", type=click.Choice((*STATUSES, DELETED)),
              help="Only comments with this status.")  # fmt: skip
@click.option("--thread", help="Only comments on this thread (article slug).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many comments.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_command(status: str | None, thread: str | None, limit: int | None, as_json: bool) -> None:
    """List stored comments, oldest first."""
    with get_db().read() as conn:
        rows = queries.list_comments(conn, status=status, thread=thread, limit=limit)
    views = [editor_view(r) for r in rows]
    if as_json:
        click.echo(json.dumps(views, ensure_ascii=False, indent=2))
        return
    if not views:
        click.echo("No comments.")
        return
    click.echo(f"{'ID':>5}  {'STATUS':9}  {'CREATED':25}  {'THREAD':24}  AUTHOR <EMAIL>: BODY")
    for v in views:
        who = f"{_line(v['author'], 30)} <{v['email']}>"
        click.echo(
            f"{v['id']:>5}  {v['status']:9}  {v['created']:25}  {_line(v['thread'], 24):24}  "
            f"{who}: {_line(v['body'], 60)}"
        )


def _report(outcomes: list[editor.Outcome], verb: str) -> None:
    missing = [o.comment_id for o in outcomes if not o.found]
    for o in outcomes:
        if o.found:
            click.echo(f"{verb} comment {o.comment_id} on {o.thread} (was {o.before})")
    if missing:
        click.echo(f"No comment with id {', '.join(map(str, missing))}.", err=True)
        sys.exit(1)


def _status_command(name: str, status: str, verb: str, description: str) -> None:
    @comments_cli.command(name, help=description)
    @click.argument("ids", nargs=-1, required=True, type=click.IntRange(min=1))
    def command(ids: tuple[int, ...]) -> None:
        _report(editor.set_status(current_app, ids, status), verb)


_status_command(
    "approve", PUBLISHED, "Approved", "Publish comments; their pages are brought up to date."
)
_status_command("spam", SPAM, "Marked as spam:", "Mark comments as spam; they leave the pages.")
_status_command("unapprove", PENDING, "Held", "Hold published comments for moderation again.")


@comments_cli.command("delete")
@click.argument("ids", nargs=-1, required=True, type=click.IntRange(min=1))
def delete_command(ids: tuple[int, ...]) -> None:
    """Delete comments: they leave the pages, and can be restored for COMMENTS_DELETED_DAYS."""
    _report(editor.delete(current_app, ids), "Deleted")


@comments_cli.command("restore")
@click.argument("ids", nargs=-1, required=True, type=click.IntRange(min=1))
def restore_command(ids: tuple[int, ...]) -> None:
    """Give deleted comments back the status they had."""
    _report(editor.restore(current_app, ids), "Restored")


@comments_cli.command("purge")
def purge_command() -> None:
    """Remove for good the comments deleted more than COMMENTS_DELETED_DAYS ago."""
    click.echo(f"Purged {editor.purge_deleted(current_app)} deleted comments.")


def _print_report(report) -> None:
    for line in report.lines():
        click.echo(line)


def _refuse(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _shows_progress(command):
    """Show a long import's progress lines (the importers' `progress` log) on stderr."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        level = progress.level
        progress.addHandler(handler)
        progress.setLevel(logging.INFO)
        try:
            return command(*args, **kwargs)
        finally:
            progress.removeHandler(handler)
            progress.setLevel(level)

    return run


_file = click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
_dry_run = click.option("--dry-run", is_flag=True, help="Check and report; store nothing.")


@comments_cli.command("export")
@_file
def export_command(path: Path) -> None:
    """Write every stored comment, every field, to a JSON file (docs/export.md)."""
    click.echo(
        f"Warning: {path} holds every commenter's email address. Keep it private; it is "
        "written readable by you only.",
        err=True,
    )
    try:
        count = exporting.write_export(current_app, path)
    except OSError as error:
        _refuse(f"cannot write {path}: {error.strerror or error}")
    click.echo(f"Exported {count} comments to {path}.")


@comments_cli.command("import")
@_file
@_dry_run
@_shows_progress
def import_command(path: Path, dry_run: bool) -> None:
    """Read a file of `comments export` back, every field and id kept."""
    try:
        report = exporting.import_export(current_app, path.read_bytes(), dry_run=dry_run)
    except OSError as error:
        _refuse(f"cannot read {path}: {error.strerror or error}")
    except exporting.ImportRefused as error:
        _refuse(f"{path}: {error}")
    _print_report(report)


def _mapped_import_command(name: str, importer, description: str, map_help: str) -> None:
    """Add `comments NAME FILE [--map FILE] [--dry-run]` for an importer whose threads are
    matched to articles by address, or by the map."""

    @comments_cli.command(name, help=description)
    @_file
    @click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path),
                  help=map_help)  # fmt: skip
    @_dry_run
    @_shows_progress
    def command(path: Path, map_path: Path | None, dry_run: bool) -> None:
        try:
            mapping = read_map(map_path) if map_path else {}
            report = importer(current_app, path, mapping, dry_run=dry_run)
        except ImportFileError as error:
            _refuse(str(error))
        _print_report(report)


_mapped_import_command(
    "import-isso", isso.import_isso,
    "Import the comments of an Isso database (read-only); threads matched by address.",
    "A JSON object of Isso page address to slug, for moved pages.",
)  # fmt: skip
_mapped_import_command(
    "import-disqus", disqus.import_disqus,
    "Import the comments of a Disqus XML export; threads matched by address or identifier.",
    "A JSON object of Disqus page address or identifier to slug.",
)  # fmt: skip


@comments_cli.command("import-wxr")
@_file
@click.option("--content", "content", default="content", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="The content folder the posts and pages are written to.")  # fmt: skip
@click.option("--fetch-media", is_flag=True,
              help="Download the images and attachments into CONTENT/images/ and point the "
              "posts at the copies (otherwise they are only listed).")  # fmt: skip
@_dry_run
@_shows_progress
def import_wxr_command(path: Path, content: Path, fetch_media: bool, dry_run: bool) -> None:
    """Import a WordPress export (WXR): posts and pages as Markdown, then their comments."""
    try:
        files, report = wxr_files.import_wxr(current_app, path, content, dry_run=dry_run,
                                             fetch_media=fetch_media)  # fmt: skip
    except ImportFileError as error:
        _refuse(str(error))
    except OSError as error:
        _refuse(f"cannot write under {content}: {error.strerror or error}")
    _print_report(files)
    _print_report(report)


editors_cli = AppGroup("editors", help="Manage the editors' accounts of the desk (/desk/).")
_password_stdin = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking twice.",
)


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, default="",
                        show_default=False)  # fmt: skip


def _fail(error: accounts.AccountError) -> NoReturn:
    click.echo(str(error), err=True)
    sys.exit(1)


@editors_cli.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), default="moderator", show_default=True,
              help="admin may also manage the desk's admin pages.")  # fmt: skip
@_password_stdin
def add_editor_command(name: str, role: str, password_stdin: bool) -> None:
    """Create an editor's account (at least 12 characters of password)."""
    try:
        # Refused before the password is asked for.
        if accounts.find_editor(current_app, accounts.normalise_name(name)) is not None:
            raise accounts.name_taken(name)
        made = accounts.add_editor(
            current_app, name, role, _new_password(password_stdin), actor=system_actor()
        )
    except accounts.AccountError as error:
        _fail(error)
    click.echo(f"Added editor {made.name} ({made.role}).")


@editors_cli.command("list")
def list_editors_command() -> None:
    """List the editors' accounts: name, role, created."""
    rows = accounts.list_editors(current_app)
    if not rows:
        click.echo("No editors.")
        return
    click.echo(f"{'NAME':24}  {'ROLE':9}  CREATED")
    for row in rows:
        click.echo(f"{row['name']:24}  {row['role']:9}  {row['created'].isoformat()}")


@editors_cli.command("remove")
@click.argument("name")
def remove_editor_command(name: str) -> None:
    """Delete an editor's account; their sessions end at once."""
    try:
        gone = accounts.remove_editor(current_app, name, actor=system_actor())
    except accounts.AccountError as error:
        _fail(error)
    click.echo(f"Removed editor {gone.name}; their sessions have ended.")


@editors_cli.command("password")
@click.argument("name")
@_password_stdin
def password_command(name: str, password_stdin: bool) -> None:
    """Give an editor a new password; their sessions end."""
    try:
        if accounts.find_editor(current_app, name) is None:
            raise accounts.no_such_editor(name)
        changed = accounts.change_password(
            current_app, name, _new_password(password_stdin), actor=system_actor()
        )
    except accounts.AccountError as error:
        _fail(error)
    click.echo(f"Changed the password of {changed.name}; their sessions have ended.")


@click.command("update-pages")
@with_appcontext
@click.option("--once", is_flag=True, help="Bring the stale pages up to date, then stop.")
def update_pages_command(once: bool) -> None:
    """Run the page-update worker: static pages follow their published comments. With mail
    to moderators on (COMMENTS_SMTP_HOST), it also sends their notices.

    Run it where COMMENTS_SITE_DIR lives, with COMMENTS_PAGE_WORKER=off for the service.
    """
    worker = get_page_worker()
    mailer = get_mail_worker(current_app)
    if once:
        click.echo(f"Updated {worker.run_pending(current_app)} pages.")
        if mailer.enabled:
            click.echo(f"Sent {mailer.send_due(current_app)} mails to moderators.")
        return
    if not logging.getLogger().handlers:
        # Its "updated ..." lines are the worker's log (systemd's journal or a file).
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    click.echo(
        f"Updating the pages in {current_app.config['COMMENTS_SITE_DIR']} as comments change."
    )
    mailer.ensure_started(here=True)
    with contextlib.suppress(KeyboardInterrupt):
        worker.serve(elect=False)
    mailer.stop()
    mailer.join(current_app.config["COMMENTS_SMTP_TIMEOUT"] * 2)


def _make_app():
    from . import create_app

    return create_app()


main = FlaskGroup(
    name="comments-api",
    create_app=_make_app,
    help="The comment service and its editors' commands. Settings come from COMMENTS_* "
    "environment variables:\n\n" + help_text(),
)
main.add_command(update_pages_command)

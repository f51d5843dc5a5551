"""Editors' commands: flask --app comments_api comments list|approve|spam|delete."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from . import moderation, storage
from .public import iso_time
from .rules import PUBLISHED, SPAM, STATUSES

comments_cli = AppGroup("comments", help="List and moderate comments.")
EDITOR_FIELDS = ("id", "thread", "parent", "status", "author", "email", "url", "created")


def editor_view(row: dict) -> dict:
    """Return a stored comment as editors see it (with the email; never the address hash)."""
    view = {k: row[k] for k in EDITOR_FIELDS}
    view["created"] = iso_time(row["created"])
    view["body"] = row["body"]
    view["body_html"] = row["body_html"]
    return view


def _line(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@comments_cli.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only comments with this status.")
@click.option("--thread", help="Only comments on this thread (article slug).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many comments.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_command(status: str | None, thread: str | None, limit: int | None, as_json: bool) -> None:
    """List stored comments, oldest first."""
    with storage.get_db().read() as conn:
        rows = storage.list_comments(conn, status=status, thread=thread, limit=limit)
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


def _report(outcomes: list[moderation.Outcome], verb: str) -> None:
    missing = [o.comment_id for o in outcomes if not o.found]
    for o in outcomes:
        if o.found:
            click.echo(f"{verb} comment {o.comment_id} on {o.thread} (was {o.before})")
    if missing:
        click.echo(f"No comment with id {', '.join(map(str, missing))}.", err=True)
        sys.exit(1)


def _status_command(name: str, status: str, verb: str) -> None:
    @comments_cli.command(name)
    @click.argument("ids", nargs=-1, required=True, type=click.IntRange(min=1))
    def command(ids: tuple[int, ...]) -> None:
        _report(moderation.set_status(current_app, ids, status), verb)

    command.__doc__ = f"Mark comments as {status}."


_status_command("approve", PUBLISHED, "Approved")
_status_command("spam", SPAM, "Marked as spam:")
_status_command("unapprove", "pending", "Held")


@comments_cli.command("delete")
@click.argument("ids", nargs=-1, required=True, type=click.IntRange(min=1))
def delete_command(ids: tuple[int, ...]) -> None:
    """Delete comments for good (their replies move up a level)."""
    _report(moderation.delete(current_app, ids), "Deleted")

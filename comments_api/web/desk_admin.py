"""Blueprint for the desk's admin pages: open or close comments on an article, and the
editors' accounts (the same actions as `editors add|remove` on the command line)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from ..actions import accounts, editor
from ..bake.manifest import article_path
from ..core.errors import ApiError
from ..extensions import get_db, get_manifest, now, site_url
from ..store import queries
from .desk import counts, page_context, saved_notices, with_query
from .desk_auth import check_csrf, current_editor, desk_error_response, private, signed_in

bp = Blueprint("desk_admin", __name__, url_prefix="/desk")
bp.after_request(private)
bp.register_error_handler(ApiError, desk_error_response)


def _render(template: str, current: str, status: int = 200, **context) -> Response:
    with get_db().read() as conn:
        queue_counts = counts(conn)
    html = render_template(template, **page_context(current, queue_counts, **context))
    return Response(html, status=status, mimetype="text/html")


@bp.get("/articles")
@signed_in("admin")
def articles() -> Response:
    """List the comment-enabled articles, whether each takes comments, and its buttons."""
    manifest, moment = get_manifest(), now()
    with get_db().read() as conn:
        words = queries.thread_rules_of(conn)
        published = queries.published_counts(conn, manifest.threads)
    rows = [
        {
            "slug": slug,
            "title": thread.title,
            "url": article_path(site_url(), thread.url),
            "open": thread.state.with_desk_word(words.get(slug)).is_open(moment),
            "by_desk": slug in words,
            "comments": published.get(slug, 0),
        }
        for slug, thread in sorted(manifest.threads.items(), key=lambda i: i[1].title.lower())
    ]
    return _render("desk/articles.html", "articles", rows=rows, notices=saved_notices())


@bp.post("/articles")
@signed_in("admin")
def set_article() -> Response:
    """Open or close comments on one article; its page follows."""
    check_csrf()
    slug, wanted = request.form.get("thread", ""), request.form.get("open")
    if slug not in get_manifest().threads or wanted not in ("0", "1"):
        raise ApiError(400, "Choose an article and whether it takes comments.")
    editor.set_thread_open(current_app, slug, wanted == "1", current_editor().name)
    saved = "open" if wanted == "1" else "close"
    return redirect(with_query(url_for(".articles"), saved=saved) + f"#a-{slug}", 303)


@bp.get("/editors")
@signed_in("admin")
def editors() -> Response:
    """List the editors' accounts, with the forms to add and remove one."""
    return _editors_page()


def _editors_page(status: int = 200, **context) -> Response:
    return _render("desk/editors.html", "editors", status, people=accounts.list_editors(
        current_app), roles=accounts.ROLES, **context)  # fmt: skip


@bp.post("/editors")
@signed_in("admin")
def change_editors() -> Response:
    """Add an account (name, role, password) or remove one (`remove`: its name)."""
    check_csrf()
    me = current_editor()
    try:
        if (gone := request.form.get("remove")) is not None:
            if accounts.normalise_name(gone) == me.name:
                raise accounts.AccountError("You cannot remove your own account here.")
            removed = accounts.remove_editor(current_app, gone, actor=me.name)
            notice = f"Removed {removed.name}; their sessions have ended."
        else:
            added = accounts.add_editor(
                current_app, request.form.get("name", ""), request.form.get("role", ""),
                request.form.get("password", ""), actor=me.name,
            )  # fmt: skip
            notice = f"Added {added.name} ({added.role})."
    except accounts.AccountError as error:
        name = request.form.get("name", "")
        return _editors_page(422, notices=[("error", str(error))], typed_name=name)
    return _editors_page(notices=[("ok", notice)])

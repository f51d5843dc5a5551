"""Faults around the service: a missing or corrupt manifest, a full disk under output/, a theme
whose comment section lost its markers. None may blame the commenter or break later updates."""

from __future__ import annotations

import errno
import logging
import os

import pytest

from tests.support import THREAD, comment, write_manifest

PAGE = "rebels-capture-hama.html"
BEGIN, END = "<!--comments:begin-->", "<!--comments:end-->"
ORIGINAL = f"<html><body><h1>Hama</h1>\n{BEGIN}<p>old section</p>{END}\n</body></html>"


# -- 1. the manifest cannot be read ------------------------------------------------------------


@pytest.fixture(params=["unreadable", "missing"])
def broken_manifest(request, manifest):
    """Make the manifest corrupt (or remove it) before any worker has read it."""
    if request.param == "missing":
        manifest.unlink()
    else:
        manifest.write_text('{"version": 1, "threads": {"rebels-capture-hama": ')
    return request.param


def test_posting_without_a_readable_manifest_answers_503_not_422(make_app, broken_manifest):
    client = make_app().test_client()
    answer = client.post("/api/comments", json=comment())
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert "errors" not in answer.get_json()
    assert "does not take comments" not in answer.get_json()["error"]


# The error page looks the article up to decide whether to show the form again: that lookup
# must not raise a second time while the refusal is being answered.
def test_a_form_post_without_a_readable_manifest_answers_503_page(make_app, broken_manifest):
    typed = comment()
    answer = make_app().test_client().post("/api/comments", data=typed)
    assert answer.status_code == 503
    assert answer.mimetype == "text/html"
    assert int(answer.headers["Retry-After"]) > 0
    page = answer.get_data(as_text=True)
    assert "does not take comments" not in page
    # Nothing typed is lost, even though the refusal came before the form was read; the
    # email address never comes back.
    assert typed["body"] in page and typed["author"] in page
    assert typed["email"] not in page


def test_reading_a_thread_without_a_readable_manifest_answers_503_not_404(
    make_app, broken_manifest
):
    client = make_app().test_client()
    answer = client.get(f"/api/threads/{THREAD}/comments")
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert client.get(f"/api/comments/{1}").status_code == 404  # no thread lookup needed


def test_health_names_the_manifest_problem_with_503(make_app, broken_manifest):
    answer = make_app().test_client().get("/api/health")
    assert answer.status_code == 503
    assert answer.get_json() == {
        "status": "unavailable",
        "database": "ok",
        "manifest": broken_manifest,
        "threads": 0,
    }


def test_service_recovers_once_the_build_writes_the_manifest(make_app, manifest, broken_manifest):
    client = make_app().test_client()
    assert client.post("/api/comments", json=comment()).status_code == 503
    manifest.unlink(missing_ok=True)
    write_manifest(manifest)
    assert client.get("/api/health").status_code == 200
    assert client.post("/api/comments", json=comment()).status_code == 201


def test_a_manifest_broken_after_a_good_read_keeps_the_good_copy(client, manifest):
    assert client.post("/api/comments", json=comment(body="one")).status_code == 201
    manifest.write_text("{half a file")
    assert client.post("/api/comments", json=comment(body="two")).status_code == 201
    health = client.get("/api/health")
    assert health.status_code == 200
    assert health.get_json()["manifest"] == "stale"
    assert health.get_json()["manifest_file"] == "unreadable"


def test_unknown_thread_is_still_the_commenters_mistake(client):
    answer = client.post("/api/comments", json=comment(thread="no-such-article"))
    assert answer.status_code == 422


# -- 2. a page update that cannot write -------------------------------------------------------


@pytest.fixture
def page(manifest):
    path = manifest.parent.parent / PAGE
    path.write_text(ORIGINAL, encoding="utf-8")
    return path


def leftovers(site_dir):
    return sorted(p.name for p in site_dir.rglob(".rebake-*"))


def test_the_page_is_updated_between_its_markers(client, page):
    assert client.post("/api/comments", json=comment(body="Fresh words")).status_code == 201
    html = page.read_text(encoding="utf-8")
    assert "Fresh words" in html and "old section" not in html
    assert html.count(BEGIN) == 1 and html.count(END) == 1
    assert leftovers(page.parent) == []


def _full_disk_on_write(monkeypatch):
    real_fdopen = os.fdopen

    class FullFile:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, _text):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: FullFile(real_fdopen(fd, *a, **k)))


def _failing_rename(monkeypatch):
    def replace(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("fault", [_full_disk_on_write, _failing_rename], ids=["write", "rename"])
def test_a_failed_page_write_leaves_no_temp_file_and_the_page_unchanged(
    client, page, monkeypatch, caplog, fault
):
    fault(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="comments_api"):
        answer = client.post("/api/comments", json=comment())
    monkeypatch.undo()
    assert answer.status_code == 201  # the comment is stored; the page catches up later
    assert leftovers(page.parent) == []
    assert page.read_text(encoding="utf-8") == ORIGINAL
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("not updated" in r.getMessage() for r in warnings)


# -- 3. a theme's comment section without its markers -----------------------------------------


def test_a_section_without_markers_leaves_the_page_untouched_and_warns_once(
    make_app, page, tmp_path, caplog
):
    theme = tmp_path / "theme" / "templates"
    (theme / "comments").mkdir(parents=True)
    (theme / "comments" / "section.html").write_text(
        "<section>{{ discussion.count_label }} and no markers</section>\n"
    )
    client = make_app(COMMENTS_TEMPLATES=str(theme)).test_client()
    with caplog.at_level(logging.WARNING, logger="comments_api"):
        assert client.post("/api/comments", json=comment(body="first")).status_code == 201
    assert page.read_text(encoding="utf-8") == ORIGINAL
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "marker" in warnings[0].getMessage()
    assert leftovers(page.parent) == []
    # Once the theme is fixed, the next update still finds the markers in the page.
    (theme / "comments" / "section.html").unlink()
    fixed = make_app(COMMENTS_TEMPLATES=str(theme)).test_client()
    assert fixed.post("/api/comments", json=comment(body="second")).status_code == 201
    html = page.read_text(encoding="utf-8")
    assert "second" in html and html.count(BEGIN) == 1 and html.count(END) == 1


@pytest.mark.parametrize(
    "template",
    [
        "<!--comments:begin--><p>no end</p>\n",
        "<p>no begin</p><!--comments:end-->\n",
        "<!--comments:begin--><!--comments:end--><!--comments:begin--><!--comments:end-->\n",
        "<p>before</p><!--comments:begin--><!--comments:end-->\n",
    ],
    ids=["no-end", "no-begin", "two-pairs", "text-before"],
)
def test_every_kind_of_unmarked_section_is_refused(make_app, page, tmp_path, template):
    theme = tmp_path / "theme" / "templates"
    (theme / "comments").mkdir(parents=True)
    (theme / "comments" / "section.html").write_text(template)
    client = make_app(COMMENTS_TEMPLATES=str(theme)).test_client()
    assert client.post("/api/comments", json=comment()).status_code == 201
    assert page.read_text(encoding="utf-8") == ORIGINAL

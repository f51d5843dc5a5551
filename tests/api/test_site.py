"""The one-origin app: the built site's files at /, the comment API at /api/."""

from __future__ import annotations

import os
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from werkzeug.test import Client

from comments_api.web.site import content_type, create_site_app
from tests.support import (
    LIMITS_OFF,
    MODERATION_OFF,
    SECRET,
    THREAD,
    LiveServer,
    comment,
    raw_http,
    write_manifest,
)


@pytest.fixture
def output(tmp_path) -> Path:
    out = tmp_path / "output"
    write_manifest(out / "comments" / "threads.json", site_url="http://127.0.0.1:8000")
    (out / "theme" / "css").mkdir(parents=True)
    (out / "theme" / "js").mkdir(parents=True)
    (out / "world").mkdir()
    (out / "index.html").write_text("<h1>Front</h1>")
    (out / "rebels-capture-hama.html").write_text("<h1>Hama</h1>")
    (out / "world" / "index.html").write_text("<h1>World</h1>")
    (out / "theme" / "css" / "site.css").write_text("body{}")
    (out / "theme" / "js" / "comments.js").write_text("void 0;")
    (out / "feed.atom.xml").write_text("<feed/>")
    (out / "favicon.svg").write_text("<svg/>")
    (out / "404.html").write_text("<h1>Page not found</h1>")
    (out.parent / "secret.txt").write_text("outside")
    return out


@pytest.fixture
def site(output, tmp_path):
    config = {
        "COMMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "COMMENTS_SECRET_KEY": SECRET,
        **LIMITS_OFF,
        **MODERATION_OFF,
    }
    return create_site_app(output, config)


@pytest.fixture
def http(site):
    return Client(site)


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        ("/", "<h1>Front</h1>", "text/html; charset=utf-8"),
        ("/rebels-capture-hama.html", "<h1>Hama</h1>", "text/html; charset=utf-8"),
        ("/world/", "<h1>World</h1>", "text/html; charset=utf-8"),
        ("/theme/css/site.css", "body{}", "text/css; charset=utf-8"),
        ("/theme/js/comments.js", "void 0;", "text/javascript; charset=utf-8"),
        ("/feed.atom.xml", "<feed/>", "application/xml; charset=utf-8"),
        ("/favicon.svg", "<svg/>", "image/svg+xml; charset=utf-8"),
    ],
)
def test_static_files_are_served_with_their_types(http, path, text, kind):
    answer = http.get(path)
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == text
    assert answer.headers["Content-Type"] == kind
    assert answer.headers["Cache-Control"] == "no-cache"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_folder_without_slash_redirects(http):
    answer = http.get("/world?x=1")
    assert answer.status_code == 301
    assert answer.headers["Location"] == "/world/?x=1"


@pytest.mark.parametrize("path", ["/nope.html", "/../secret.txt", "/%2e%2e/secret.txt", "/world/x"])
def test_missing_or_outside_files_get_the_404_page(http, path):
    answer = http.get(path)
    assert answer.status_code == 404
    assert "Page not found" in answer.get_data(as_text=True)
    assert "outside" not in answer.get_data(as_text=True)


def test_conditional_get_answers_304(http):
    first = http.get("/rebels-capture-hama.html")
    again = http.get("/rebels-capture-hama.html", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_head_works_and_post_to_a_page_is_405(http):
    assert http.head("/").status_code == 200
    assert http.post("/rebels-capture-hama.html").status_code == 405


def test_api_lives_on_the_same_origin_and_reads_the_sites_manifest(http):
    answer = http.post("/api/comments", data=comment())
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/rebels-capture-hama.html#comment-1"
    assert http.get("/api/threads/rebels-capture-hama/comments").json["comments"][0]["id"] == 1
    assert http.get("/api/nothing").status_code == 404
    assert http.get("/api/nothing").json == {"error": "Nothing here."}


def test_missing_404_page_falls_back_to_text(output, site):
    (output / "404.html").unlink()
    answer = Client(site).get("/nope")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("text/plain")


def test_site_dir_comes_from_the_environment(output, tmp_path, monkeypatch):
    monkeypatch.setenv("COMMENTS_SITE_DIR", str(output))
    monkeypatch.setenv("COMMENTS_SECRET_KEY", SECRET)
    monkeypatch.setenv("COMMENTS_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    site = create_site_app()
    assert Client(site).get("/").get_data(as_text=True) == "<h1>Front</h1>"
    assert site.api.config["COMMENTS_MANIFEST"] == output.resolve() / "comments" / "threads.json"


def test_form_post_without_javascript_over_real_http(site):
    with LiveServer(site) as server:
        data = urllib.parse.urlencode(comment(body="Plain form")).encode()
        request = urllib.request.Request(
            server.url + "/api/comments",
            data=data,
            headers={"Origin": server.url, "Content-Type": "application/x-www-form-urlencoded"},
        )
        # urllib follows the 303 with a GET, as a browser does.
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
            assert answer.url == server.url + "/rebels-capture-hama.html#comment-1"
            assert answer.read() == b"<h1>Hama</h1>"
    listed = Client(site).get(f"/api/threads/{THREAD}/comments").json["comments"]
    assert listed[0]["body_html"] == "<p>Plain form</p>"


def test_content_type_table():
    assert content_type("a.woff2") == "font/woff2"
    assert content_type("a.png") == "image/png"
    assert content_type("a.unknownext") == "application/octet-stream"


# Only the build's regular files inside the output folder are public, over real HTTP.


@pytest.fixture
def live(site):
    with LiveServer(site) as server:
        yield server.url


def fetch(base: str, path: str) -> tuple[int, dict[str, str], bytes]:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    return raw_http(base, request.encode("latin-1"))


@pytest.fixture
def private_files(output, tmp_path) -> Path:
    """Files the service or a checkout leaves in the output folder, and links out of it."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text("outside-the-site-secret")
    (output / ".comments.lock").write_text("outside-lock")
    (output / ".rebake-abc123.html").write_text("outside-half-written")
    (output / "world" / ".rebake-x.html").write_text("outside-half-written")
    (output / "comments" / ".threads-x.json").write_text("outside-temp")
    (output / ".git").mkdir()
    (output / ".git" / "config").write_text("outside-git")
    (output / "key.txt").symlink_to(instance / "secret_key")
    (output / "instance").symlink_to(instance, target_is_directory=True)
    (output / "lock.html").symlink_to(output / ".comments.lock")
    (output / "git").symlink_to(output / ".git", target_is_directory=True)
    return instance


@pytest.mark.parametrize(
    "path",
    [
        "/key.txt",
        "/instance/secret_key",
        "/instance/",
        "/.comments.lock",
        "/.rebake-abc123.html",
        "/world/.rebake-x.html",
        "/comments/.threads-x.json",
        "/.git/config",
        "/.git/",
        "/%2egit/config",
        "/lock.html",
        "/git/config",
        "/world/../.comments.lock",
        "/index.html/",
        "/rebels-capture-hama.html/",
        "/theme/css/site.css/",
    ],
)
def test_private_or_linked_out_files_are_404_over_http(live, private_files, path):
    status, _headers, body = fetch(live, path)
    assert status == 404
    assert b"Page not found" in body
    assert b"outside" not in body


def test_links_that_stay_inside_the_site_are_served(live, output):
    (output / "latest.html").symlink_to(output / "rebels-capture-hama.html")
    (output / "planet").symlink_to(output / "world", target_is_directory=True)
    assert fetch(live, "/latest.html")[2] == b"<h1>Hama</h1>"
    assert fetch(live, "/planet/")[2] == b"<h1>World</h1>"


def test_a_404_page_linked_out_of_the_site_is_not_shown(live, output, private_files):
    (output / "404.html").unlink()
    (output / "404.html").symlink_to(private_files / "secret_key")
    status, headers, body = fetch(live, "/nope")
    assert status == 404
    assert body == b"Not found\n"


def test_a_folder_index_linked_out_of_the_site_is_404(live, output, private_files):
    (output / "world" / "index.html").unlink()
    (output / "world" / "index.html").symlink_to(private_files / "secret_key")
    status, _headers, body = fetch(live, "/world/")
    assert status == 404
    assert b"outside" not in body


def test_only_regular_files_are_served(live, output):
    os.mkfifo(output / "pipe.html")
    assert fetch(live, "/pipe.html")[0] == 404


def test_the_thread_manifest_stays_public(live):
    # It holds only what the pages show (docs/comments-api.md); the service reads it from disk.
    status, headers, body = fetch(live, "/comments/threads.json")
    assert status == 200
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert b'"rebels-capture-hama"' in body

"""`import-wxr --fetch-media`: the export's images and attachments downloaded from a real
HTTP server on loopback into content/images/, the posts pointed at the copies; nothing
fetched without the option or in a dry run; what cannot be fetched is listed with why."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from comments_api.importers.media import media_name
from tests.api import conftest as api_fixtures
from tests.test_import_wxr import run, sample_wxr

# The app fixtures of the service tests, used here too.
manifest, database_url = api_fixtures.manifest, api_fixtures.database_url
settings, make_app = api_fixtures.settings, api_fixtures.make_app

OLD = "https://old.example.org/wp-content/uploads/"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"


class OldSite(BaseHTTPRequestHandler):
    """The old WordPress site's uploads: the photo is a JPEG; the map answers with a page."""

    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        OldSite.requests.append(self.path)
        if self.path.endswith("/harbour.jpg"):
            body, kind = JPEG, "image/jpeg"
        elif self.path.endswith("/map.png"):
            body, kind = b"<html>moved</html>", "text/html"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def old_site():
    OldSite.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), OldSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/wp-content/uploads/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def export(tmp_path, old_site) -> Path:
    path = sample_wxr(tmp_path / "export.xml")
    path.write_text(path.read_text(encoding="utf-8").replace(OLD, old_site), encoding="utf-8")
    return path


def test_fetch_media_downloads_and_points_the_post_at_the_copy(make_app, export, old_site,
                                                               tmp_path):  # fmt: skip
    content = tmp_path / "content"
    result = run(make_app(), export, "--content", content, "--fetch-media")
    assert result.exit_code == 0, result.output
    assert (content / "images" / "harbour.jpg").read_bytes() == JPEG
    body = (content / "articles" / "hello-harbour.md").read_text(encoding="utf-8")
    assert "![The harbour]({static}/images/harbour.jpg)" in body
    assert f"{old_site}harbour.jpg" not in body
    # The image and the attachment are one URL, fetched once.
    assert OldSite.requests.count("/wp-content/uploads/harbour.jpg") == 1
    assert f"  {old_site}harbour.jpg → images/harbour.jpg" in result.output
    assert f"  {old_site}map.png: the server sent text/html, not an image or attachment" in (
        result.output
    )
    assert not (content / "images" / "map.png").exists()
    # The map stays on the old site, linked as it was.
    assert f"({old_site}map.png)" in body
    # A second run writes the same files: the copy is reused under its name.
    again = run(make_app(), export, "--content", content, "--fetch-media")
    assert again.exit_code == 0, again.output
    assert "Wrote 0 Markdown files." in again.output
    assert sorted(p.name for p in (content / "images").iterdir()) == ["harbour.jpg"]


@pytest.mark.parametrize("flags", [(), ("--fetch-media", "--dry-run")])
def test_nothing_is_fetched_without_the_option_or_in_a_dry_run(make_app, export, old_site,
                                                               tmp_path, flags):  # fmt: skip
    content = tmp_path / "content"
    result = run(make_app(), export, "--content", content, *flags)
    assert result.exit_code == 0, result.output
    assert OldSite.requests == []
    assert not (content / "images").exists()
    assert f"  {old_site}harbour.jpg" in result.output
    assert "not downloaded" in result.output


def test_another_file_of_the_same_name_is_kept_beside_it(make_app, export, tmp_path):
    content = tmp_path / "content"
    (content / "images").mkdir(parents=True)
    (content / "images" / "harbour.jpg").write_bytes(b"the newsroom's own photo")
    result = run(make_app(), export, "--content", content, "--fetch-media")
    assert result.exit_code == 0, result.output
    assert (content / "images" / "harbour.jpg").read_bytes() == b"the newsroom's own photo"
    copies = [p for p in (content / "images").iterdir() if p.name != "harbour.jpg"]
    assert [p.read_bytes() for p in copies] == [JPEG]
    body = (content / "articles" / "hello-harbour.md").read_text(encoding="utf-8")
    assert f"{{static}}/images/{copies[0].name})" in body


def test_media_names_are_safe_file_names():
    assert media_name("https://x.example/up/2019/05/Harbour%20at%20dawn.JPG?w=300") == (
        "Harbour-at-dawn.jpg"
    )
    assert media_name("https://x.example/up/../../etc/passwd") == "passwd"
    assert media_name("https://x.example/") == "file"
    assert media_name("https://x.example/.htaccess") == "file.htaccess"

"""An author's commands, run as an author runs them: newpost, preview, html, publish, devserver.

Each test builds a small copy of the sample content into its own folders (never `output/`)
and starts servers on free ports of 127.0.0.1; what a server left running is read in /proc.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from comments_api import create_app
from tests.conftest import ROOT, build_site
from tests.support import LIMITS_OFF, MODERATION_OFF, free_port, wait_for

ARTICLES = [
    "rebels-capture-hama",
    "tervana-delta-floods",
    "harriers-promotion",
    "draft-harriers-stadium-plan",
    "scheduled-voltaris-first-cells",
]
SECRET = "authoring-test-secret-0123456789"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def small_content(folder: Path) -> Path:
    """Copy a few articles of the sample content (one draft, one dated in the future)."""
    source = ROOT / "content"
    for part in ("pages", "images", "extra"):
        shutil.copytree(source / part, folder / part)
    (folder / "articles").mkdir(parents=True)
    for slug in ARTICLES:
        shutil.copy(source / "articles" / f"{slug}.md", folder / "articles")
    return folder


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Return an environment with none of the addresses make reads, a store of the test's."""
    env = {k: v for k, v in os.environ.items() if k not in ("SITEURL", "PORT", "HOST")}
    env.pop("COMMENTS_DATABASE_URL", None)
    env.update(
        {
            "COMMENTS_DATABASE_URL": f"sqlite:///{tmp / 'comments.db'}",
            "COMMENTS_SECRET_KEY": SECRET,
            **LIMITS_OFF,
            **MODERATION_OFF,
        }
    )
    env.update(extra)
    return env


def make(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run `make ARGS` in the checkout, as an author does; fail the test when it fails."""
    result = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode("utf-8")


def running_in_session(session: int) -> dict[int, str]:
    """Return {pid: command line} of every live (not zombie) process of a session."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # ended while we looked
            continue
        state, _ppid, _group, sid = stat.rsplit(")", 1)[1].split()[:4]
        if int(sid) == session and state != "Z":
            found[int(entry.name)] = command
    return found


def wait_until(condition, what: str, timeout: float = 120.0) -> None:
    """Wait until `condition()` is true; fail naming `what` if it never becomes so."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.2)


class MakeServer:
    """`make TARGET ...` in a session of its own (as a terminal runs it), on a free port."""

    def __init__(self, tmp: Path, target: str, port_variable: str, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"{target}.log"
        with self.log.open("w") as log:
            self.make = subprocess.Popen(
                ["make", "--no-print-directory", target, f"{port_variable}={self.port}", *args],
                cwd=ROOT,
                env=clean_env(tmp),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def processes(self) -> dict[int, str]:
        return running_in_session(self.make.pid)

    def child(self, name: str) -> int:
        """Return the pid of the session's process whose command line holds `name`."""
        return next(pid for pid, command in self.processes().items() if name in command)

    def output(self) -> str:
        return self.log.read_text()

    def end(self) -> None:
        """Stop whatever is left (a failed test), by the session's group."""
        if self.make.poll() is None:
            os.killpg(self.make.pid, signal.SIGKILL)
            self.make.wait()
        for pid in self.processes():
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def devserver(tmp_path):
    content = small_content(tmp_path / "content")
    server = MakeServer(
        tmp_path, "devserver", "PORT", f"CONTENT={content}", f"OUTPUT={tmp_path / 'out'}"
    )
    server.content, server.out = content, tmp_path / "out"
    try:
        wait_for(f"{server.url}/comments/threads.json", timeout=180)
        wait_until(lambda: "Done: Processed" in server.output(), "the first build done")
        yield server
    finally:
        server.end()


# make newpost -------------------------------------------------------------------------------


def test_newpost_writes_a_draft_by_the_sites_default_author(tmp_path):
    content = small_content(tmp_path / "content")
    result = make("newpost", "TITLE=Ferry timetable changes", f"CONTENT={content}", env=os.environ)
    lines = result.stdout.strip().splitlines()
    path = Path(lines[-1])
    assert path == content / "articles/ferry-timetable-changes.md"
    header = path.read_text(encoding="utf-8").split("\n\n")[0]
    keys = [line.split(":")[0] for line in header.splitlines()]
    assert keys == ["Title", "Date", "Category", "Summary", "Slug", "Status"]
    assert "Status: draft" in header.splitlines()
    said = "\n".join(lines[:-1])
    assert "draft" in said and "Status: published" in said
    assert "The Alden Courier newsroom" in said  # pelicanconf's AUTHOR, read from it

    output = build_site(tmp_path / "out", content, COMMENTS_DATABASE_URL="")
    assert not (output / "ferry-timetable-changes.html").exists()
    home = soup(output / "index.html")
    assert "Ferry timetable changes" not in home.get_text()
    assert home.select_one(".lead-story h3").get_text(strip=True)  # a real story leads
    writers = [a.get_text(strip=True) for a in soup(output / "authors.html").select("main a")]
    assert not [name for name in writers if "Newsroom" in name or "newsroom" in name]

    # Published by the author: by the site's default author, no writer made up.
    path.write_text(path.read_text().replace("Status: draft\n", ""), encoding="utf-8")
    output = build_site(tmp_path / "out2", content, COMMENTS_DATABASE_URL="")
    page = soup(output / "ferry-timetable-changes.html")
    assert page.select_one('a[rel="author"]').get_text(strip=True) == "The Alden Courier newsroom"


def test_newpost_keeps_an_author_given(tmp_path):
    result = make(
        "newpost", "TITLE=Pier lights", "AUTHOR=Maya Okafor", f"CONTENT={tmp_path}", env=os.environ
    )
    text = Path(result.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    assert "Author: Maya Okafor\n" in text and "Status: draft\n" in text
    assert "default author" not in result.stdout


# make html: the address of the output folder ------------------------------------------------


def test_make_html_keeps_the_address_its_output_was_built_for(tmp_path):
    content = small_content(tmp_path / "content")
    out = tmp_path / "out"
    env = clean_env(tmp_path)

    def canonical() -> str:
        return soup(out / "rebels-capture-hama.html").find("link", rel="canonical")["href"]

    make("html", "PORT=8080", f"CONTENT={content}", f"OUTPUT={out}", env=env)
    assert canonical() == "http://127.0.0.1:8080/rebels-capture-hama.html"
    # A plain `make html`, as while `make serve PORT=8080` serves the folder.
    result = make("html", f"CONTENT={content}", f"OUTPUT={out}", env=env)
    assert "for http://127.0.0.1:8080" in result.stdout
    assert canonical() == "http://127.0.0.1:8080/rebels-capture-hama.html"
    # An address given wins, and is kept in turn.
    make("html", "SITEURL=http://127.0.0.1:8123", f"CONTENT={content}", f"OUTPUT={out}", env=env)
    assert canonical() == "http://127.0.0.1:8123/rebels-capture-hama.html"
    assert (out / ".siteurl").read_text() == "http://127.0.0.1:8123\n"
    # A fresh folder gets the default address.
    fresh = tmp_path / "fresh"
    result = make("html", f"CONTENT={content}", f"OUTPUT={fresh}", env=env)
    assert "for http://127.0.0.1:8000" in result.stdout


# make publish: the production store or none -------------------------------------------------


def post_comment(database: str, manifest: Path, body: str) -> None:
    app = create_app(
        {
            "TESTING": True,
            "COMMENTS_DATABASE_URL": database,
            "COMMENTS_MANIFEST": manifest,
            "COMMENTS_SITE_URL": "http://127.0.0.1:8000",
            "COMMENTS_SECRET_KEY": SECRET,
            "COMMENTS_ON_PUBLISH": "off",
            **MODERATION_OFF,
            **LIMITS_OFF,
        }
    )
    data = {"thread": "rebels-capture-hama", "author": "Ann", "email": "a@example.org"}
    answer = app.test_client().post("/api/comments", json={**data, "body": body})
    assert answer.status_code == 201, answer.get_json()


def test_publish_bakes_the_production_store_never_the_development_one(tmp_path, monkeypatch):
    content = small_content(tmp_path / "content")
    # The development store where `make serve` keeps it, seen from where the build runs.
    checkout = tmp_path / "checkout"
    (checkout / "instance").mkdir(parents=True)
    development = f"sqlite:///{checkout / 'instance/comments.db'}"
    production = f"sqlite:///{tmp_path / 'production.db'}"
    dev_site = build_site(tmp_path / "dev", content, COMMENTS_DATABASE_URL=development)
    post_comment(development, dev_site / "comments/threads.json", "Said on the laptop.")
    post_comment(production, dev_site / "comments/threads.json", "Said to the readers.")
    monkeypatch.chdir(checkout)
    monkeypatch.delenv("COMMENTS_DATABASE_URL", raising=False)

    def published_page() -> str:
        out = build_site(tmp_path / "pub", content, settings_file="publishconf.py")
        return soup(out / "rebels-capture-hama.html").find(id="comments").get_text()

    page = published_page()
    assert "Said on the laptop." not in page and "Said to the readers." not in page
    assert "No comments yet" in page
    monkeypatch.setenv("COMMENTS_DATABASE_URL", production)
    page = published_page()
    assert "Said to the readers." in page and "Said on the laptop." not in page


def test_publish_says_which_store_it_reads_without_its_password(tmp_path):
    content = small_content(tmp_path / "content")
    env = clean_env(tmp_path)
    env.pop("COMMENTS_DATABASE_URL")
    result = make("publish", f"CONTENT={content}", f"OUTPUT={tmp_path / 'out'}", env=env)
    assert "no comment store: pages are built without comments" in result.stdout
    assert not (tmp_path / "out/.siteurl").exists()  # a production folder keeps no dev address
    secret = "pg-Secret-42"
    env["COMMENTS_DATABASE_URL"] = f"postgresql+psycopg://courier:{secret}@db.internal:5432/news"
    said = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "publishconf.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert said.strip() == "comment store: postgresql+psycopg://courier@db.internal:5432/news"
    assert secret not in said


# make preview -------------------------------------------------------------------------------


def test_preview_shows_drafts_and_future_articles_marked_and_html_never_does(tmp_path):
    content = small_content(tmp_path / "content")
    folder = tmp_path / "preview"
    server = MakeServer(tmp_path, "preview", "PREVIEW_PORT", f"CONTENT={content}",
                        f"PREVIEW={folder}", f"OUTPUT={tmp_path / 'out'}")  # fmt: skip
    try:
        wait_for(f"{server.url}/", timeout=180)
        draft = f"{server.url}/drafts/draft-harriers-stadium-plan.html"
        assert draft in server.output()  # the author is told where the draft is
        page = BeautifulSoup(fetch(draft), "html.parser")
        assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
        assert page.select_one("aside.preview-banner").get_text() == "Preview: not published"
        home = BeautifulSoup(fetch(f"{server.url}/"), "html.parser")
        assert "First battery cells roll off the line" in home.get_text()
        assert home.select_one("aside.preview-banner")
        for path in folder.rglob("*.html"):
            marked = soup(path)
            assert marked.find("meta", attrs={"name": "robots", "content": "noindex"}), path
            assert marked.select_one("aside.preview-banner"), path
        # The preview's comment service answers, as with make serve.
        health = json.loads(fetch(f"{server.url}/api/health"))
        assert health
    finally:
        os.killpg(server.make.pid, signal.SIGINT)
        server.make.wait(timeout=60)
        left = server.processes()
        server.end()
    assert left == {}
    assert not (tmp_path / "out").exists()

    out = tmp_path / "site"
    make("html", f"CONTENT={content}", f"OUTPUT={out}", env=clean_env(tmp_path))
    assert not (out / "drafts").exists()
    assert not (out / "draft-harriers-stadium-plan.html").exists()
    assert not (out / "scheduled-voltaris-first-cells.html").exists()
    for path in out.rglob("*.html"):
        text = path.read_text()
        assert "Preview: not published" not in text, path
    for name in ("index.html", "rebels-capture-hama.html"):
        assert "noindex" not in (out / name).read_text(), name


def test_preview_refuses_to_build_into_the_output_folder(tmp_path):
    result = subprocess.run(
        ["make", "--no-print-directory", "preview", f"PREVIEW={tmp_path}", f"OUTPUT={tmp_path}"],
        cwd=ROOT,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "must not be the OUTPUT folder" in result.stderr


# make devserver -----------------------------------------------------------------------------


def test_devserver_takes_comments_and_rebuilds_on_change(devserver):
    answer = urllib.request.urlopen(
        urllib.request.Request(
            f"{devserver.url}/api/comments",
            data=json.dumps(
                {
                    "thread": "rebels-capture-hama",
                    "author": "Ann",
                    "email": "a@example.org",
                    "body": "Seen from the dev server.",
                }  # fmt: skip
            ).encode(),
            headers={"Content-Type": "application/json", "Origin": devserver.url},
        ),
        timeout=30,
    )
    assert answer.status == 201
    article = devserver.out / "rebels-capture-hama.html"
    wait_until(lambda: "Seen from the dev server." in article.read_text(), "the comment baked")

    source = devserver.content / "articles/rebels-capture-hama.md"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[0].startswith("Title: ")

    def saved_and_rebuilt() -> bool:
        # Saved again while not yet seen: Pelican watches for changes between its builds.
        source.write_text("Title: Rebels take Hama\n" + "".join(lines[1:]), encoding="utf-8")
        for _ in range(25):
            if "Rebels take Hama" in fetch(f"{devserver.url}/rebels-capture-hama.html"):
                return True
            time.sleep(0.2)
        return False

    wait_until(saved_and_rebuilt, "the page rebuilt after its source changed")
    assert "127.0.0.1:8000" not in fetch(f"{devserver.url}/rebels-capture-hama.html")


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_stopping_the_devserver_ends_every_child(devserver, stop):
    running = devserver.processes()
    assert any("pelican -r" in command for command in running.values())
    assert any("comments_api.web.devserver" in command for command in running.values())
    if stop == "ctrl-c":  # the terminal sends SIGINT to the foreground group
        os.killpg(devserver.make.pid, signal.SIGINT)
    else:  # `kill PID` of make
        devserver.make.send_signal(signal.SIGTERM)
    devserver.make.wait(timeout=60)
    assert devserver.processes() == {}


def test_a_devserver_killed_outright_takes_pelican_with_it(devserver):
    pelican = devserver.child("pelican -r")
    os.kill(devserver.child("comments_api.web.devserver"), signal.SIGKILL)
    devserver.make.wait(timeout=60)
    wait_until(lambda: pelican not in devserver.processes(), "pelican ended", timeout=30)
    assert devserver.processes() == {}


# README: the metadata an author can use -----------------------------------------------------


def metadata_section() -> str:
    start = README.index("### Metadata")
    return README[start : README.index("\n## ", start)]


def test_readme_documents_every_metadata_key():
    section = metadata_section()
    keys = re.findall(r"^\| `([A-Z][A-Za-z_]*):", section, re.M)
    for key in ["Title", "Date", "Modified", "Author", "Authors", "Category", "Tags",
                "Summary", "Slug", "Status", "Lang", "Translation", "Image", "Image_alt",
                "Image_caption", "Featured", "Comments", "Check_also"]:  # fmt: skip
        assert key in keys, key
    for words in ["{static}", "{filename}", "SVG", "JPEG", "PNG", "WebP", "960×540", "16:9",
                  "draft", "published", "hidden"]:  # fmt: skip
        assert words in section, words


def test_readme_metadata_covers_what_the_theme_reads():
    # Attributes Pelican or the plugins compute, not written by authors.
    computed = {"url", "content", "comments", "check_also", "share", "thumbnail", "locale_date",
                "date_in_lang", "modified_in_lang", "summary_html", "author_url"}  # fmt: skip
    read = set()
    for path in (ROOT / "theme/templates").rglob("*.html"):
        read |= set(re.findall(r"\barticle\.([a-z_]+)", path.read_text(encoding="utf-8")))
    keys = {k.lower() for k in re.findall(r"^\| `([A-Z][A-Za-z_]*):", metadata_section(), re.M)}
    assert read - computed - keys == set()

"""Old addresses keep working: the redirects plugin's pages and nginx map, built from
content/extra/redirects.json (nginx itself answers them in tests/test_deploy.py)."""

from __future__ import annotations

import functools
import json
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from plugins.redirects.pages import nginx_map, plan, redirect_page
from tests.conftest import ROOT, build_site
from tests.support import free_port


def test_each_old_path_gets_a_page_and_every_address_a_map_line():
    found = plan(
        {"/2021/03/a-post/": "a-post.html", "/old.php": "pages/about.html", "/?p=3": "/b.html",
         "/2020/x": "x.html"},
        existing=set(),
    )  # fmt: skip
    assert found.pages == {
        "2021/03/a-post/index.html": "/a-post.html",
        "old.php": "/pages/about.html",
        "2020/x/index.html": "/x.html",
    }
    assert found.entries["/?p=3"] == "/b.html" and found.refused == []
    assert nginx_map(found.entries).splitlines()[1:] == [
        '"/2020/x" /x.html;', '"/2021/03/a-post/" /a-post.html;',
        '"/?p=3" /b.html;', '"/old.php" /pages/about.html;',
    ]  # fmt: skip


@pytest.mark.parametrize(
    "old, new",
    [
        ('/a"; return 302 http://evil.example; #', "a.html"),
        ("/a}\nserver {", "a.html"),
        ("/a b/", "a.html"),
        ("/a/", "x.html; }"),
        ("/a/", "../../etc/passwd"),
        ("no-slash", "a.html"),
        ("/a/", 3),
    ],
)
def test_an_address_that_could_change_the_nginx_file_is_left_out(old, new):
    found = plan({old: new}, existing=set())
    assert found.entries == {} and found.pages == {} and len(found.refused) == 1


def test_a_page_of_the_site_is_never_replaced_by_a_redirect():
    found = plan({"/about.html": "pages/about.html"}, existing={"about.html"})
    assert found.pages == {} and "a page of the site is there" in found.refused[0]


def test_the_redirect_page_names_the_new_address_escaped():
    page = redirect_page("https://news.example", '/a.html?x="<b>"', "Site")
    assert 'content="0; url=https://news.example/a.html?x=&quot;&lt;b&gt;&quot;"' in page
    assert '<link rel="canonical" href="https://news.example/a.html?x=&quot;' in page
    assert "<b>" not in page


def test_the_build_writes_the_redirect_pages_and_the_map(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "extra" / "redirects.json").write_text(json.dumps({
        "/2019/05/old-hama/": "rebels-capture-hama.html", "/?p=7": "rebels-capture-hama.html",
    }))  # fmt: skip
    output = build_site(tmp_path / "output", content, SITEURL="https://news.example",
                        COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}")  # fmt: skip
    page = (output / "2019/05/old-hama/index.html").read_text(encoding="utf-8")
    assert 'url=https://news.example/rebels-capture-hama.html"' in page
    lines = (output / "redirects.map").read_text(encoding="utf-8").splitlines()
    assert '"/2019/05/old-hama/" /rebels-capture-hama.html;' in lines
    assert '"/?p=7" /rebels-capture-hama.html;' in lines


def test_without_redirects_the_map_is_written_empty(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "extra" / "redirects.json").unlink()
    output = build_site(tmp_path / "output", content,
                        COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}")  # fmt: skip
    assert (output / "redirects.map").read_text(encoding="utf-8").count("\n") == 1


@pytest.mark.browser
def test_an_old_link_with_an_anchor_reaches_the_same_anchor_on_the_new_page(tmp_path, page):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "extra" / "redirects.json").write_text(
        json.dumps({"/2019/05/old-hama/": "rebels-capture-hama.html"})
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    output = build_site(tmp_path / "output", content, SITEURL=url,
                        COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}")  # fmt: skip
    handler = functools.partial(QuietHandler, directory=str(output))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"{url}/2019/05/old-hama/#respond")
        page.wait_for_url(f"{url}/rebels-capture-hama.html#respond")
        page.goto(f"{url}/2019/05/old-hama/")
        page.wait_for_url(f"{url}/rebels-capture-hama.html")
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

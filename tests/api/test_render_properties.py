"""Properties of the renderer and sanitiser over generated Markdown and HTML."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from hypothesis import given, settings
from hypothesis import strategies as st

from comments_api.core import rendering
from comments_api.core.rendering import render_body, sanitize_html

FRAGMENTS = [
    "<script>", "</script>", "javascript:", "JaVaScRiPt:", "&colon;", "&#x3a;", "&#58;", "&#",
    "[x](", "](", ")", "> ", "- ", "1. ", "* ", "`", "```\n", "<a href=", "onerror=", "<img ",
    "<svg/onload=", "\\", "//", "https:", "http:/", "mailto:", "data:", "vbscript:", "\n",
    "\n\n", "    ", "\t", '"', "'", "<", ">", "<style>", "<iframe ", "style=", "[r]: ", "![x](",
    "\x00", "\u202e", "&amp;",
]  # fmt: skip
FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "img", "svg", "math", "form"}
pytestmark = pytest.mark.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")

pieces = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8))
texts = st.lists(pieces, max_size=40).map("".join)
nested = st.tuples(
    st.sampled_from(["> ", "- ", "1. ", "    ", "*", "["]), st.integers(0, 600), texts
)
bodies = st.one_of(texts, nested.map(lambda t: t[0] * t[1] + t[2]))


def followed(href: str) -> str:
    """Return the href as a browser reads it: no tab or newline, no C0 or space at the ends."""
    return re.sub(r"[\t\n\r]", "", href).strip("".join(map(chr, range(0x21))))


def check_inert(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name not in FORBIDDEN_TAGS, tag
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), tag
            assert name.lower() != "style", tag
            if name.lower() in ("href", "src"):
                url = followed(value)
                match = SCHEME.match(url)
                if match:
                    assert match.group(1).lower() in ("http", "https", "mailto"), tag
                    if match.group(1).lower() != "mailto":
                        assert url[match.end() :].startswith("//"), tag
                        assert "\\" not in url.split("?")[0].split("#")[0], tag
                else:
                    # Relative is fine, as long as it stays on this host.
                    assert not url.replace("\\", "/").startswith("//"), tag


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_rendered_markdown_is_inert_and_never_raises(body):
    check_inert(render_body(body))


@settings(max_examples=200, deadline=None)
@given(texts)
def test_sanitised_html_is_inert(html):
    check_inert(sanitize_html(html))


@settings(max_examples=100, deadline=None)
@given(bodies)
def test_no_body_changes_how_a_later_body_renders(body):
    # Uncached renders, so the thread's shared converter is what is exercised.
    render = rendering._render.__wrapped__
    reference = "*a* [b](https://b.example) `c`\n\n> d\n\n- e\n\n[r]\n\n[r]: https://r.example"
    rendering._local.md = None
    expected = render(reference)
    render(body)
    assert render(reference) == expected

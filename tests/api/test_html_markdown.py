"""The short cut for plain paragraphs gives exactly what the full HTML to Markdown
conversion gives, over generated comments."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdownify import markdownify

from comments_api.core import html_markdown
from comments_api.core.html_markdown import html_to_markdown

# Characters near the short cut's edge: list and heading starts, entities, spaces of every kind.
PIECES = ["  ", "   ", " ", "1. ", "- ", "> ", "#", "*", "_", "&amp;", "&", "\u00a0", "\t",
          "\n", ".", "(", ")", "!", "?", "'", '"', "é", "\u05d0\u05d1", "\u0627", "a",
          "word"]  # fmt: skip
paragraph = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=12)
separators = st.sampled_from(["", "\n", "\n\n", " ", "\n \n"])


def full_conversion(html: str) -> str:
    """The conversion without the short cut."""
    original = html_markdown._plain_paragraphs
    html_markdown._plain_paragraphs = lambda _html: None
    try:
        return html_to_markdown(html)
    finally:
        html_markdown._plain_paragraphs = original


@settings(max_examples=1500, deadline=None)
@given(st.lists(paragraph.map("".join), min_size=1, max_size=4), separators)
def test_plain_paragraphs_convert_as_markdownify_does(paragraphs, separator):
    html = separator.join(f"<p>{text}</p>" for text in paragraphs)
    assert html_to_markdown(html) == full_conversion(html)


def test_the_short_cut_takes_plain_comments_and_nothing_else():
    assert html_markdown._plain_paragraphs("<p>Is the ferry  running?</p>\n\n<p>Yes.</p>") == (
        "Is the ferry running?\n\nYes."
    )
    for html in ("<p>a <em>b</em></p>", "<p>a &amp; b</p>", "<p>2 * 3</p>", "<p>a<br />\nb</p>",
                 "plain text", "<p>a</p><ul><li>b</li></ul>"):  # fmt: skip
        assert html_markdown._plain_paragraphs(html) is None, html
    assert markdownify("<p>a  b</p>").strip() == "a b"

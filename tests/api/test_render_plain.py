"""The short cut for plain paragraphs gives exactly what the Markdown converter gives, over
generated comments near its edge, and takes the plain comments it is for."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from comments_api.core import rendering

# Pieces near the short cut's edge: list, quote, code and break starts, entities, escapes,
# spaces of every kind, digits, letters of other scripts.
PIECES = ["  ", " ", "1. ", "2) ", "- ", "-", "> ", "#", "*", "_", "&amp;", "&", "<b>", "\\",
          "`", "[a](b)", "!", "(", ")", "\u00a0", "\t", "\r", "\n", "\n\n", "\n\n\n", "    ",
          ".", "?", "'", '"', "é", "\u05d0\u05d1", "\u0627", "a", "word", "9", "http://x.y",
          "a@b.c", "~~", "==", "+", "|"]  # fmt: skip
bodies = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=16)


def full_markdown(body: str) -> str:
    """The conversion without the short cut."""
    original = rendering._plain_paragraphs
    rendering._plain_paragraphs = lambda _body: None
    try:
        return rendering._markdown(body)
    finally:
        rendering._plain_paragraphs = original


@settings(max_examples=2000, deadline=None)
@given(bodies.map("".join))
def test_plain_paragraphs_render_as_markdown_does(body):
    plain = rendering._plain_paragraphs(body)
    if plain is not None:
        assert plain == full_markdown(body)


def test_the_short_cut_takes_plain_comments_and_nothing_else():
    body = "Is the ferry running today?\nI hope so.\n\nWell-known route, Café Øst."
    assert rendering._plain_paragraphs(body) == (
        "<p>Is the ferry running today?<br />\nI hope so.</p>\n<p>Well-known route, Café Øst.</p>"
    )
    for body in ("a *b*", "a & b", "1. a", "a  \nb", "    code", "a\n\n\nb", "- a", "> a",
                 "a\n 1", "[a](https://x.example)", "a <b>", "", "a\tb", "9 lives"):  # fmt: skip
        assert rendering._plain_paragraphs(body) is None, body

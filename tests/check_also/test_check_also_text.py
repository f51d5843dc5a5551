"""Plain-text helpers: tokens in several scripts, HTML stripping, teasers."""

from __future__ import annotations

import pytest
from pelican.plugins.check_also.text import FRENCH_STOP_WORDS, strip_html, teaser, tokenize


def test_words_are_case_folded_and_english_stop_words_dropped():
    assert tokenize("The Rebels took THE city; the rebels") == {"rebels": 2, "took": 1, "city": 1}


def test_words_with_combining_marks_stay_whole():
    assert set(tokenize("हिन्दी भाषा")) == {"हिन्दी", "भाषा"}
    assert set(tokenize("Ça déjà")) == {"ça", "déjà"}


def test_unspaced_scripts_become_character_pairs():
    assert set(tokenize("東京都")) == {"東京", "京都"}


def test_foreign_words_in_english_text_are_cut_like_whole_texts():
    sentence = (
        "The mayor of 東京都 met the café owners in Zürich on Monday, and the costs of "
        "the new programme rose by £5m over the year. "
    )
    counts = tokenize(sentence * 3)
    assert counts["東京"] == counts["京都"] == counts["café"] == counts["zürich"] == 3
    assert counts["5m"] == 3 and counts["programme"] == 3
    assert "the" not in counts and "£5m" not in counts and "東京都" not in counts
    # The same words alone (mostly non-Latin text) take the whole-text path: same terms.
    assert tokenize("東京都 café") == {"東京": 1, "京都": 1, "café": 1}


def test_stop_words_can_be_replaced():
    assert tokenize("le chat et le chien", frozenset({"le", "et"})) == {"chat": 1, "chien": 1}


def test_the_shipped_french_list_drops_french_function_words():
    counts = tokenize(
        "Elle a franchi la ligne avec quatre minutes d'avance sur le tenant du titre, "
        "parce qu'elle connaissait les falaises depuis toujours.",
        FRENCH_STOP_WORDS,
    )
    assert set(counts) == {
        "franchi",
        "ligne",
        "quatre",
        "minutes",
        "avance",
        "tenant",
        "titre",
        "connaissait",
        "falaises",
    }
    assert 150 <= len(FRENCH_STOP_WORDS) <= 300


def test_strip_html_keeps_visible_text_only():
    html = "<p>Fish &amp; chips</p><script>var x = 1;</script><!-- note --><b>now</b>"
    assert strip_html(html) == "Fish & chips now"


@pytest.mark.parametrize(
    ("text", "length", "expected"),
    [
        (
            "Insurgents seized the city after three days of fighting.",
            30,
            "Insurgents seized the city…",
        ),
        ("Short summary.", 160, "Short summary…"),
        ("Onewordthatislongerthanthelimit", 10, "Onewordtha…"),
        ("Ends on a comma, here", 16, "Ends on a comma…"),
    ],
)
def test_teaser_cuts_at_a_word_and_ends_with_an_ellipsis(text, length, expected):
    result = teaser(text, length)
    assert result == expected
    assert len(result) <= length + 1

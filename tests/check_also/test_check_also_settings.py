"""CHECK_ALSO_* settings: defaults, and errors that name the setting."""

from __future__ import annotations

import pytest
from pelican.plugins.check_also.settings import CheckAlsoSettingError, read_config
from pelican.plugins.check_also.text import ENGLISH_STOP_WORDS, FRENCH_STOP_WORDS, stop_words_for


def test_defaults():
    config = read_config({})
    assert config.params.related_count == 4
    assert config.teaser_length == 160
    assert config.stop_words == {"en": ENGLISH_STOP_WORDS, "fr": FRENCH_STOP_WORDS}
    assert config.params.share_floor == 3 and config.params.near_equal == 0.1
    assert config.cache is True


def test_values_are_read():
    config = read_config(
        {"CHECK_ALSO_RELATED_COUNT": 2, "CHECK_ALSO_TOPIC_WEIGHT": 0, "CHECK_ALSO_STOP_WORDS": []}
    )
    assert config.params.related_count == 2
    assert config.params.topic_weight == 0
    assert config.stop_words == {"*": frozenset()}


def test_stop_words_by_language_from_lists_and_files(tmp_path):
    words = tmp_path / "de.txt"
    words.write_text("# German\nder\nDie\n\ndas\n", encoding="utf-8")
    config = read_config({"CHECK_ALSO_STOP_WORDS": {"en": ["The", "a"], "de": str(words)}})
    assert config.stop_words == {"en": {"the", "a"}, "de": {"der", "die", "das"}}
    assert stop_words_for(config.stop_words, "de-AT") == {"der", "die", "das"}
    assert stop_words_for(config.stop_words, "fr") == frozenset()
    assert stop_words_for({"*": frozenset({"x"})}, "fr") == {"x"}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CHECK_ALSO_RELATED_COUNT", "four", "must be a number"),
        ("CHECK_ALSO_RELATED_COUNT", 2.5, "must be a whole number"),
        ("CHECK_ALSO_RELATED_COUNT", -1, "must be between 0 and 50"),
        ("CHECK_ALSO_TEASER_LENGTH", 5, "must be between 20 and 2000"),
        ("CHECK_ALSO_TITLE_WEIGHT", float("nan"), "must be between"),
        ("CHECK_ALSO_MAX_SHARE", 0, "must be between"),
        ("CHECK_ALSO_MIN_SIMILARITY", True, "must be a number"),
        ("CHECK_ALSO_STOP_WORDS", "the a an", "must be a {language"),
        ("CHECK_ALSO_STOP_WORDS", 3, "must be a {language"),
        ("CHECK_ALSO_STOP_WORDS", {"fr": 3}, "must be a list of words"),
        ("CHECK_ALSO_STOP_WORDS", {"fr": "/no/such/file.txt"}, "cannot read"),
        ("CHECK_ALSO_STOP_WORDS", {"": ["le"]}, "is not a language code"),
        ("CHECK_ALSO_SHARE_FLOOR", 0, "must be between 1"),
        ("CHECK_ALSO_NEAR_EQUAL", 1.5, "must be between 0 and 1"),
        ("CHECK_ALSO_CACHE", "yes", "must be True or False"),
    ],
)
def test_invalid_values_name_the_setting(name, value, message):
    with pytest.raises(CheckAlsoSettingError) as error:
        read_config({name: value})
    assert str(error.value).startswith(name)
    assert message in str(error.value)

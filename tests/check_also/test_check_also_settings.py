"""CHECK_ALSO_* settings: defaults, and errors that name the setting."""

from __future__ import annotations

import pytest
from pelican.plugins.check_also.settings import CheckAlsoSettingError, read_config
from pelican.plugins.check_also.text import ENGLISH_STOP_WORDS


def test_defaults():
    config = read_config({})
    assert config.params.related_count == 4
    assert config.teaser_length == 160
    assert config.stop_words is ENGLISH_STOP_WORDS
    assert config.cache is True


def test_values_are_read():
    config = read_config(
        {"CHECK_ALSO_RELATED_COUNT": 2, "CHECK_ALSO_TOPIC_WEIGHT": 0, "CHECK_ALSO_STOP_WORDS": []}
    )
    assert config.params.related_count == 2
    assert config.params.topic_weight == 0
    assert config.stop_words == frozenset()


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
        ("CHECK_ALSO_STOP_WORDS", "the a an", "must be a list of words"),
        ("CHECK_ALSO_CACHE", "yes", "must be True or False"),
    ],
)
def test_invalid_values_name_the_setting(name, value, message):
    with pytest.raises(CheckAlsoSettingError) as error:
        read_config({name: value})
    assert str(error.value).startswith(name)
    assert message in str(error.value)

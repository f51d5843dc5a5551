"""CHECK_ALSO_* settings: defaults, and validation that names the offending setting."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .records import Params
from .text import SHIPPED_LANGUAGES, read_words, shipped_stop_words


class CheckAlsoSettingError(ValueError):
    """A CHECK_ALSO_* setting has a value the plugin cannot use."""


@dataclass(frozen=True)
class Config:
    """Everything the plugin reads from the Pelican settings."""

    params: Params
    teaser_length: int
    stop_words: Mapping[str, frozenset[str]]  # language (or "*": any other) -> words
    cache: bool


# name: (default, type, minimum, maximum, Params field or None)
NUMBERS: dict[str, tuple[float, type, float, float, str | None]] = {
    "CHECK_ALSO_RELATED_COUNT": (4, int, 0, 50, "related_count"),
    "CHECK_ALSO_TEASER_LENGTH": (160, int, 20, 2000, None),
    "CHECK_ALSO_TITLE_WEIGHT": (1.0, float, 0.0, 10.0, "title_weight"),
    "CHECK_ALSO_TOPIC_WEIGHT": (0.5, float, 0.0, 10.0, "topic_weight"),
    "CHECK_ALSO_TOPIC_DIMENSIONS": (64, int, 0, 512, "topic_dims"),
    "CHECK_ALSO_TAG_WEIGHT": (0.1, float, 0.0, 10.0, "tag_weight"),
    "CHECK_ALSO_CATEGORY_WEIGHT": (0.05, float, 0.0, 10.0, "category_weight"),
    "CHECK_ALSO_RECENCY_WEIGHT": (0.05, float, 0.0, 10.0, "recency_weight"),
    "CHECK_ALSO_RECENCY_HALF_LIFE": (90.0, float, 0.01, 1e6, "recency_half_life"),
    "CHECK_ALSO_MIN_SIMILARITY": (0.05, float, 0.0, 1.0, "min_similarity"),
    "CHECK_ALSO_MAX_SHARE": (0.01, float, 1e-6, 1.0, "max_share"),
    "CHECK_ALSO_SHARE_FLOOR": (3, int, 1, 10_000, "share_floor"),
    "CHECK_ALSO_NEAR_EQUAL": (0.1, float, 0.0, 1.0, "near_equal"),
}


def _number(settings: Mapping, name: str) -> float:
    default, kind, low, high, _ = NUMBERS[name]
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CheckAlsoSettingError(f"{name} must be a number, not {value!r}")
    if kind is int and not isinstance(value, int):
        raise CheckAlsoSettingError(f"{name} must be a whole number, not {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise CheckAlsoSettingError(f"{name} must be between {low:g} and {high:g}, not {value!r}")
    return value


STOP_WORDS_FORMS = "a {language: list of words or a words file} map, a list of words, or None"


def _words(name: str, value) -> frozenset[str]:
    """Return a list of words, or the words of the file a string names."""
    if isinstance(value, str):
        try:
            return read_words(value)
        except (OSError, UnicodeDecodeError) as error:
            raise CheckAlsoSettingError(f"{name}: cannot read {value!r} ({error})") from None
    if isinstance(value, Mapping) or not all(isinstance(w, str) for w in value):
        raise CheckAlsoSettingError(f"{name} must be {STOP_WORDS_FORMS}")
    return frozenset(w.casefold() for w in value)


def _stop_words(value) -> dict[str, frozenset[str]]:
    """Return the stop words by language: the shipped lists, or those the setting gives."""
    name = "CHECK_ALSO_STOP_WORDS"
    if value is None:
        return {lang: shipped_stop_words(lang) for lang in SHIPPED_LANGUAGES}
    if isinstance(value, str):
        raise CheckAlsoSettingError(f"{name} must be {STOP_WORDS_FORMS}, not a string")
    if not isinstance(value, Mapping):
        try:
            return {"*": _words(name, value)}
        except TypeError:
            raise CheckAlsoSettingError(f"{name} must be {STOP_WORDS_FORMS}") from None
    table = {}
    for lang, words in value.items():
        if not isinstance(lang, str) or not lang.strip():
            raise CheckAlsoSettingError(f"{name}: {lang!r} is not a language code")
        try:
            table[lang.strip().casefold().replace("_", "-")] = _words(f"{name}[{lang!r}]", words)
        except TypeError:
            raise CheckAlsoSettingError(f"{name}[{lang!r}] must be a list of words") from None
    return table


def read_config(settings: Mapping) -> Config:
    """Return the plugin's configuration from Pelican settings.

    Raises:
        CheckAlsoSettingError: a setting is invalid; the message starts with its name.
    """
    values = {name: _number(settings, name) for name in NUMBERS}
    fields = {spec[4]: values[name] for name, spec in NUMBERS.items() if spec[4]}
    stop_words = _stop_words(settings.get("CHECK_ALSO_STOP_WORDS", None))
    cache = settings.get("CHECK_ALSO_CACHE", True)
    if not isinstance(cache, bool):
        raise CheckAlsoSettingError(f"CHECK_ALSO_CACHE must be True or False, not {cache!r}")
    return Config(
        params=Params(**fields),
        teaser_length=values["CHECK_ALSO_TEASER_LENGTH"],
        stop_words=stop_words,
        cache=cache,
    )

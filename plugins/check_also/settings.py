"""CHECK_ALSO_* settings: defaults, and validation that names the offending setting."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .records import Params
from .text import ENGLISH_STOP_WORDS


class CheckAlsoSettingError(ValueError):
    """A CHECK_ALSO_* setting has a value the plugin cannot use."""


@dataclass(frozen=True)
class Config:
    """Everything the plugin reads from the Pelican settings."""

    params: Params
    teaser_length: int
    stop_words: frozenset[str]
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


def read_config(settings: Mapping) -> Config:
    """Return the plugin's configuration from Pelican settings.

    Raises:
        CheckAlsoSettingError: a setting is invalid; the message starts with its name.
    """
    values = {name: _number(settings, name) for name in NUMBERS}
    fields = {spec[4]: values[name] for name, spec in NUMBERS.items() if spec[4]}
    stop = settings.get("CHECK_ALSO_STOP_WORDS", None)
    if stop is None:
        stop_words = ENGLISH_STOP_WORDS
    elif isinstance(stop, str) or not all(isinstance(w, str) for w in stop):
        raise CheckAlsoSettingError("CHECK_ALSO_STOP_WORDS must be a list of words or None")
    else:
        stop_words = frozenset(w.casefold() for w in stop)
    cache = settings.get("CHECK_ALSO_CACHE", True)
    if not isinstance(cache, bool):
        raise CheckAlsoSettingError(f"CHECK_ALSO_CACHE must be True or False, not {cache!r}")
    return Config(
        params=Params(**fields),
        teaser_length=values["CHECK_ALSO_TEASER_LENGTH"],
        stop_words=stop_words,
        cache=cache,
    )

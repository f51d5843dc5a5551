"""The plugin's settings, read and checked once: bad values stop the build with their name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FORMATS = {"png": ("image/png", "png", "PNG"), "jpeg": ("image/jpeg", "jpg", "JPEG")}
DEFAULTS = {
    "SHARE_CARDS_ENABLED": True,
    "SHARE_CARDS_PATH": "images/share",
    "SHARE_CARDS_FORMAT": "png",
    "SHARE_CARDS_LOCALES": {},
    "SITE_LOGO": "images/favicon.svg",
    "SEARCH_URL": None,
}


class ShareSettingsError(ValueError):
    """A share-card setting has a value the plugin cannot use."""


@dataclass(frozen=True)
class ShareSettings:
    """What the plugin needs from Pelican's settings, checked."""

    enabled: bool
    site_name: str
    site_subtitle: str
    site_url: str
    default_lang: str
    content_path: Path
    output_path: Path
    cache_path: Path
    cards_path: str
    image_format: str
    locales: dict[str, str]
    logo_path: Path
    search_url: str | None

    @property
    def mime(self) -> str:
        """Return the MIME type of the cards."""
        return FORMATS[self.image_format][0]

    @property
    def extension(self) -> str:
        """Return the file extension of the cards."""
        return FORMATS[self.image_format][1]


def read_share_settings(settings: dict) -> ShareSettings:
    """Return the checked settings.

    Raises:
        ShareSettingsError: a value is of the wrong kind, naming the setting.
    """
    value = {name: settings.get(name, default) for name, default in DEFAULTS.items()}
    image_format = str(value["SHARE_CARDS_FORMAT"]).lower()
    if image_format not in FORMATS:
        raise ShareSettingsError(
            f"SHARE_CARDS_FORMAT must be one of {sorted(FORMATS)}, not {image_format!r}"
        )
    locales = value["SHARE_CARDS_LOCALES"]
    if not isinstance(locales, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in locales.items()
    ):
        raise ShareSettingsError("SHARE_CARDS_LOCALES must map language codes to locales")
    cards_path = str(value["SHARE_CARDS_PATH"]).strip("/")
    if not cards_path or ".." in cards_path.split("/"):
        raise ShareSettingsError("SHARE_CARDS_PATH must be a folder inside the output")
    logo_path = Path(settings["THEME"]) / "static" / str(value["SITE_LOGO"])
    if value["SHARE_CARDS_ENABLED"] and not logo_path.is_file():
        raise ShareSettingsError(f"SITE_LOGO: no file {logo_path}")
    search_url = value["SEARCH_URL"]
    if search_url is not None and not isinstance(search_url, str):
        raise ShareSettingsError("SEARCH_URL must be a page's path, such as 'search.html'")
    return ShareSettings(
        enabled=bool(value["SHARE_CARDS_ENABLED"]),
        site_name=str(settings.get("SITENAME", "")),
        site_subtitle=str(settings.get("SITESUBTITLE") or ""),
        site_url=str(settings.get("FEED_DOMAIN") or settings.get("SITEURL", "")).rstrip("/"),
        default_lang=str(settings.get("DEFAULT_LANG", "en")),
        content_path=Path(settings["PATH"]),
        output_path=Path(settings["OUTPUT_PATH"]),
        cache_path=Path(
            settings.get("SHARE_CARDS_CACHE_PATH") or Path(settings["CACHE_PATH"]) / "share_cards"
        ),  # fmt: skip
        cards_path=cards_path,
        image_format=image_format,
        locales=dict(locales),
        logo_path=logo_path,
        search_url=search_url.lstrip("/") if search_url else None,
    )

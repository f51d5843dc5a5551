"""Pure data for search engines and social sites: locales and schema.org objects."""

from __future__ import annotations

from dataclasses import dataclass, field

from babel.core import get_global

from .cards import ShareImage


def og_locale(lang: str | None, chosen: dict[str, str], default_lang: str = "en") -> str:
    """Return the Open Graph locale (`fr_FR`) of a language code (`fr`, `pt-BR`).

    `chosen` picks a language's locale (en → en_GB); otherwise a code with its territory
    keeps it, and a bare language gets its most likely territory (CLDR's likely subtags).
    """
    code = (lang or default_lang).replace("-", "_")
    if code in chosen:
        return chosen[code]
    language, _, territory = code.partition("_")
    language = language.lower()
    if territory:
        return f"{language}_{territory.upper()}"
    if language in chosen:
        return chosen[language]
    likely = get_global("likely_subtags").get(language, "")
    parts = likely.split("_")
    region = next((p for p in parts[1:] if len(p) == 2 and p.isupper()), None)
    return f"{language}_{region}" if region else "en_US"


def image_object(image: ShareImage) -> dict:
    """Return a schema.org ImageObject for a published image."""
    return {"@type": "ImageObject", "url": image.url, "width": image.width, "height": image.height}


def organization(name: str, url: str, logo: ShareImage | None) -> dict:
    """Return the site's publisher as a schema.org Organization."""
    data = {"@type": "Organization", "name": name, "url": url}
    if logo:
        data["logo"] = image_object(logo)
    return data


def website(name: str, url: str, lang: str, search_url: str | None) -> dict:
    """Return the site as a schema.org WebSite; with a search page, its SearchAction."""
    data = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": name,
        "url": url,
        "inLanguage": lang,
    }
    if search_url:
        data["potentialAction"] = {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": f"{url}{search_url}?q={{search_term_string}}",
            },
            "query-input": "required name=search_term_string",
        }
    return data


@dataclass(frozen=True)
class SiteShare:
    """What the theme reads as `share_site`: the site's card, logo, locales and data."""

    card: ShareImage | None
    logo: ShareImage | None
    feed_image: ShareImage | None
    name: str
    url: str
    default_lang: str
    search_url: str | None = None
    locales: dict[str, str] = field(default_factory=dict)

    def locale(self, lang: str | None = None) -> str:
        """Return the Open Graph locale of a page in `lang` (the site's language if none)."""
        return og_locale(lang, self.locales, self.default_lang)

    @property
    def publisher(self) -> dict:
        """Return the publisher for an article's NewsArticle data."""
        return organization(self.name, self.url, self.logo)

    @property
    def home_json_ld(self) -> list[dict]:
        """Return the home page's WebSite and Organization data."""
        org = {"@context": "https://schema.org", **organization(self.name, self.url, self.logo)}
        return [website(self.name, self.url, self.default_lang, self.search_url), org]

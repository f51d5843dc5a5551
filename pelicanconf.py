"""Site settings for development builds (`make html`, `make serve`, the tests).

`publishconf.py` extends these for production. Every setting here is documented in README.md.
"""

AUTHOR = "The Alden Courier newsroom"
SITENAME = "The Alden Courier"
SITESUBTITLE = "Independent news from Port Alden and the world"
# Absolute address of the site. Pages use relative links in development (RELATIVE_URLS), but
# feeds, the sitemap and social cards need absolute ones. `make` passes the served address.
SITEURL = "http://127.0.0.1:8000"
RELATIVE_URLS = True

PATH = "content"
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]

TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"
# An article's own page gives its dates in the article's language (plugins/languages): a
# CLDR pattern, filled with that language's month names.
ARTICLE_DATE_PATTERN = "d MMMM y"

THEME = "theme"
PLUGIN_PATHS = ["plugins"]
# An explicit list turns off auto-discovery of installed plugins; they run in this order.
# check_also goes by its installed name: the editable install `make` does is not among the
# namespace plugins Pelican lists, so a plain "check_also" would load plugins/check_also a
# second time, as another module. comments and sitemap are this site's own, in plugins/.
PLUGINS = [
    "pelican.plugins.check_also",
    "comments",
    "share_cards",
    "sitemap",
    "redirects",
    "languages",
    "search",
]

# Drafts and articles dated in the future are never written to the output folder.
WITH_FUTURE_DATES = False
DRAFT_SAVE_AS = ""
DRAFT_URL = ""
DRAFT_LANG_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
DRAFT_PAGE_URL = ""
DRAFT_PAGE_LANG_SAVE_AS = ""

# Feeds are part of every build, not only `make publish`.
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 50
RSS_FEED_SUMMARY_ONLY = True

DEFAULT_PAGINATION = 8
PAGINATED_TEMPLATES = {"index": None, "tag": None, "category": None, "author": None, "archives": 20}
SUMMARY_MAX_LENGTH = 40

DIRECT_TEMPLATES = ["index", "categories", "authors", "tags", "archives", "404", "search"]
ARCHIVES_SAVE_AS = "archives.html"
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.smarty": {},
        "markdown.extensions.toc": {"permalink": False},
    },
    "output_format": "html5",
}

# Search (plugins/search): every build writes a Pagefind index of the articles into this folder
# of the output; the search page (search.html, a direct template) and the masthead's box use it.
SEARCH_ENABLED = True
SEARCH_BUNDLE_PATH = "pagefind"

# Comments (plugins/comments): the build writes the threads the service accepts and bakes the
# published comments into the pages.
COMMENTS_ENABLED = True
COMMENTS_CLOSE_AFTER_DAYS = 0
COMMENTS_API_PATH = "/api"

COMMENTS_MAX_DEPTH = 5
# Top-level comments on an article page (as WordPress); older ones are baked into numbered
# comment pages beside it, linked without JavaScript. 0 keeps every comment on the article.
COMMENTS_PER_PAGE = 50

# Share cards (plugins/share_cards): raster images for social sites, search engines and feeds,
# made at build time and kept in CACHE_PATH by the hash of what made them.
SHARE_CARDS_ENABLED = True
SHARE_CARDS_PATH = "images/share"
SHARE_CARDS_FORMAT = "png"
# Where rendered cards are kept between builds; None: CACHE_PATH/share_cards.
SHARE_CARDS_CACHE_PATH = None
# og:locale of a page's language, where CLDR's most likely territory is not the one meant.
SHARE_CARDS_LOCALES = {"en": "en_GB"}
# The site's mark, in the theme's static folder: the cards, the publisher logo, feed icons.
SITE_LOGO = "images/favicon.svg"
# The site's search page (queried as ?q=), for the home page's SearchAction; None: no search.
SEARCH_URL = "search.html"

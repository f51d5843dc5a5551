"""Production settings: `make publish` builds with these (absolute URLs, feeds, a clean output).

`python publishconf.py` prints the comment store the build bakes comments from.
"""

import os
import runpy
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# Every setting of pelicanconf.py, read from beside this file whatever folder the build starts
# from; the ones below replace some of them.
globals().update(
    {k: v for k, v in runpy.run_path(str(Path(__file__).with_name("pelicanconf.py"))).items()
     if k.isupper()}
)  # fmt: skip

SITEURL = os.environ.get("SITEURL", "https://news.example.org")
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
# Only the generated files go: keep version-control folders of a deployed output, and the
# page-update locks a running service may hold while the build cleans up.
OUTPUT_RETENTION = [".git", ".hg", ".comments.lock", ".comments-worker.lock"]

# The comments baked into the pages come from the production store, COMMENTS_DATABASE_URL of
# the environment, never from the development one (instance/comments.db). Without it, from
# no store: empty, and the pages are built with empty comment sections.
COMMENTS_DATABASE_URL = os.environ.get("COMMENTS_DATABASE_URL", "")


def store_line(url: str) -> str:
    """Return the line saying which comment store a build reads, without its password."""
    if not url:
        return "no comment store: pages are built without comments"
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "comment store: an unreadable URL (the build reads no comments from it)"
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database:
        database = os.path.abspath(database)  # the build opens it from the folder it runs in
    shown = URL.create(
        parsed.drivername,
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=database,
        query=parsed.query,
    )
    return f"comment store: {shown.render_as_string(hide_password=False)}"


if __name__ == "__main__":
    print(store_line(COMMENTS_DATABASE_URL))

"""Production settings: `make publish` builds with these (absolute URLs, feeds, a clean output)."""

import os
import runpy
from pathlib import Path

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

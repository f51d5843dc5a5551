"""Production settings: `make publish` builds with these (absolute URLs, feeds, a clean output)."""

import os
import sys
from pathlib import Path

# Found beside this file, whatever folder the build starts from.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("SITEURL", "https://news.example.org")
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
# Only the generated files go: keep version-control folders of a deployed output.
OUTPUT_RETENTION = [".git", ".hg"]

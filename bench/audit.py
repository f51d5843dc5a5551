"""Lighthouse on the built site: the four category scores and each page's transfer size.

`make audit` builds the site, then runs this. It serves the output folder with the comment
service on 127.0.0.1 (an empty store of its own), as readers get the site, runs the
Lighthouse npm package (bench/node_modules) with Debian's chromium on the home page, an
article page and the search page (with a query), and prints one row per page. Targets:
performance, accessibility, best practices and SEO 100; an article page under 60 KB with its
CSS and JS (images aside).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
LIGHTHOUSE = HERE / "node_modules/.bin/lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu "
    "--host-resolver-rules='MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'"
)


def serve(folder: Path, store: Path):
    """Serve the built site with the comment service, as readers get it; return (server, URL)."""
    sys.path.insert(0, str(HERE.parent))
    from comments_api.web.site import create_site_app

    app = create_site_app(
        folder,
        {
            "COMMENTS_DATABASE_URL": f"sqlite:///{store / 'comments.db'}",
            "COMMENTS_MANIFEST": folder / "comments" / "threads.json",
            "COMMENTS_SECRET_KEY": "audit-secret-key-0123456789",
        },
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def run_lighthouse(url: str, workdir: Path, preset: str | None) -> dict:
    """Run Lighthouse on one URL and return its JSON report."""
    out = workdir / "report.json"
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if preset:
        command.append(f"--preset={preset}")
    chromium = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    env = {**os.environ, "CHROME_PATH": chromium}
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, timeout=300)
    return json.loads(out.read_text(encoding="utf-8"))


def page_weights(report: dict) -> tuple[int, int]:
    """Return (total transfer bytes, transfer bytes without images) of the page's requests."""
    items = report["audits"]["network-requests"]["details"]["items"]
    total = sum(item.get("transferSize", 0) for item in items)
    without_images = sum(
        item.get("transferSize", 0) for item in items if item.get("resourceType") != "Image"
    )
    return total, without_images


def failed_audits(report: dict) -> list[str]:
    """Return the audits that cost points in accessibility, best practices or SEO."""
    failed = []
    for category in CATEGORIES[1:]:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") not in (None, 1):
                failed.append(f"{category}/{ref['id']}: {audit.get('title')}")
    return failed


def main(argv: list[str] | None = None) -> int:
    """Audit the home page and one article page and print their scores."""
    parser = argparse.ArgumentParser(description="Lighthouse scores of the built site.")
    parser.add_argument("--output", default="output", help="the built site folder")
    parser.add_argument("--article", default="rebels-capture-hama.html")
    parser.add_argument("--preset", choices=["desktop"], default=None)
    args = parser.parse_args(argv)
    folder = Path(args.output)
    if not (folder / "index.html").is_file():
        print(f"audit: no built site in {folder}/ (run make html)", file=sys.stderr)
        return 2
    rows, failing = [], []
    with tempfile.TemporaryDirectory() as tmp:
        server, base = serve(folder.resolve(), Path(tmp))
        try:
            pages = [("home", ""), ("article", args.article), ("search", "search.html?q=harbour")]
            for name, path in pages:
                report = run_lighthouse(f"{base}/{path}", Path(tmp), args.preset)
                scores = [round(report["categories"][c]["score"] * 100) for c in CATEGORIES]
                rows.append((name, *scores, *page_weights(report)))
                failing.extend(f"{name}: {item}" for item in failed_audits(report))
        finally:
            server.shutdown()
    print(
        f"{'page':8} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}"
        f" {'total KB':>9} {'no-img KB':>9}"
    )
    for name, *scores, total, no_images in rows:
        print(
            f"{name:8} "
            + " ".join(f"{s:5d}" for s in scores)
            + f" {total / 1024:9.1f} {no_images / 1024:9.1f}"
        )
    for line in failing:
        print("  not passed:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How long until an approved comment is in the static page of a large site.

    python bench/publish/bench.py [--articles 10000] [--runs 5]

Generates a site (bench/generate.py), builds it once with the project's settings, theme and
plugins, serves it with the comment service on 127.0.0.1 (gunicorn, 2 workers), then for each
run: posts a comment through the form endpoint (held for moderation), approves it with the
editors' CLI in a new process, and polls the article page over HTTP until the comment is in
the HTML. Prints the median and worst time from the approve command to the visible comment,
next to the time of a full rebuild. Target: under 3 s at 10,000 articles.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))
from common import pelican_build  # noqa: E402
from generate import generate  # noqa: E402

PY = ROOT / ".venv/bin/python"


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def editor(env: dict, *args: str) -> str:
    """Run the editors' CLI in a new process, as an editor would; return what it printed."""
    command = [str(PY), "-m", "flask", "--app", "comments_api", "comments", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def wait_for(url: str, needle: str, timeout: float = 60.0) -> float:
    """Poll `url` until its body contains `needle`; return when it did (perf_counter)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(url) as answer:
                if needle in answer.read().decode("utf-8"):
                    return time.perf_counter()
        except urllib.error.URLError:
            pass  # the server is still starting
        time.sleep(0.02)
    raise TimeoutError(f"{needle!r} never appeared in {url}")


def post_form(base: str, thread: str, body: str, email: str) -> None:
    """Post a comment as the article form does (no JavaScript)."""
    data = urllib.parse.urlencode(
        {"thread": thread, "author": "Bench Reader", "email": email, "body": body}
    ).encode()
    request = urllib.request.Request(f"{base}/api/comments", data=data, method="POST")
    request.add_header("Origin", base)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request)
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            raise


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the 303 answer instead of following it."""

    def redirect_request(self, *args, **kwargs):
        return None


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="publish-bench-"))
    content = generate(ROOT / "bench/work" / f"site-{args.articles}", args.articles)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    output = work / "output"
    env = {
        **os.environ,
        "COMMENTS_DATABASE_URL": f"sqlite:///{work / 'comments.db'}",
        "COMMENTS_MANIFEST": str(output / "comments" / "threads.json"),
        "COMMENTS_SITE_DIR": str(output),
        "COMMENTS_SITE_URL": base,
        "COMMENTS_SECRET_KEY": "benchmark-secret-key-0123456789",
        "COMMENTS_RATE_LIMIT": "off",
        "COMMENTS_FLOOD_SECONDS": "0",
    }
    build_seconds, _ = pelican_build(content, output, env, "-e", f'SITEURL="{base}"')
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            "comments_api.web.site:create_site_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(f"{base}/api/health", "")
        threads = json.loads((output / "comments/threads.json").read_text())["threads"]
        slugs = sorted(threads)
        times, cli_only = [], []
        for run in range(args.runs):
            slug = slugs[(run * 997) % len(slugs)]
            body = f"Benchmark comment number {run} on {slug}."
            post_form(base, slug, body, f"reader{run}@example.org")
            listed = editor(env, "list", "--status", "pending", "--json")
            comment = next(c for c in json.loads(listed) if c["body"] == body)
            start = time.perf_counter()
            editor(env, "approve", str(comment["id"]))
            cli_only.append(time.perf_counter() - start)
            seen = wait_for(f"{base}/{threads[slug]['url']}", body)
            times.append(seen - start)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    print(f"site: {args.articles} articles; full build {build_seconds:.1f} s")
    print(
        f"approve -> visible in the static page: median {statistics.median(times):.2f} s, "
        f"worst {max(times):.2f} s over {len(times)} runs (target < 3 s)"
    )
    print(
        f"  of which the approve command itself (new process, flask start-up): "
        f"median {statistics.median(cli_only):.2f} s"
    )
    print(f"  ratio to a full rebuild: {statistics.median(times) / build_seconds:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How fast, and in how much memory, a large export imports.

    python bench/imports/bench.py [--comments 50000] [--formats wxr,disqus,json] [--runs 1]

Writes a generated export of each format (a WordPress WXR file, a Disqus XML file; posts of
100 comments each, a third of them replies), then imports it with the editors' CLI in a new
process into an empty SQLite store, and prints the wall time, comments a second and the peak
resident memory of the command and its worker processes together. The JSON row exports the
store the WordPress import made and imports it into another empty store. Targets: at least
2,000 comments a second, peak resident memory (RSS, summed) under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PY = ROOT / ".venv/bin/python"
PER_POST = 100
START = datetime(2018, 1, 1, tzinfo=UTC)
TARGET_RATE, TARGET_MB = 2000, 300
MB = 1_000_000
BODY = (
    "I read the piece twice. The council's figures for {n} do not add up: the budget line "
    "for roads is counted in both years. Could the newsroom check with the treasurer?"
)


def _when(n: int) -> datetime:
    return START + timedelta(minutes=n)


def _parent(n: int) -> int | None:
    # Every third comment of a post replies to the one before it.
    return n - 1 if n % PER_POST and n % 3 == 0 else None


def write_wxr(path: Path, comments: int) -> None:
    """Write a WordPress export of comments // PER_POST posts with PER_POST comments each."""
    wp = "http://wordpress.org/export/1.2/"
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{wp}">\n<channel>\n'
            "<title>Bench Gazette</title><link>https://old.example</link>"
            "<wp:wxr_version>1.2</wp:wxr_version>\n<wp:author><wp:author_login>ed</wp:author_login>"
            "<wp:author_display_name>Ed Itor</wp:author_display_name></wp:author>\n"
        )
        for post in range(comments // PER_POST):
            date = _when(post * PER_POST).strftime("%Y-%m-%d %H:%M:%S")
            out.write(
                f"<item><title>Council budget, part {post}</title>"
                f"<link>https://old.example/{date[:4]}/budget-{post}/</link>"
                "<dc:creator>ed</dc:creator><content:encoded><![CDATA[The council met.\n\n"
                "It voted on the budget.]]></content:encoded>"
                "<excerpt:encoded><![CDATA[]]></excerpt:encoded>"
                f"<wp:post_id>{post + 1}</wp:post_id><wp:post_date>{date}</wp:post_date>"
                f"<wp:post_date_gmt>{date}</wp:post_date_gmt><wp:post_name>budget-{post}"
                "</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
                "<wp:post_password></wp:post_password>"
                '<category domain="category" nicename="local"><![CDATA[Local]]></category>\n'
            )
            for i in range(PER_POST):
                n = post * PER_POST + i
                parent = _parent(n)
                out.write(
                    f"<wp:comment><wp:comment_id>{n + 1}</wp:comment_id>"
                    f"<wp:comment_author>Reader {n % 300}</wp:comment_author>"
                    f"<wp:comment_author_email>reader{n % 300}@example.org"
                    "</wp:comment_author_email><wp:comment_author_url></wp:comment_author_url>"
                    f"<wp:comment_author_IP>192.0.2.{n % 250}</wp:comment_author_IP>"
                    f"<wp:comment_date_gmt>{_when(n):%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
                    f"<wp:comment_content><![CDATA[{BODY.format(n=n)}]]></wp:comment_content>"
                    "<wp:comment_approved>1</wp:comment_approved><wp:comment_type>"
                    "</wp:comment_type>"
                    f"<wp:comment_parent>{parent + 1 if parent is not None else 0}"
                    "</wp:comment_parent></wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel></rss>\n")


def write_disqus(path: Path, comments: int, slugs: list[str]) -> None:
    """Write a Disqus export whose threads are the given article slugs (by identifier)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
            'xmlns:dsq="http://disqus.com/disqus-internals">\n'
        )
        for t, slug in enumerate(slugs):
            out.write(
                f'<thread dsq:id="t{t}"><id>{escape(slug)}</id><link>https://old.example/'
                f"{escape(slug)}/</link><title>{escape(slug)}</title></thread>\n"
            )
        for n in range(comments):
            parent = _parent(n)
            parent_ref = f'<parent dsq:id="p{parent}"/>' if parent is not None else ""
            out.write(
                f'<post dsq:id="p{n}"><id/><message><![CDATA[<p>{BODY.format(n=n)}</p>]]>'
                f"</message><createdAt>{_when(n):%Y-%m-%dT%H:%M:%SZ}</createdAt>"
                "<isDeleted>false</isDeleted><isSpam>false</isSpam><author>"
                f"<email>reader{n % 300}@example.org</email><name>Reader {n % 300}</name>"
                f"</author><ipAddress>192.0.2.{n % 250}</ipAddress>"
                f'<thread dsq:id="t{(n // PER_POST) % len(slugs)}"/>{parent_ref}</post>\n'
            )
        out.write("</disqus>\n")


def _pss(pid: int) -> int:
    # Proportional set size: the process's own pages plus its share of the shared ones.
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_memory(pid: int) -> tuple[int, int]:
    """Return the resident bytes (RSS) and proportional bytes (PSS) of a process and all its
    descendants (its import workers), summed."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total_rss, total_pss, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        total_rss += rss.get(current, 0)
        total_pss += _pss(current)
        todo.extend(children.get(current, []))
    return total_rss, total_pss


def run(
    args: list[str], env: dict[str, str], expect: int | None = None
) -> tuple[float, float, float, str]:
    """Run one CLI command; return (seconds, peak RSS and peak PSS in MB of the command and
    its workers together, sampled five times a second, output). RSS counts the pages the processes
    share (the interpreter, libraries) once for each; PSS shares them out. With `expect`,
    the report must say that many comments were imported."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(PY), "-m", "flask", "--app", "comments_api", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        # Not child.poll(): that could reap the child before wait4 reads its usage.
        while not done.wait(0.2):
            rss, pss = _tree_memory(child.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{output[-2000:]}")
    if expect is not None and f"Imported {expect} comments." not in output:
        raise SystemExit(f"{' '.join(args)} did not import {expect} comments:\n{output[:2000]}")
    return seconds, max(peak[0], usage.ru_maxrss * 1024) / MB, peak[1] / MB, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--formats", default="wxr,disqus,json")
    parser.add_argument("--runs", type=int, default=1,
                        help="import each file this many times into a new store; the median "
                        "time and the highest memory are shown")  # fmt: skip
    options = parser.parse_args()
    formats = options.formats.split(",")
    count = options.comments - options.comments % PER_POST
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        tmp = Path(tmp)

        def env_for(name: str) -> dict[str, str]:
            return {**os.environ, "COMMENTS_DATABASE_URL": f"sqlite:///{tmp / name}.db",
                    "COMMENTS_SITE_DIR": str(tmp / "output"), "COMMENTS_PAGE_WORKER": "off",
                    "COMMENTS_ON_PUBLISH": "off",
                    "COMMENTS_SECRET_KEY": "bench-imports-secret-0123456789"}  # fmt: skip

        def measured(args: list[str], name: str) -> tuple[float, float, float]:
            results = []
            for _ in range(options.runs):
                (tmp / f"{name}.db").unlink(missing_ok=True)
                shutil.rmtree(tmp / "content", ignore_errors=True)
                results.append(run(args, env_for(name), count)[:3])
            return (statistics.median(r[0] for r in results), max(r[1] for r in results),
                    max(r[2] for r in results))  # fmt: skip

        slugs = [f"budget-{p}" for p in range(count // PER_POST)]
        # The build's list of articles, as after a first `make html` of the imported posts.
        manifest = tmp / "output" / "comments" / "threads.json"
        manifest.parent.mkdir(parents=True)
        manifest.write_text(json.dumps({"version": 1, "site_url": "http://127.0.0.1:8000",
                                        "threads": {s: {"url": f"{s}.html", "title": s}
                                                    for s in slugs}}))  # fmt: skip
        if "wxr" in formats:
            source = tmp / "export.wxr"
            write_wxr(source, count)
            size = source.stat().st_size / MB
            seconds, mb, pss = measured(["comments", "import-wxr", str(source), "--content",
                                         str(tmp / "content")], "wxr")  # fmt: skip
            rows.append(("WordPress WXR", size, seconds, mb, pss))
        if "disqus" in formats:
            source = tmp / "export.xml"
            write_disqus(source, count, slugs)
            size = source.stat().st_size / MB
            seconds, mb, pss = measured(["comments", "import-disqus", str(source)], "disqus")
            rows.append(("Disqus XML", size, seconds, mb, pss))
        if "json" in formats:
            first = "wxr" if "wxr" in formats else "disqus"
            exported = tmp / "export.json"
            run(["comments", "export", str(exported)], env_for(first))
            size = exported.stat().st_size / MB
            seconds, mb, pss = measured(["comments", "import", str(exported)], "json")
            rows.append(("our JSON", size, seconds, mb, pss))
    print(f"\nImporting {count:,} comments ({count // PER_POST} posts) into an empty SQLite store, "
          f"one CLI process each; median of {options.runs} run(s), highest memory\n")  # fmt: skip
    print("| export | file | time | comments/s | peak RSS | peak PSS | targets |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, size, seconds, mb, pss in rows:
        rate = count / seconds
        met = "met" if rate >= TARGET_RATE and mb < TARGET_MB else "NOT met"
        print(f"| {name} | {size:.1f} MB | {seconds:.1f} s | {rate:,.0f} | {mb:.0f} MB | "
              f"{pss:.0f} MB | ≥ {TARGET_RATE:,}/s, RSS < {TARGET_MB} MB: {met} |")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())

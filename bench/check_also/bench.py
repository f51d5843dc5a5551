"""Benchmark the check_also plugin against plain TF-IDF and two peer plugins.

Usage: .venv/bin/python bench/check_also/bench.py [--quick] [--skip-peers]

Prints a table and writes bench/results/check_also.json. Content and builds go under
bench/work/check_also/ (git-ignored); the BBC corpus is read in place, never copied here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import peers  # noqa: E402
from corpus import dedup_bodies, load_bbc, synthetic, write_content  # noqa: E402
from quality import read_picks, score, tfidf_baseline  # noqa: E402

WORK = ROOT / "bench" / "work" / "check_also"
RESULTS = ROOT / "bench" / "results" / "check_also.json"
OURS = ROOT / ".venv" / "bin" / "python"
PEER_TIMEOUT = 120


def log(message: str) -> None:
    """Print progress to stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# Plugins whose work is the same with any ranker and would swamp the builds compared here
# (share cards drawn and a search index written for thousands of corpus articles).
NOT_COMPARED = ("share_cards", "search")


def project_plugins() -> list[str]:
    """Return PLUGINS of the project's pelicanconf.py, without those NOT_COMPARED."""
    namespace: dict = {}
    exec((ROOT / "pelicanconf.py").read_text(encoding="utf-8"), namespace)
    return [name for name in namespace["PLUGINS"] if name not in NOT_COMPARED]


def build(python: Path, site: Path, plugins: list[str], **extra) -> dict:
    """Build site/content into site/output in a fresh process; return its cpu/wall/memory."""
    overrides = {
        "PATH": str(site / "content"),
        "OUTPUT_PATH": str(site / "output"),
        "CACHE_PATH": str(site / "cache"),
        "STATIC_PATHS": [],
        "EXTRA_PATH_METADATA": {},
        "PLUGINS": plugins,
        "COMMENTS_DATABASE_URL": f"sqlite:///{site / 'comments.db'}",
        "DELETE_OUTPUT_DIRECTORY": False,
        **extra,
    }
    done = subprocess.run(
        [str(python), str(HERE / "build_site.py"), json.dumps(overrides)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def variants(plugins: list[str], which: list[str]) -> dict[str, tuple[Path, list[str], dict]]:
    """Return name -> (interpreter, PLUGINS, extra settings) of each compared build."""
    base = without_ranker(plugins)
    out = {}
    if "check_also" in which:
        out["check_also"] = (OURS, plugins, {})
    override = {"THEME_TEMPLATES_OVERRIDES": [str(peers.theme_override(WORK / "peer-theme"))]}
    for name in peers.PEERS:
        if name in which:
            out[name] = (peers.python(), [*base, f"pelican.plugins.{name}"], override)
    return out


def without_ranker(plugin_list: list[str]) -> list[str]:
    """Return PLUGINS of a variant without the plugin that ranks (ours or a peer)."""
    return [p for p in plugin_list if p != "check_also" and "pelican.plugins" not in p]


def quality(plugins: list[str], which: list[str]) -> dict:
    """Build the BBC corpus (all and de-duplicated) and score every plugin's picks."""
    rows_all = load_bbc()
    out: dict = {}
    for corpus_name, rows in (("all", rows_all), ("dedup_body", dedup_bodies(rows_all))):
        labels = {r["id"]: r["label"] for r in rows}
        slugs = [r["id"] for r in rows]
        result = {"articles": len(rows), "tfidf_baseline": score(tfidf_baseline(rows), labels)}
        for name, (python, plugin_list, extra) in variants(plugins, which).items():
            site = WORK / f"bbc-{corpus_name}-{name}"
            if not (site / "content").exists():
                write_content(rows, site / "content")
            log(f"quality: building {len(rows)} BBC articles ({corpus_name}) with {name}")
            timing = build(python, site, plugin_list, **extra)
            result[name] = {**score(read_picks(site / "output", slugs), labels), "build": timing}
        out[corpus_name] = result
    return out


def ranking(sizes: list[int], which: list[str]) -> dict:
    """Time the ranking alone at each size, in fresh processes (medians of repeats)."""
    out: dict = {name: {} for name in which}
    for n in sizes:
        repeats = 3 if n <= 10_000 else 1
        if "check_also" in which:
            log(f"ranking: check_also on {n} articles ({repeats} runs)")
            done = subprocess.run(
                [str(OURS), str(HERE / "rank_time.py"), str(n), str(repeats)],
                check=True,
                capture_output=True,
                text=True,
            )
            out["check_also"][str(n)] = json.loads(done.stdout)
        for name in (name for name in peers.PEERS if name in which):
            if name == "similar_posts" and n * n * 4 > 6 << 30:
                # Its similarity matrix is dense: n x n float32 would not fit this machine.
                need = f"needs {n * n * 4 / 2**30:.0f} GiB for an n x n matrix"
                out[name][str(n)] = {"skipped": need}
                continue
            log(f"ranking: {name} on {n} articles")
            try:
                done = subprocess.run(
                    [str(peers.python()), str(HERE / "peer_rank.py"), name, str(n)],
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=PEER_TIMEOUT,
                )
            except subprocess.TimeoutExpired:
                out[name][str(n)] = {"skipped": f"did not finish within {PEER_TIMEOUT} s"}
                continue
            out[name][str(n)] = json.loads(done.stdout)
    return out


def overhead(n: int, plugins: list[str], which: list[str], repeats: int) -> dict:
    """Return whole-build CPU time with and without each plugin on n synthetic articles."""
    rows = synthetic(n)
    out: dict = {"articles": n}
    for name, (python, plugin_list, extra) in variants(plugins, which).items():
        base_site, site = WORK / f"build-{n}-{name}-without", WORK / f"build-{n}-{name}-with"
        for folder in (base_site, site):
            if not (folder / "content").exists():
                write_content(rows, folder / "content", tags=True)
        base_plugins = without_ranker(plugin_list)
        without, with_ = [], []
        # Runs alternate, and medians are reported: other work on the machine moves CPU
        # times by several per cent from one build to the next.
        runs = repeats if name == "check_also" else max(1, repeats - 1)
        for attempt in range(runs):
            log(f"overhead: {n} articles, {name}, run {attempt + 1}/{runs}")
            without.append(build(python, base_site, base_plugins, **extra))
            with_.append(build(python, site, plugin_list, **extra))
        cpu_without = statistics.median(r["cpu"] for r in without)
        cpu_with = statistics.median(r["cpu"] for r in with_)
        out[name] = {
            "cpu_without_s": cpu_without,
            "cpu_with_s": cpu_with,
            "overhead": cpu_with / cpu_without - 1,
            "runs": {"without": [r["cpu"] for r in without], "with": [r["cpu"] for r in with_]},
            "phases": {"without": median_phases(without), "with": median_phases(with_)},
        }
    return out


def median_phases(runs: list[dict]) -> dict[str, float]:
    """Return the median CPU seconds of each build phase over runs."""
    names = runs[0].get("phases", {})
    return {k: statistics.median(r["phases"][k] for r in runs) for k in names}


def incremental(n: int, plugins: list[str], which: list[str], repeats: int) -> dict:
    """Return cached build CPU times on n articles: no change, one article added, and the
    no-change build without the plugin (the overhead a cached rebuild pays)."""
    rows = synthetic(n + 1)
    extra_row = rows.pop()
    cached = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True}
    out: dict = {"articles": n}
    for name, (python, plugin_list, extra) in variants(plugins, which).items():
        site, base_site = WORK / f"cached-{n}-{name}", WORK / f"cached-{n}-{name}-without"
        base_plugins = without_ranker(plugin_list)
        for folder in (site, base_site):
            if folder.exists():
                subprocess.run(["rm", "-rf", str(folder)], check=True)
            write_content(rows, folder / "content", tags=True)
        log(f"incremental: {n} articles, {name}: first builds fill the caches")
        first = build(python, site, plugin_list, **cached, **extra)
        build(python, base_site, base_plugins, **cached, **extra)
        same, without = [], []
        for attempt in range(repeats):
            log(f"incremental: {n} articles, {name}: no change, run {attempt + 1}/{repeats}")
            without.append(build(python, base_site, base_plugins, **cached, **extra)["cpu"])
            same.append(build(python, site, plugin_list, **cached, **extra)["cpu"])
        write_content([extra_row], site / "content", tags=True)
        log(f"incremental: {n} articles, {name}: one article added")
        added = build(python, site, plugin_list, **cached, **extra)
        unchanged = statistics.median(same)
        out[name] = {
            "first_cpu_s": first["cpu"],
            "unchanged_cpu_s": unchanged,
            "one_added_cpu_s": added["cpu"],
            "ratio": added["cpu"] / unchanged,
            "unchanged_without_cpu_s": statistics.median(without),
            "cached_overhead": unchanged / statistics.median(without) - 1,
            "runs": {"without": without, "with": same},
        }
    return out


def table(results: dict) -> str:
    """Return the results as a plain-text table."""
    lines = []
    for corpus_name, result in results.get("quality", {}).items():
        head = f"BBC {corpus_name} ({result['articles']} articles)"
        lines.append(head + ": P@1  P@5  coverage  max pages/pick")
        for name, r in result.items():
            if isinstance(r, dict):
                lines.append(
                    f"  {name:16s} {r['p_at_1']:.4f} {r['p_at_5']:.4f} {r['coverage']:.3f}"
                    f"  {r['max_same_pick']} ({r['max_concentration']:.2%})"
                )
    lines.append("Ranking alone: wall s / cpu s / peak MiB")
    for name, sizes in results.get("ranking", {}).items():
        for n, r in sizes.items():
            n = int(n)
            if "skipped" in r:
                lines.append(f"  {name:16s} {n:>7}  skipped: {r['skipped']}")
            else:
                lines.append(
                    f"  {name:16s} {n:>7}  {r['rank_wall_s']:.2f} / {r['rank_cpu_s']:.2f}"
                    f" / {r['peak_mb']:.0f}"
                )
    o = results.get("overhead", {"articles": "-"})
    lines.append(f"Whole build, {o['articles']} articles: cpu without / with / overhead")
    for name, r in o.items():
        if isinstance(r, dict):
            cpu = f"{r['cpu_without_s']:.1f} / {r['cpu_with_s']:.1f}"
            lines.append(f"  {name:16s} {cpu} / {r['overhead']:+.1%}")
            if r.get("phases"):
                lines.append(f"  {'':16s} by phase, median cpu s without -> with:")
                for phase, base in r["phases"]["without"].items():
                    after = r["phases"]["with"].get(phase, 0.0)
                    lines.append(f"  {'':18s} {phase:22s} {base:6.2f} -> {after:6.2f}")
    i = results.get("incremental", {"articles": "-"})
    lines.append(
        f"Cached builds, {i['articles']} articles: no change / one added / ratio"
        " / no change without the plugin / overhead"
    )
    for name, r in i.items():
        if isinstance(r, dict):
            cpu = f"{r['unchanged_cpu_s']:.1f} / {r['one_added_cpu_s']:.1f} / {r['ratio']:.2f}x"
            if "cached_overhead" in r:
                cpu += f" / {r['unchanged_without_cpu_s']:.1f} / {r['cached_overhead']:+.1%}"
            lines.append(f"  {name:16s} {cpu}")
    return "\n".join(lines)


def merge(old, new):
    """Return new with the entries of old that new does not have, at every level."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return new
    return {**old, **{key: merge(old.get(key), value) for key, value in new.items()}}


def save(results: dict) -> None:
    """Write the results gathered so far."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


def main() -> None:
    """Run every measurement and report it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument("--skip-peers", action="store_true", help="measure check_also only")
    parser.add_argument(
        "--plugins",
        nargs="+",
        choices=["check_also", *peers.PEERS],
        help="measure these plugins only and keep the other results of the last run",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["quality", "ranking", "overhead", "incremental"],
        help="run these parts only and keep the other results of the last run",
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="alternating builds with and without, per plugin"
    )
    args = parser.parse_args()
    which = args.plugins or (["check_also"] if args.skip_peers else ["check_also", *peers.PEERS])
    WORK.mkdir(parents=True, exist_ok=True)
    if any(name in peers.PEERS for name in which):
        peers.ensure_venv(log)
    plugins = project_plugins()
    sizes = [2225, 10_000] if args.quick else [2225, 10_000, 50_000, 100_000]
    build_size = 2_000 if args.quick else 10_000
    results: dict = {}
    if (args.only or args.plugins or args.skip_peers) and RESULTS.exists():
        # A partial run keeps what it does not measure again (the peers, other parts).
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
    results["quick"] = args.quick
    steps = {
        "quality": lambda: quality(plugins, which),
        "ranking": lambda: ranking(sizes, which),
        "overhead": lambda: overhead(build_size, plugins, which, 1 if args.quick else args.repeats),
        "incremental": lambda: incremental(
            build_size, plugins, which, 1 if args.quick else max(1, args.repeats - 2)
        ),
    }
    for name, step in steps.items():
        if args.only and name not in args.only:
            continue
        results[name] = merge(results.get(name), step())
        save(results)  # partial results survive an interrupted run
    print(table(results))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

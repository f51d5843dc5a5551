"""`pip install` of the checkout into a fresh virtualenv, then use from outside the repository.

Offline and fast: the fresh environment gets the project's installed dependencies through a
.pth file naming this environment's site-packages, and the checkout (copied first, so the build
writes nothing into the repository) is installed with `--no-deps --no-build-isolation
--no-index`, with the setuptools of this environment. Pelican itself is copied into the fresh
site-packages: it looks for namespace plugins inside its own package folder, so the plugin must
land next to it, as it does when both are installed with pip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pelican
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Never copied: environments, build output and caches, at any depth.
SKIP_NAMES = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}
# Never copied: what the repository's own builds and tests leave at its top.
SKIP_TOP = {"output", "cache", "instance", "build", "dist", "test-artifacts"}
SKIP_BENCH = {"work", "results"}

SUBCOMMANDS = ("list", "approve", "spam", "unapprove", "delete")

# slug: (title, body, date); two stories on each of two topics, all in one category.
ARTICLES = {
    "flood-a": (
        "Levee breaks in the Tervana delta",
        "River flood water rose over the levee in the Tervana delta overnight. The levee gave "
        "way near the old mill and the flood reached three villages of the delta.",
        "2025-01-01",
    ),
    "flood-b": (
        "Delta villages evacuated as the flood crest moves",
        "Rescue boats reached the flooded delta villages at dawn. The flood crest moved "
        "downstream past the broken levee; more rain and river flood water are expected.",
        "2025-01-02",
    ),
    "budget-a": (
        "Council budget cuts bus routes",
        "The council budget cuts three bus routes to close a budget gap. Councillors argued "
        "for hours before the budget vote; riders said the bus cuts hurt night workers.",
        "2025-01-03",
    ),
    "budget-b": (
        "Parking fees rise in the council budget",
        "Parking fees rise by a fifth in the council budget passed on Tuesday. The council "
        "said the fees and the bus route cuts close the budget gap for the year.",
        "2025-01-04",
    ),
}
PAIRS = {"flood-a": "flood-b", "flood-b": "flood-a", "budget-a": "budget-b", "budget-b": "budget-a"}

# Only article.html is the site's own; everything else comes from Pelican's default theme.
ARTICLE_TEMPLATE = """\
<!doctype html>
<title>{{ article.title }}</title>
<p id="enabled">{{ "check_also" is plugin_enabled }}</p>
{% if article.check_also %}
<a id="pick" href="{{ article.check_also.link.url }}">{{ article.check_also.link.title }}</a>
<p id="reason">{{ article.check_also.reason }}</p>
<p id="module">{{ article.check_also.__class__.__module__ }}</p>
{% endif %}
"""
SITE_SETTINGS = """\
AUTHOR = "Tester"
SITENAME = "Elsewhere"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
THEME_TEMPLATES_OVERRIDES = ["templates"]
PLUGINS = ["check_also"]
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
"""
# Run by the fresh interpreter: where everything it imports comes from.
INSPECT = """\
import importlib.metadata as md
import json
import os
import sys

import comments_api
import pelican
import pelican.plugins.check_also as plugin

dist = md.distribution("alden-newsroom")
print(json.dumps({
    "comments_api": comments_api.__file__,
    "plugin": plugin.__file__,
    "pelican": pelican.__file__,
    "dist": str(dist.locate_file("")),
    "files": [str(f) for f in dist.files],
    "flask_commands": {
        e.name: e.value for e in md.entry_points(group="flask.commands") if e.dist.name == dist.name
    },
    "scripts": {e.name: e.value for e in dist.entry_points if e.group == "console_scripts"},
    "sys_path": [os.path.abspath(p) for p in sys.path],
}))
"""


def ignore(folder: str, names: list[str]) -> set[str]:
    """Return what shutil.copytree leaves out of a folder of the checkout."""
    here = Path(folder).resolve()
    skipped = {n for n in names if n in SKIP_NAMES or n.endswith(".egg-info")}
    skipped |= {n for n in names if n.startswith(".venv-") or re.search(r"\.db(-wal|-shm)?$", n)}
    if here == ROOT:
        skipped |= SKIP_TOP & set(names)
    if here == ROOT / "bench":
        skipped |= SKIP_BENCH & set(names)
    return skipped


def run(args: list, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command; fail the test with its output when it exits non-zero."""
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> dict:
    """Return paths of a fresh virtualenv, outside the repository, with the checkout installed."""
    base = tmp_path_factory.mktemp("install")
    assert not base.resolve().is_relative_to(ROOT)
    source = base / "checkout"
    shutil.copytree(ROOT, source, ignore=ignore)

    venv = base / "venv"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "FLASK_", "COMMENTS_")) and k != "VIRTUAL_ENV"
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', os.defpath)}"
    # No pip of its own: that would bring Python's bundled, older setuptools, which would then
    # shadow this environment's (the one requirements.txt pins) during the build.
    run([sys.executable, "-m", "venv", "--without-pip", venv], base, env)
    python = venv / "bin" / "python"
    site = Path(
        run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], base, env
        ).stdout.strip()
    )
    ours = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "project-deps.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    shutil.copytree(
        Path(pelican.__file__).parent,
        site / "pelican",
        ignore=shutil.ignore_patterns("__pycache__", "tests", "check_also"),
    )
    for info in Path(pelican.__file__).parent.parent.glob("pelican-*.dist-info"):
        shutil.copytree(info, site / info.name)

    done = run(
        [python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--no-cache-dir", "--disable-pip-version-check", source],
        base, env,
    )  # fmt: skip
    assert "Successfully installed alden-newsroom-0.1.0" in done.stdout
    # Nothing can come from the copy any more, only from what pip installed.
    shutil.rmtree(source)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return {
        "venv": venv,
        "python": python,
        "site": site,
        "deps": [Path(p) for p in ours],
        "env": env,
        "cwd": elsewhere,
    }


def test_pip_install_puts_both_packages_in_the_fresh_environment(fresh):
    done = run([fresh["python"], "-c", INSPECT], fresh["cwd"], fresh["env"])
    found = json.loads(done.stdout)
    site = fresh["site"].resolve()
    for name in ("comments_api", "plugin", "pelican", "dist"):
        assert Path(found[name]).resolve().is_relative_to(site), name
    # Of the repository, only the project environment's site-packages (the .pth file) is seen.
    inside = {
        Path(p).resolve() for p in found["sys_path"] if Path(p).resolve().is_relative_to(ROOT)
    }
    assert inside <= {p.resolve() for p in fresh["deps"]}
    files = set(found["files"])
    subpackages = {
        p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "comments_api").rglob("__init__.py")
    }
    assert {"comments_api/core", "comments_api/store", "comments_api/web"} <= subpackages
    assert {f"{p}/__init__.py" for p in subpackages} <= files
    templates = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "comments_api" / "templates").rglob("*.html")
    }
    assert templates and templates <= files
    plugin = {
        f"pelican/plugins/check_also/{p.name}" for p in (ROOT / "plugins/check_also").glob("*.py")
    }
    assert plugin <= files
    # A namespace plugin: pelican/ and pelican/plugins/ stay Pelican's; the site's own plugins
    # are not installed.
    assert not files & {"pelican/__init__.py", "pelican/plugins/__init__.py"}
    assert not [f for f in files if f.startswith(("plugins/", "comments/", "sitemap/"))]
    assert found["flask_commands"] == {"comments": "comments_api.cli:comments_cli"}
    assert found["scripts"] == {"comments-api": "comments_api.cli:main"}


def write_site(folder: Path) -> Path:
    """Write a small Pelican site with two topics and the installed plugin only."""
    (folder / "content").mkdir(parents=True)
    (folder / "templates").mkdir()
    (folder / "pelicanconf.py").write_text(SITE_SETTINGS, encoding="utf-8")
    (folder / "templates" / "article.html").write_text(ARTICLE_TEMPLATE, encoding="utf-8")
    for slug, (title, body, date) in ARTICLES.items():
        head = f"Title: {title}\nDate: {date} 10:00\nCategory: News\nSlug: {slug}\n\n"
        (folder / "content" / f"{slug}.md").write_text(f"{head}{body}\n", encoding="utf-8")
    return folder


def test_another_site_builds_with_the_installed_plugin(fresh, tmp_path):
    site = write_site(tmp_path / "site")
    build = textwrap.dedent(
        """
        import sys
        import pelican
        pelican.main(["content", "-s", "pelicanconf.py", "-o", "output", "--fatal", "errors"])
        print(sys.modules["pelican.plugins.check_also"].__file__)
        print("check_also" in sys.modules)
        """
    )
    done = run([fresh["python"], "-c", build], site, fresh["env"])
    plugin_file, plain_name = done.stdout.strip().splitlines()[-2:]
    assert Path(plugin_file).resolve().is_relative_to(fresh["site"].resolve())
    assert plain_name == "False"
    for slug, other in PAIRS.items():
        page = (site / "output" / f"{slug}.html").read_text(encoding="utf-8")
        assert '<p id="enabled">True</p>' in page
        pick = re.search(r'<a id="pick" href="([^"]+)">([^<]+)</a>', page)
        assert pick, f"no Check Also pick on {slug}.html"
        assert pick.groups() == (f"{other}.html", ARTICLES[other][0])
        assert '<p id="reason">similar</p>' in page
        assert '<p id="module">pelican.plugins.check_also</p>' in page


def test_flask_lists_the_comments_commands(fresh):
    # `flask` itself lives in the project's environment; `python -m flask` is the same command
    # run by the fresh interpreter.
    done = run(
        [fresh["python"], "-m", "flask", "--app", "comments_api", "comments", "--help"],
        fresh["cwd"],
        fresh["env"],
    )
    listed = dict(re.findall(r"^  (\w+) +(\S.*)$", done.stdout.split("Commands:")[1], re.M))
    assert set(SUBCOMMANDS) <= set(listed)
    assert all(listed[name].strip() for name in SUBCOMMANDS)


def test_console_script_runs(fresh):
    script = fresh["venv"] / "bin" / "comments-api"
    assert script.read_text(encoding="utf-8").startswith(f"#!{fresh['python']}")
    done = run([script, "--help"], fresh["cwd"], fresh["env"])
    assert "Usage: comments-api" in done.stdout
    assert re.search(r"^  comments +List and moderate comments\.", done.stdout, re.M)
    assert "Traceback" not in done.stderr

"""Every setting is documented once, in the README's tables."""

from __future__ import annotations

import ast
import re

from pelican.plugins.check_also.settings import NUMBERS

from comments_api.settings import SETTINGS, readme_rows
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
TABLE_NAMES = re.findall(
    r"`([A-Z][A-Z0-9_]+)`",
    "\n".join(line.split("|")[1] for line in README.splitlines() if line.startswith("| `")),
)


def assigned_names(path) -> set[str]:
    """Return the upper-case names a settings file assigns."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.isupper()
    }


def test_every_site_setting_is_in_the_readme():
    names = assigned_names(ROOT / "pelicanconf.py") | assigned_names(ROOT / "publishconf.py")
    assert names - set(TABLE_NAMES) == set()


def test_every_comment_service_setting_is_in_the_readme():
    assert {s.name for s in SETTINGS} - set(TABLE_NAMES) == set()


def test_readme_service_rows_are_the_settings_table():
    lines = README.splitlines()
    rows = [line for line in lines if line.startswith("| `COMMENTS_") and "settings.py" not in line]
    service = [row for row in rows if row.split("`")[1] in {s.name for s in SETTINGS}]
    assert service == readme_rows()


def test_every_check_also_setting_is_in_the_readme():
    names = set(NUMBERS) | {"CHECK_ALSO_STOP_WORDS", "CHECK_ALSO_CACHE"}
    assert names - set(TABLE_NAMES) == set()


def test_each_setting_is_documented_once():
    repeated = {name for name in TABLE_NAMES if TABLE_NAMES.count(name) > 1}
    assert repeated == set()


def test_readme_shows_the_two_commands():
    assert "make serve" in README and "make test" in README

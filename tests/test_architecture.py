"""The structure the code promises: one direction of imports, layers, no path tricks."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from comments_api.bake.discussion import make_discussion
from comments_api.bake.section import render_section
from comments_api.bake.threads import ThreadState
from tests.conftest import ROOT

PACKAGE = ROOT / "comments_api"
# What each layer may import from the package (besides itself); see docs/architecture.md.
ALLOWED = {
    "core": {"fields", "core"},
    "store": {"fields", "core", "store"},
}


def imported_modules(path: Path) -> set[str]:
    """Return the absolute names of the modules a file imports, relative imports resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.add(".".join([*base, node.module] if node.module else base))
            else:
                names.add(node.module or "")
    return names


def python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def test_the_service_never_imports_the_build_or_the_tests():
    for path in python_files("comments_api"):
        bad = {
            m for m in imported_modules(path) if m.split(".")[0] in ("plugins", "pelican", "tests")
        }
        assert bad == set(), path


def test_no_module_edits_the_import_path():
    for path in python_files("comments_api", "plugins"):
        assert "sys.path" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_lower_layers_import_only_what_is_below_them(layer):
    for path in python_files(f"comments_api/{layer}"):
        inner = {
            m.split(".")[1]
            for m in imported_modules(path)
            if m.startswith("comments_api.") and len(m.split(".")) > 1
        }
        assert inner <= ALLOWED[layer], (path, inner - ALLOWED[layer])


def test_the_build_reaches_the_service_only_through_its_shared_parts():
    for path in python_files("plugins/comments"):
        used = {m for m in imported_modules(path) if m.startswith("comments_api")}
        assert used, path
        assert all(m.split(".")[1] in ("bake", "settings", "store") for m in used), used


def test_the_comment_section_escapes_every_value_but_the_sanitised_body():
    hostile = '<script>alert(1)</script>"'
    comment = {"id": 1, "parent": None, "author": hostile, "url": "https://e.org/?a=1&b=2",
               "body_html": "<p>kept <em>as is</em></p>", "created": "2025-01-01T10:00:00+00:00",
               "avatar": "/api/avatars/x.svg"}  # fmt: skip
    now = datetime(2025, 1, 2, tzinfo=UTC)
    state = ThreadState(enabled=True, open=True, closes_at=None)
    discussion = make_discussion("a-<thread>", state, [comment], now, 5)
    html = render_section(discussion, [], api_path="/api", max_depth=5)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;&#34;" in html
    assert 'href="https://e.org/?a=1&amp;b=2"' in html
    assert "<p>kept <em>as is</em></p>" in html
    assert 'data-thread="a-&lt;thread&gt;"' in html

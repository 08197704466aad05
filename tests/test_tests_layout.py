"""The test suite's own layout: shared helpers live in tests/helpers, and no module imports a
test module (one used as a library brings its fixtures and set-up wherever it is imported)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def imported_test_modules(source: str) -> list[str]:
    """The modules `source` imports that are test modules (test_*) or conftest."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            last = name.rsplit(".", 1)[-1]
            if last.startswith("test_") or last == "conftest" or name.startswith("tests."):
                found.append(name)
    return found


def test_the_check_sees_each_way_of_importing_a_test_module() -> None:
    source = (
        "import os\nfrom helpers.tui import settle\n"
        "from test_tui_app import settle\nimport test_columns\n"
        "def f():\n    from conftest import library\n"
        "from tests.test_cli import run\n"
    )
    assert sorted(imported_test_modules(source)) == [
        "conftest",
        "test_columns",
        "test_tui_app",
        "tests.test_cli",
    ]


def test_no_module_of_the_suite_imports_a_test_module() -> None:
    offenders = {
        path.relative_to(TESTS).as_posix(): imported
        for path in sorted(TESTS.rglob("*.py"))
        if (imported := imported_test_modules(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_helpers_live_in_the_helpers_package() -> None:
    loose = [
        path.name
        for path in TESTS.glob("*.py")
        if not path.name.startswith("test_") and path.name != "conftest.py"
    ]
    assert loose == []
    assert (TESTS / "helpers" / "__init__.py").is_file()

"""The README says what the project does: its set-up lines are what CI runs, its theme example
names a theme Textual has."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def setup_lines() -> list[str]:
    """The command lines of the README's "Set up" section's code blocks."""
    section = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_setup_is_two_lines_install_and_demo_then_the_tests() -> None:
    install, tests = setup_lines()
    assert install == "python -m pip install -e '.[test]' && vidbrowse demo"
    assert tests.startswith("python -m pytest")


def test_ci_runs_exactly_the_readme_test_line() -> None:
    _, tests = setup_lines()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci
    assert [line for line in ci if "pytest" in line and not line.startswith("#")] == [tests]


def test_the_theme_example_names_textual_themes() -> None:
    """It once said `textual-ansi`, which the app rejects ("not a Textual theme")."""
    from textual.app import App

    example = next(line for line in README.splitlines() if line.startswith("theme = "))
    named = re.findall(r"[a-z]+(?:-[a-z]+)+|\"[a-z-]+\"", example)
    names = {name.strip('"') for name in named}
    assert names >= {"ansi-dark", "ansi-light"}
    assert names <= set(App().available_themes)


def test_the_layout_section_names_files_and_folders_that_exist() -> None:
    """Every `name.py` and `folder/` the "How the code is laid out" section names is there."""
    section = README.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([\w/]+(?:/|\.py))`", section))
    assert {"core/archive/", "core/engine/", "core/query/", "cli.py", "tui/"} <= named
    places = {
        path.relative_to(ROOT).as_posix() + ("/" if path.is_dir() else "")
        for path in [*ROOT.glob("src/**/*"), *ROOT.glob("tests/*"), *ROOT.glob("*")]
        if "__pycache__" not in path.parts
    }
    missing = sorted(
        name for name in named if not any(("/" + place).endswith("/" + name) for place in places)
    )
    assert missing == []

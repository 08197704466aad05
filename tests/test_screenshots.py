"""The screenshots the README shows (scripts/screenshots.py renders them): each one the README
links exists, every one renders its spaces (librsvg trims leading U+00A0 unless told not to),
and the malformed query's caret sits under the fault, as in the app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.svg import text_cells

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "screenshots"


def test_every_screenshot_the_readme_links_exists() -> None:
    linked = re.findall(r"\((screenshots/[\w-]+\.svg)\)", (ROOT / "README.md").read_text())
    assert linked
    for name in linked:
        assert (ROOT / name).is_file(), name


@pytest.mark.parametrize("shot", sorted(SHOTS.glob("*.svg")), ids=lambda path: path.stem)
def test_a_screenshot_keeps_its_spaces_in_every_renderer(shot: Path) -> None:
    root = re.search(r"<svg [^>]*>", shot.read_text(encoding="utf-8"))
    assert root is not None and 'xml:space="preserve"' in root.group()


def test_the_error_screenshot_puts_the_caret_under_the_fault() -> None:
    cells = text_cells((SHOTS / "error.svg").read_text(encoding="utf-8"))
    query = "".join(cell.char for cell in cells if cell.line == 0)
    (caret,) = [cell.column for cell in cells if cell.line == 1 and cell.char == "^"]
    assert caret > 2  # not under the prompt
    quote = [cell.column for cell in cells if cell.line == 0 and cell.char == '"']
    assert quote == [caret], query  # the unclosed quote

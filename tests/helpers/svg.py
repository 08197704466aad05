"""Reading a screen exported as SVG (App.export_screenshot) cell by cell: each character's
foreground and background colour, as Rich's exporter drew them (reverse video already applied)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

CELL_WIDTH, LINE_HEIGHT, LINE_TOP = 12.2, 24.4, 1.5  # Rich's SVG geometry
DEFAULT_FOREGROUND = "#c5c8c6"  # the exporter's own colour for text with none

RECT = re.compile(
    r'<rect fill="(#[0-9a-f]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="24.65" '
    r"shape-rendering"
)
TEXT = re.compile(
    r'<text class="([\w-]+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#terminal-\d+-line-(\d+)\)">([^<]*)</text>'
)


@dataclass(frozen=True)
class Cell:
    line: int
    column: int
    char: str
    foreground: str
    background: str | None  # None: the exporter's own background (no rect drawn)


def backgrounds(svg: str) -> dict[tuple[int, int], str]:
    """(line, column) → the background colour drawn under it."""
    drawn: dict[tuple[int, int], str] = {}
    for colour, x, y, width in RECT.findall(svg):
        line = round((float(y) - LINE_TOP) / LINE_HEIGHT)
        first = round(float(x) / CELL_WIDTH)
        for column in range(first, round((float(x) + float(width)) / CELL_WIDTH)):
            drawn[line, column] = colour
    return drawn


def text_cells(svg: str) -> list[Cell]:
    """Every character other than a space, with its colours."""
    fills = dict(re.findall(r"\.(terminal-\d+-r\d+) \{ fill: (#[0-9a-f]{6})", svg))
    under = backgrounds(svg)
    cells = []
    for name, x, line, text in TEXT.findall(svg):
        first = round(float(x) / CELL_WIDTH)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            if char.strip():
                position = (int(line), first + offset)
                foreground = fills.get(name, DEFAULT_FOREGROUND)
                cells.append(Cell(*position, char, foreground, under.get(position)))
    return cells


def screen_lines(svg: str) -> list[str]:
    """The screen as text, each character in its column (spaces where nothing is drawn):
    columns are read from the SVG's positions, so text cut or run into a neighbour shows."""
    cells = text_cells(svg)
    height = max((cell.line for cell in cells), default=-1) + 1
    rows = [[" "] * (max((c.column for c in cells), default=0) + 1) for _ in range(height)]
    for cell in cells:
        rows[cell.line][cell.column] = cell.char
    return ["".join(row).rstrip() for row in rows]

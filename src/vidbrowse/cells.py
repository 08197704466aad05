"""Cell widths as the terminal counts them, so that columns line up in tmux and xterm alike.

Rich (and Textual, which measures with it) counts a spacing vowel sign, Unicode category Mc
(Devanagari `ा` U+093E, Bengali `া`…), as 0 cells; glibc's wcwidth, and so tmux and most
terminals, count 1. A Hindi title then took more cells on screen than Textual laid out, and
every column after it shifted. `use_terminal_widths` gives Rich the terminal's count for those
characters, for the whole process (a width must be the same wherever it is measured).

Joined emoji (ZWJ sequences, VS16, skin tones) have no width terminals agree on (👨‍👩‍👧: 2
in tmux, 6 by wcwidth; ☺️: 1 in tmux, 2 in kitty), so one-line cells show them `unjoined`.
docs/cell-widths.md says why and what was measured.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import rich.cells
from rich.cells import CellTable

# What joins characters into one glyph of uncertain width: the zero-width joiner, the text and
# emoji variation selectors, the five skin-tone modifiers.
_JOINERS = str.maketrans(
    dict.fromkeys(["\u200d", "\ufe0e", "\ufe0f", *map(chr, range(0x1F3FB, 0x1F400))])
)


def unjoined(text: str) -> str:
    """`text` without joiners, for a one-line cell: each emoji then takes its own, agreed
    width (a family shows as its three people, a flag's rainbow beside it)."""
    return text.translate(_JOINERS)


def terminal_width(character: str) -> int | None:
    """The terminal's width of a character Rich counts as 0, when it differs (a spacing mark:
    1, or 2 when East Asian wide); None otherwise."""
    if unicodedata.category(character) != "Mc":
        return None
    return 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1


def _with_spacing_marks(table: CellTable) -> CellTable:
    """Rich's table with each zero-width range split where spacing marks give their width."""
    widths: list[tuple[int, int, int]] = []
    for start, end, width in table.widths:
        if width != 0:
            widths.append((start, end, width))
            continue
        for codepoint in range(start, end + 1):
            cells = terminal_width(chr(codepoint)) or 0
            if widths and widths[-1][1] == codepoint - 1 and widths[-1][2] == cells:
                widths[-1] = (widths[-1][0], codepoint, cells)
            else:
                widths.append((codepoint, codepoint, cells))
    return table._replace(widths=widths)


_rich_table = rich.cells.load_cell_table


@cache
def _terminal_table(unicode_version: str = "auto") -> CellTable:
    return _with_spacing_marks(_rich_table(unicode_version))


def use_terminal_widths() -> None:
    """Make Rich (and Textual) count spacing marks as terminals do, from now on; idempotent.
    Rich looks its table up through `rich.cells.load_cell_table` at each measure."""
    if rich.cells.load_cell_table is _terminal_table:
        return
    rich.cells.load_cell_table = _terminal_table
    rich.cells.get_character_cell_size.cache_clear()
    rich.cells.cached_cell_len.cache_clear()

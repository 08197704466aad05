"""Issue 15, point 12: text from any script keeps the columns where the terminal puts them.
Rich counted Devanagari's spacing vowel signs as 0 cells where the terminal counts 1, and
terminals disagree on joined emoji: checked against glibc's wcswidth (what tmux counts with) and
in tmux itself, where the column after a Hindi title must line up with the others."""

from __future__ import annotations

import ctypes
import ctypes.util
import locale
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.cells import cell_len

from helpers.tmux import Tmux, needs_tmux
from vidbrowse.cells import unjoined, use_terminal_widths
from vidbrowse.output import fit

HINDI = "भारत का इतिहास"  # three spacing vowel signs (ा ि ा), one combining (इ has none)
SCRIPTS = [HINDI, "বাংলা গান আর কবিতা", "தமிழ் பாடல்", "ગુજરાતી ભોજન", "മലയാളം", "ภาษาไทย", "東京タワー"]
Width = Callable[[str], int]  # a text's cells on screen
JOINED = ["Family 👨\u200d👩\u200d👧 trip", "Pride 🏳️\u200d🌈", "Thumbs 👍🏽 up ☺️", "क्\u200dष"]


@pytest.fixture(scope="module")
def width() -> Width:
    """A text's cells as glibc's wcswidth counts them (tmux counts with it)."""
    name = ctypes.util.find_library("c")
    if sys.platform != "linux" or name is None:
        pytest.skip("glibc's wcswidth is the reference here")
    wcswidth = ctypes.CDLL(name).wcswidth
    wcswidth.argtypes = [ctypes.c_wchar_p, ctypes.c_size_t]
    wcswidth.restype = ctypes.c_int
    try:
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    except locale.Error:
        pytest.skip("no C.UTF-8 locale")
    return lambda text: int(wcswidth(text, len(text)))


@pytest.mark.parametrize("text", SCRIPTS)
def test_rich_counts_cells_as_the_terminal_does(width: Width, text: str) -> None:
    use_terminal_widths()
    assert cell_len(text) == width(text)


@pytest.mark.parametrize("text", JOINED)
def test_joined_emoji_are_shown_unjoined_at_an_agreed_width(width: Width, text: str) -> None:
    use_terminal_widths()
    shown = unjoined(text)
    assert "\u200d" not in shown and "\ufe0f" not in shown
    assert cell_len(shown) == width(shown)


@pytest.mark.parametrize("text", [*SCRIPTS, *JOINED])
def test_a_cli_table_cell_takes_its_width_on_screen(width: Width, text: str) -> None:
    for cells in (8, 30):
        assert width(fit(text, cells)) == cells, fit(text, cells)


def write_posts(archive: Path) -> None:
    folder = archive / "_posts"
    folder.mkdir(parents=True)
    channels = ["हिन्दी चैनल", "Travel 👨\u200d👩\u200d👧", "Plain"]
    for i, title in enumerate([*SCRIPTS, *JOINED, "Plain English title"]):
        (folder / f"p{i}.md").write_text(
            f'---\ntitle: "{title}"\nvid_id: "v{i:05}"\nchannel: "{channels[i % 3]}"\n'
            f'tags: ["{SCRIPTS[i % len(SCRIPTS)].split()[0]}", "all"]\n'
            f'vid_date: "2014-09-11T00:25:14Z"\nviewcount: "{100 + i}"\n---\nwords\n',
            encoding="utf-8",
        )


def dated(screen: str) -> list[str]:
    """The result rows on a screen: the lines with an upload date, but the detail's."""
    return [line for line in screen.splitlines() if "2014-09-11" in line and "UTC" not in line]


@needs_tmux
def test_columns_line_up_after_hindi_and_emoji_in_tmux(width: Width, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_posts(archive)
    command = f"{sys.executable} -m vidbrowse {archive} -q tag:all"
    tmux = Tmux(f"vidbrowse-widths-{os.getpid()}", command, size=(120, 50))  # every row shown
    posts = len(SCRIPTS) + len(JOINED) + 1
    try:  # every row drawn, and the highlighted post's detail (its date with UTC)
        shown = tmux.wait_until(lambda screen: len(dated(screen)) == posts and "UTC" in screen)
    finally:
        tmux.close()
    lines = shown.splitlines()
    # The filter pane's right edge, on every line it is drawn (Hindi and Bengali tags in it).
    edges = {width(line[: line.index("▕")]) for line in lines if "▕" in line}
    assert len(edges) == 1, shown
    # The Uploaded column: its heading and every row's date, Hindi title or not.
    rows = dated(shown)
    assert len(rows) == posts, shown
    (heading,) = [line for line in lines if "Uploaded" in line and "Title" in line]
    column = width(heading[: heading.index("Uploaded")])
    for row in rows:
        assert width(row[: row.index("2014-09-11")]) == column, row

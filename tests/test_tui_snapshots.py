"""SVG snapshots of the main states (pytest-textual-snapshot). Update after a deliberate change
with `pytest tests/test_tui_snapshots.py --snapshot-update`, then look at the SVGs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.tui import make_archive, steps
from vidbrowse.core.library.library import Library
from vidbrowse.tui.app import VidbrowseApp

SIZE = (120, 36)
Snap = Callable[..., bool]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_archive(tmp_path_factory.mktemp("snap"))


def test_main_screen_with_a_query_and_a_tag(snap_compare: Snap, library: Library) -> None:
    app = VidbrowseApp(library, query="music", needs_update=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps("t", "space", "j", "j"))


def test_a_bad_query_shows_a_caret(snap_compare: Snap, library: Library) -> None:
    app = VidbrowseApp(library, query="music", needs_update=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps("slash", "space", "("))


def test_reader(snap_compare: Snap, library: Library) -> None:
    app = VidbrowseApp(library, query="music", needs_update=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps("j", "enter"))


def test_help(snap_compare: Snap, library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps("question_mark"))


def test_small_terminal(snap_compare: Snap, library: Library) -> None:
    app = VidbrowseApp(library, query="music", needs_update=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps())


def test_hostile_post_renders_literally(snap_compare: Snap, library: Library) -> None:
    app = VidbrowseApp(library, query="tag:zzhostile", needs_update=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps("enter"))

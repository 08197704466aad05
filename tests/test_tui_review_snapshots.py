"""SVG snapshots of the overview and the timeline (pytest-textual-snapshot, fixed size). Update
after a deliberate change with `pytest tests/test_tui_review_snapshots.py --snapshot-update`,
then look at the SVGs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers.tui import make_review_archive, steps
from vidbrowse.core.library.library import Library
from vidbrowse.core.review.state import Review
from vidbrowse.tui.app import VidbrowseApp

SIZE = (100, 30)
Snap = Callable[..., bool]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_review_archive(tmp_path_factory.mktemp("review"))  # the pilot tests' archive


@pytest.fixture
def library(indexed: tuple[Path, Path]) -> Iterator[Library]:
    archive, cache = indexed
    with Library.open(archive, cache_dir=cache) as opened:
        # Some review state: two starred posts (one read, one with a note), a saved search.
        with Review.open(archive) as review:
            first, second = opened.search("").rows(0, 2)
            review.marks.update(first, starred=True, read=True)
            review.marks.update(second, starred=True, note="watch with Ana")
            review.saved.save("Long ones", "duration:>20m")
        yield opened


def test_overview(snap_compare: Snap, library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False, overview_first=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps())


def test_timeline(snap_compare: Snap, library: Library) -> None:
    app = VidbrowseApp(library, query="views:>1K", needs_update=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps("T"))

"""`M` in the app: the highlighted post's closest posts as the query `similar:ID`, and Esc back to
the query before, on the same post. Keys in, the screen read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from helpers.similar import indexed_similar_archive
from helpers.tui import SIZE, screen_text, settle, synchronous, type_query
from vidbrowse.core.library.library import Library
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.screens.reader import ReaderScreen

TWIN_TITLE = "Sourdough bread baking with a wild starter, part 2"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return indexed_similar_archive(tmp_path_factory.mktemp("tui-similar"))


def highlighted(app: VidbrowseApp) -> str | None:
    row = app.main_screen.results_list.current
    return None if row is None else row.vid_id


@synchronous
async def test_m_lists_the_closest_posts_and_escape_goes_back(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False, query="wild starter")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        while highlighted(app) != "SRC":
            await pilot.press("j")
        await pilot.press("M")
        await settle(pilot, app)
        screen = screen_text(app)
        assert "» similar:SRC" in screen
        assert app.main_screen.results is not None and app.main_screen.results.total == 3
        assert "3 posts  ·  sorted by relevance" in screen
        assert highlighted(app) == "TWIN" and TWIN_TITLE in screen
        assert "Copy of sourdough" not in screen  # the post itself is left out
        # Esc on the list: the query before, on the post `M` was pressed on.
        await pilot.press("escape")
        await settle(pilot, app)
        assert "» wild starter" in screen_text(app)
        assert highlighted(app) == "SRC"


async def press(pilot: Pilot[Any], app: VidbrowseApp, *keys: str) -> str:
    """Press `keys` and let the searches land; the query bar's text then."""
    await pilot.press(*keys)
    await settle(pilot, app)
    return app.main_screen.query_bar.text


@synchronous
async def test_m_twice_then_escape_twice_walks_back(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False, query="wild starter")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        first = await press(pilot, app, "M")  # on the first result
        assert await press(pilot, app, "M") not in (first, "wild starter")  # on its closest
        assert await press(pilot, app, "escape") == first
        assert await press(pilot, app, "escape") == "wild starter"


@synchronous
async def test_escape_does_not_undo_a_query_typed_since(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False, query="wild starter")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, app, "M")
        await type_query(pilot, app, "bagels")
        assert await press(pilot, app, "enter", "escape") == "bagels"


@synchronous
async def test_m_in_the_reader_shows_the_closest_posts_to_the_post_read(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False, query="id:TWIN")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        assert isinstance(app.screen, ReaderScreen)
        assert await press(pilot, app, "M") == "similar:TWIN"
        assert app.screen is app.main_screen
        assert highlighted(app) == "SRC"

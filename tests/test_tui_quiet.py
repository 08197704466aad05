"""Issue 15, point 14: the app's quiet states say what they are — rows kept under a malformed
query name the query they answer, `R` with nothing to do says so, help scrolls with the list's
keys, an export's file name tells its query."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Input

from helpers.tui import make_review_archive, settle, settle_update, static_text, synchronous
from vidbrowse.core.library.library import Library
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.screens.dialogs import ExportDialog
from vidbrowse.tui.screens.help import HelpScreen

SIZE = (120, 36)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_review_archive(tmp_path_factory.mktemp("quiet"), 40)


async def write_query(pilot: Pilot[Any], app: VidbrowseApp, text: str) -> None:
    """The query bar's text in one edit (key by key, a loaded machine's debounce could search a
    prefix that parses) and its search finished."""
    await pilot.press("slash")
    app.query_one("#query-input", Input).value = text
    await settle(pilot, app)


@synchronous
async def test_rows_kept_under_a_malformed_query_name_the_query_they_answer(
    library: Library,
) -> None:
    tag = library.search("").facets["tag"][0][0]
    app = VidbrowseApp(library, query=f"tag:{tag}", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "showing" not in static_text(app, "#results-status")
        await write_query(pilot, app, f'tag:{tag} channel:"x')
        status = static_text(app, "#results-status")
        assert f'showing results of "tag:{tag}"' in status
        assert app.query_one("#results-status").has_class("-stale")
        await pilot.press('"')
        await settle(pilot, app)
        assert "showing" not in static_text(app, "#results-status")
        assert not app.query_one("#results-status").has_class("-stale")


@synchronous
async def test_rows_of_every_post_kept_under_a_malformed_query_say_so(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await write_query(pilot, app, "views:>")
        assert "showing every post" in static_text(app, "#results-status")


@synchronous
async def test_refresh_with_nothing_changed_says_already_up_to_date(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("R")
        await settle_update(pilot, app)
        messages = [n.message for n in app._notifications]
        assert len(messages) == 1 and messages[0].startswith("Already up to date")
        assert "\n" not in messages[0]


@synchronous
async def test_an_update_at_start_with_nothing_changed_stays_quiet(library: Library) -> None:
    app = VidbrowseApp(library)  # the start-up check: nothing asked, nothing to say
    async with app.run_test(size=SIZE) as pilot:
        await settle_update(pilot, app)
        assert not app._notifications


@synchronous
async def test_help_scrolls_with_the_list_keys(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        scroll = app.screen.query_one(VerticalScroll)
        assert "j  ↑ k  g home  G end: scroll" in str(scroll.border_subtitle)
        await pilot.pause()
        assert scroll.max_scroll_y > 10  # more than a screenful at 80x24
        await pilot.press("j", "j")
        await pilot.pause()
        assert scroll.scroll_y == 2
        await pilot.press("k")
        await pilot.pause()
        assert scroll.scroll_y == 1
        await pilot.press("G")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert scroll.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 5
        await pilot.press("pageup")
        await pilot.pause()
        assert scroll.scroll_y == 0
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@synchronous
async def test_an_export_file_is_named_after_its_query(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = VidbrowseApp(library, query="music -tag:x", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("enter")
        await settle(pilot, app)
        (written,) = tmp_path.glob("vidbrowse-*")
        assert written.name.startswith("vidbrowse-music-tag-x-")

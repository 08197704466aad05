"""Issue 15's first hour in the app, as a demanding user lives it: notes edited at their end,
keys typed in a burst after `/` landing in the query (also in a real terminal, through tmux),
a reader whose keys act on the reader only, the first build saying so, every theme readable
with and without colour."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from helpers.svg import backgrounds, text_cells
from helpers.tmux import Tmux, needs_tmux
from helpers.tui import make_review_archive, screen_text, settle, settle_update, synchronous
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.language import format_value
from vidbrowse.generate import generate_archive
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.screens.dialogs import NamePrompt, NoteScreen
from vidbrowse.tui.screens.overview import OverviewScreen
from vidbrowse.tui.screens.reader import ReaderScreen

SIZE = (120, 36)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_review_archive(tmp_path_factory.mktemp("first-hour"), 40)


async def burst(pilot: Pilot[Any], *keys: str) -> None:
    """Keys as a paste or a laggy link delivers them: all queued before the app handles one.
    Each argument is characters to type, or a key's name (`ctrl+u`, `backspace`)."""
    for key, character in _key_events(keys):
        event = events.Key(key, character)
        event.set_sender(pilot.app)
        pilot.app._driver.send_message(event)  # what the terminal driver does, key by key
    await pilot.pause()


NAMED_KEYS = {"ctrl+u", "ctrl+k", "backspace", "left"}


def _key_events(keys: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """(key, character) per key: a named key has no character, text one per character."""
    found: list[tuple[str, str | None]] = []
    for key in keys:
        if key in NAMED_KEYS:
            found.append((key, None))
        else:
            found.extend(({"/": "slash"}.get(char, char), char) for char in key)
    return found


@synchronous
async def test_editing_a_note_types_at_its_end(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        row = app.main_screen.results_list.current
        assert row is not None and app.review is not None
        await pilot.press("n", *"todo", "ctrl+s")
        await settle(pilot, app)
        await pilot.press("n")
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"XYZ", "ctrl+s")
        await settle(pilot, app)
        assert app.review.marks.get(row).note == "todoXYZ"


@synchronous
async def test_a_burst_after_slash_lands_in_the_query(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await burst(pilot, "/has")
        await settle(pilot, app)
        assert not isinstance(app.screen, OverviewScreen)
        assert app.main_screen.query_bar.text == "has"
        sort = app.main_screen.sort
        await burst(pilot, "/", "ctrl+u", "song")
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == "song"
        assert app.main_screen.sort == sort
        # Editing keys act where they were typed, not after the keys behind them.
        await burst(pilot, "backspace", "backspace", "xyz", "left", "left", "ctrl+k", "ab")
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == "soxab"


@synchronous
async def test_a_burst_in_the_save_search_dialog_lands_in_order(library: Library) -> None:
    app = VidbrowseApp(library, query="music", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("b")
        assert isinstance(app.screen, NamePrompt)
        await burst(pilot, "xyz", "backspace", "backspace", "ab", "left", "ctrl+k", "c")
        await settle(pilot, app)
        assert app.screen.query_one("#name-input", Input).value == "xac"


@synchronous
async def test_a_burst_after_slash_on_the_overview_lands_in_the_query(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False, overview_first=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, OverviewScreen)
        await burst(pilot, "/has")
        await settle(pilot, app)
        assert app.screen is app.main_screen
        assert app.main_screen.query_bar.text == "has"


def offers_slash(screen: str) -> bool:
    return "/ Search" in screen.rstrip().splitlines()[-1]


@needs_tmux
def test_a_burst_after_slash_in_a_real_terminal(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    generate_archive(archive, 30, seed=3)
    # A query, so that the app starts on the list (without one it opens the overview).
    tmux = Tmux(f"vidbrowse-{os.getpid()}", f"{sys.executable} -m vidbrowse {archive} -q zzz")
    try:
        assert "sorted by" in tmux.wait_for("» zzz", "sorted by")
        # One call: the keys arrive together. C-u and BSpace are the Input's bindings, which
        # Textual ran after the letters behind them (they erased `has`).
        tmux.send_keys("/", "C-u", "has")
        shown = tmux.wait_until(lambda shown: "» has" in shown and not offers_slash(shown))
        assert "» has" in shown
        assert "Overview" not in shown
        # Enter goes back to the list, whose footer offers `/` (the query bar's does not).
        tmux.send_keys("Enter")
        assert offers_slash(tmux.wait_until(offers_slash))
        tmux.send_keys("/", "BSpace", "song", "Left", "Left", "C-k", "ng")
        assert "» song" in tmux.wait_for("» song", "sorted by")
    finally:
        tmux.close()


def test_the_reader_footer_offers_only_keys_for_the_reader() -> None:
    offered = {binding.id for binding in ReaderScreen.BINDINGS if getattr(binding, "show", False)}
    assert not offered & {"cycle_sort", "reverse", "focus_tags"}


@synchronous
async def test_list_keys_do_nothing_to_the_list_hidden_under_the_reader(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        before = app.main_screen.results
        assert before is not None
        await pilot.press("enter")
        assert isinstance(app.screen, ReaderScreen)
        footer = screen_text(app).splitlines()[-1]
        await pilot.press("s", "r", "t")
        await settle(pilot, app)
        assert isinstance(app.screen, ReaderScreen)
        after = app.main_screen.results
        assert after is not None
        assert (after.sort, after.reverse) == (before.sort, before.reverse)
        for word in ("Sort", "Reverse", "Tags"):
            assert word not in footer


@synchronous
async def test_the_empty_list_says_it_is_indexing_during_the_first_build(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    generate_archive(archive, 400, seed=5)
    library = Library.open(archive, cache_dir=tmp_path / "cache")
    # The build waits until the screen is read: its first commit can come before.
    screen_read = threading.Event()
    update = library.update

    def held_update(**options: Any) -> Any:
        screen_read.wait(timeout=60)
        return update(**options)

    library.update = held_update  # type: ignore[method-assign]
    try:
        app = VidbrowseApp(library)  # not indexed yet: the first build starts with the app
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            shown = screen_text(app)
            results = app.main_screen.results
            screen_read.set()
            assert results is not None and results.total == 0  # the build has not committed
            assert "This archive has no posts" not in shown
            assert "Indexing… posts appear here as they are indexed." in shown
            await settle_update(pilot, app, 400)
    finally:
        library.close()


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
@synchronous
async def test_every_theme_is_readable_with_and_without_colour(
    library: Library, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    tag = library.search("").facets["tag"][0][0]
    app = VidbrowseApp(library, query=f"tag:{format_value(tag)}", needs_update=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.main_screen.results_list.cursor == 0
        for theme in sorted(app.available_themes):
            app.theme = theme
            await pilot.pause()
            svg = app.export_screenshot()
            cells = text_cells(svg)
            hidden = [cell for cell in cells if cell.foreground == cell.background]
            assert not hidden, (theme, "".join(cell.char for cell in hidden)[:80])
            # Ticks are glyphs, not colours: the ticked tag and an unticked one.
            shown = screen_text(app)
            assert f"[x]{tag}" in shown.replace(" ", ""), theme
            assert "[]" in shown.replace(" ", ""), theme
            # The cursor row stands out from the row under it, colour or not.
            region = app.main_screen.results_list.region
            line, column = region.y + app.main_screen.results_list.cursor, region.x + 4
            under = backgrounds(svg)
            assert under.get((line, column)) != under.get((line + 1, column)), theme

"""mutt, newsboat and VisiData habits in the app, driven by keys and read off the screen: next
and previous unread (N, P), a selection (space, a, A) that star, read and export act on, undo
of mark changes (U), choosing and ordering the result columns (C, config `columns`)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from textual.binding import Binding

from helpers.tui import (
    listened,
    make_review_archive,
    said,
    screen_text,
    settle,
    static_text,
    synchronous,
    type_query,
)
from vidbrowse.core.library.library import Library
from vidbrowse.core.review.config import load_config
from vidbrowse.core.review.marks import Mark, post_key
from vidbrowse.core.review.settings import load_settings
from vidbrowse.core.review.state import Review
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.screens.columns import ColumnsDialog
from vidbrowse.tui.screens.dialogs import ExportDialog, NoteScreen
from vidbrowse.tui.screens.reader import ReaderScreen
from vidbrowse.tui.widgets.results import MIN_TITLE

SIZE = (120, 36)
POSTS = 60


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_review_archive(tmp_path_factory.mktemp("habits"), POSTS)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # exports land here


def marks_of(library: Library) -> Review:
    return Review.open(library.archive)


def row_lines(app: VidbrowseApp, count: int = 10) -> list[str]:
    """The first lines the results list draws (its part of the screen)."""
    listing = app.main_screen.results_list
    return [listing.render_line(y).text for y in range(count)]


@synchronous
async def test_next_and_previous_unread_skip_read_posts_and_go_round(library: Library) -> None:
    rows = library.search("", sort="title").rows(0, POSTS)
    with marks_of(library) as review:  # every post read but three
        unread = (2, 5, 40)
        read = {post_key(r): True for i, r in enumerate(rows) if i not in unread}
        review.marks.write("read", read)
    app = listened(VidbrowseApp(library, needs_update=False))
    app.main_screen.sort = "title"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        listing = app.main_screen.results_list
        await pilot.press("N")
        assert listing.cursor == 2 and rows[2].title[:30] in screen_text(app)
        await pilot.press("N", "N")
        assert listing.cursor == 40
        await pilot.press("N")
        await pilot.pause()
        assert listing.cursor == 2
        assert "No more unread posts below: went round." in said(app)
        await pilot.press("P")
        await pilot.pause()
        assert listing.cursor == 40
        assert "No more unread posts above: went round." in said(app)


@synchronous
async def test_next_unread_in_the_reader_reads_it(library: Library) -> None:
    rows = library.search("", sort="title").rows(0, POSTS)
    with marks_of(library) as review:
        unread = (0, 7)
        read = {post_key(r): True for i, r in enumerate(rows) if i not in unread}
        review.marks.write("read", read)
    app = listened(VidbrowseApp(library, needs_update=False))
    app.main_screen.sort = "title"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")  # reads (and marks read) the first
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("N")
        await settle(pilot, app)
        assert isinstance(app.screen, ReaderScreen) and app.screen.row.path == rows[7].path
        assert rows[7].title[:30] in screen_text(app)
        await pilot.press("N")
        await settle(pilot, app)
        assert "No more unread posts in these results." in said(app)
        assert app.screen.row.path == rows[7].path
    with marks_of(library) as review:
        assert review.marks.get(rows[7]).read and review.marks.get(rows[0]).read


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
@synchronous
async def test_select_star_and_undo_on_the_selection(
    library: Library, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = listened(VidbrowseApp(library, needs_update=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert not any(line.startswith("+") for line in row_lines(app))
        await pilot.press("space", "down", "space")  # the first and the third
        await settle(pilot, app)
        lines = row_lines(app)
        assert [line[0] for line in lines[:4]] == ["+", " ", "+", " "]  # a glyph, not a colour
        assert "2 selected" in screen_text(app)
        results = app.main_screen.results
        assert results is not None
        first, second, third = results.rows(0, 3)
        await pilot.press("s")  # another order: the same posts stay selected
        await settle(pilot, app)
        assert "2 selected" in screen_text(app)
        await pilot.press("asterisk")
        await settle(pilot, app)
        assert "Starred 2 selected posts." in said(app)
        with marks_of(library) as review:
            starred = [review.marks.get(row).starred for row in (first, second, third)]
        assert starred == [True, False, True]
        await pilot.press("U")
        await settle(pilot, app)
        assert "Undid: starred 2 selected posts." in said(app)
        with marks_of(library) as review:
            assert not any(review.marks.get(row).starred for row in (first, second, third))
        await pilot.press("A")
        await settle(pilot, app)
        assert "selected" not in screen_text(app).split("\n")[3]
        assert not any(line.startswith("+") for line in row_lines(app))


@synchronous
async def test_select_all_marks_all_read_and_a_new_query_clears_it(library: Library) -> None:
    app = listened(VidbrowseApp(library, query="views:>1K", needs_update=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        total = app.main_screen.results.total  # type: ignore[union-attr]
        await pilot.press("a")
        await settle(pilot, app)
        assert f"Selected all {total:,} results." in said(app)
        assert f"{total:,} selected" in screen_text(app)
        await pilot.press("u")
        await settle(pilot, app)
        assert f"Marked read {total:,} selected posts." in said(app)
        assert library.search("is:unread views:>1K", marks=app.review.marks).total == 0
        await type_query(pilot, app, "views:>1M")
        await pilot.press("enter")
        await settle(pilot, app)
        assert f"Selection cleared ({total:,} posts): the query changed." in said(app)
        assert "selected" not in screen_text(app).split("\n")[3]


@synchronous
async def test_export_with_a_selection_writes_only_it(library: Library, tmp_path: Path) -> None:
    app = listened(VidbrowseApp(library, needs_update=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        results = app.main_screen.results
        assert results is not None
        first, _, third = results.rows(0, 3)
        await pilot.press("space", "down", "space", "e")
        assert isinstance(app.screen, ExportDialog)
        assert "Write the 2 posts selected" in screen_text(app)
        await pilot.press("enter")  # CSV
        await settle(pilot, app)
        [path] = tmp_path.glob("vidbrowse-*.csv")
        assert "Exported 2 selected posts" in said(app)
    exported = [row["path"] for row in csv.DictReader(path.open(encoding="utf-8"))]
    assert exported == [first.path, third.path]


@synchronous
async def test_undo_a_note_then_a_star_then_nothing(library: Library) -> None:
    app = listened(VidbrowseApp(library, needs_update=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        row = app.main_screen.results_list.current
        assert row is not None
        await pilot.press("asterisk", "n")
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"call back", "ctrl+s")
        await settle(pilot, app)
        assert app.review.mark(row) == Mark(starred=True, note="call back")
        await pilot.press("U")
        await settle(pilot, app)
        assert "Undid: note saved" in said(app)
        assert app.review.mark(row) == Mark(starred=True)
        await pilot.press("U")
        await settle(pilot, app)
        assert app.review.mark(row) == Mark()
        assert "★" not in row_lines(app)[0]
        await pilot.press("U")
        await settle(pilot, app)
        assert "Nothing to undo." in said(app)


CHOSEN = ["Title", "Likes", "Uploaded", "Length", "Views"]


@synchronous
async def test_choose_and_order_columns_then_they_are_remembered(library: Library) -> None:
    app = listened(VidbrowseApp(library, needs_update=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("C")
        assert isinstance(app.screen, ColumnsDialog)
        shown = screen_text(app)
        assert "☑ Title" in shown and "☐ Likes" in shown
        # Lines: Title Channel Uploaded Length Views Posted Likes …: hide Channel, show Likes
        # and move it up under the title.
        await pilot.press("j", "space", "j", "j", "j", "j", "j", "space")
        await pilot.press(*["K"] * 5, "enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, ColumnsDialog)
        assert static_text(app, "#results-columns").split() == CHOSEN
    assert load_settings().columns == ("title", "likes", "uploaded", "duration", "views")
    again = listened(VidbrowseApp(library, needs_update=False))
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert static_text(again, "#results-columns").split() == CHOSEN


@synchronous
async def test_config_columns_with_an_unknown_name_warn_and_fit_80_columns(
    library: Library, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    names = '"views", "likes", "dislikes", "tags", "categories", "posted", "bogus"'
    path.write_text(f'columns = ["title", "channel", "uploaded", {names}]\n', encoding="utf-8")
    app = listened(VidbrowseApp(library, needs_update=False, config=load_config(path)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        shown = screen_text(app)
        assert "unknown columns 'bogus'" in said(app)
        listing = app.main_screen.results_list
        layout = listing.columns
        assert layout.width == listing.scrollable_content_region.width
        assert dict(layout.shown)["title"] >= MIN_TITLE  # what did not fit left, not the title
        assert "Views" in shown and "Likes" in shown
        for line in shown.splitlines():
            assert len(line) <= 80


def test_the_reader_binds_unread_and_undo_but_not_the_lists_selection() -> None:
    bound = {binding.id for binding in ReaderScreen.BINDINGS if isinstance(binding, Binding)}
    assert {"next_unread", "previous_unread", "undo"} <= bound
    assert not bound & {"toggle_selection", "select_all", "clear_selection", "choose_columns"}

"""The review features of the app driven by keys: saved searches and the overview, export, the
timeline, marks in queries, keymap overrides. A generated archive indexed once per module; marks
and saved searches live in each test's own data folder."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from helpers.tui import (
    listened,
    make_review_archive,
    said,
    screen_text,
    scrolled_text,
    settle,
    synchronous,
    type_query,
)
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.language import format_value
from vidbrowse.core.review.config import Config
from vidbrowse.core.review.state import Review
from vidbrowse.generate import generate_archive
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.screens.dialogs import ConfirmDialog, ExportDialog, NamePrompt
from vidbrowse.tui.screens.help import HelpScreen
from vidbrowse.tui.screens.overview import OverviewScreen
from vidbrowse.tui.screens.timeline import TimelineScreen, block_bar

SIZE = (120, 36)
POSTS = 60


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_review_archive(tmp_path_factory.mktemp("review"), POSTS)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # exports land here


def options(option_list: OptionList) -> list[str]:
    return [
        str(getattr(option.prompt, "plain", option.prompt))
        for option in (option_list.get_option_at_index(i) for i in range(option_list.option_count))
    ]


def top_tag(library: Library) -> tuple[str, int]:
    return library.search("").facets["tag"][0]


@synchronous
async def test_save_a_search_then_the_overview_counts_and_runs_it(library: Library) -> None:
    tag, count = top_tag(library)
    query = f"tag:{format_value(tag)}"
    app = VidbrowseApp(library, query=query, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("b")
        assert isinstance(app.screen, NamePrompt)
        await pilot.press(*"my tag", "enter")
        assert app.review is not None
        assert [(s.name, s.query) for s in app.review.saved.list()] == [("my tag", query)]
        await type_query(pilot, app, "zzznothing")
        await pilot.press("escape")
        await pilot.press("h")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        saved = screen.lists["ov-saved"]
        [line] = options(saved)
        assert line.split() == [str(count), "my", "tag"]
        assert f"{POSTS} posts" in screen_text(app)
        assert app.focused is saved
        await pilot.press("enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, OverviewScreen)
        assert app.main_screen.query_bar.text == query and app.main_screen.results is not None
        assert app.main_screen.results.total == count


@synchronous
async def test_the_overview_renames_and_deletes_saved_searches(library: Library) -> None:
    with Review.open(library.archive) as review:
        review.saved.save("first", "tag:a OR tag:b")
        review.saved.save("second", "views:>1K")
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        await pilot.press("j", "r")
        assert isinstance(app.screen, NamePrompt)
        app.screen.query_one(Input).value = ""
        await pilot.press(*"big ones", "enter")
        await settle(pilot, app)
        assert [line.split() for line in options(screen.lists["ov-saved"])] == [
            [str(library.search("tag:a OR tag:b").total), "first"],
            [str(library.search("views:>1K").total), "big", "ones"],
        ]
        await pilot.press("k", "d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # no: kept
        await settle(pilot, app)
        assert len(options(screen.lists["ov-saved"])) == 2
        await pilot.press("d", "y")
        await settle(pilot, app)
        assert [line.split()[1] for line in options(screen.lists["ov-saved"])] == ["big"]
        assert app.review is not None
        assert [s.name for s in app.review.saved.list()] == ["big ones"]


@synchronous
async def test_the_overview_is_the_first_screen_without_a_query(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False, overview_first=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        marks = options(screen.lists["ov-marks"])
        assert [line.split()[0] for line in marks] == ["0", str(POSTS), "0"]  # nothing read
        tag, count = top_tag(library)
        assert options(screen.lists["ov-tag"])[0].split()[0] == str(count)
        assert app.focused is screen.lists["ov-marks"]  # no saved searches yet
        await pilot.press("tab", "tab")
        assert app.focused is screen.lists["ov-tag"]
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == f"tag:{format_value(tag)}"
        assert app.main_screen.results is not None and app.main_screen.results.total == count


@synchronous
async def test_starring_updates_the_overview_and_an_is_starred_query(library: Library) -> None:
    app = VidbrowseApp(library, query="is:starred OR is:read", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.main_screen.results is not None and app.main_screen.results.total == 0
        await type_query(pilot, app, "")
        await pilot.press("escape", "asterisk", "j", "enter", "escape")
        await settle(pilot, app)
        await type_query(pilot, app, "is:starred OR is:read")
        assert app.main_screen.results.total == 2
        await pilot.press("escape", "h")
        await settle(pilot, app)
        assert isinstance(app.screen, OverviewScreen)
        marks = options(app.screen.lists["ov-marks"])
        assert [line.split()[0] for line in marks] == ["1", str(POSTS - 1), "0"]


@pytest.mark.parametrize("down, suffix", [(0, "csv"), (1, "jsonl"), (2, "md"), (3, "txt")])
@synchronous
async def test_export_writes_a_file_that_parses_back(
    library: Library, tmp_path: Path, down: int, suffix: str
) -> None:
    query = "views:>1K"
    expected = library.search(query)
    app = listened(VidbrowseApp(library, query=query, needs_update=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        assert isinstance(app.screen, ExportDialog)
        await pilot.press(*["down"] * down, "enter")
        await settle(pilot, app)
        [path] = tmp_path.glob(f"vidbrowse-*.{suffix}")
        assert str(path) in said(app)
    text = path.read_text(encoding="utf-8")
    paths = [row.path for row in expected.rows(0, expected.total)]
    if suffix == "csv":
        assert [row["path"] for row in csv.DictReader(text.splitlines())] == paths
    elif suffix == "jsonl":
        assert [json.loads(line)["path"] for line in text.splitlines()] == paths
    else:
        urls = [post.url for post in map(library.post, paths) if post is not None]
        assert len(text.splitlines()) == expected.total
        for url, line in zip(urls, text.splitlines(), strict=True):
            assert (f"]({url})" in line) if suffix == "md" else line == url


@synchronous
async def test_an_export_never_lands_in_the_archive(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(library.archive / "_posts")  # inside the archive
    before = sorted(library.archive.rglob("*"))
    app = VidbrowseApp(library, query="views:>1K", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("e", "enter")
        await settle(pilot, app)
    assert sorted(library.archive.rglob("*")) == before
    assert len(list(home.glob("vidbrowse-*.csv"))) == 1


@synchronous
async def test_the_timeline_narrows_the_query_to_a_bar(library: Library) -> None:
    app = VidbrowseApp(library, query="views:>100", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("T")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        lines = options(screen.by_date)
        biggest = max(lines, key=lambda line: int(line.split()[-1].replace(",", "")))
        year, count = biggest.split()[0], int(biggest.split()[-1])
        assert screen.by_date.highlighted == lines.index(biggest)
        assert "█" in biggest
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == f"views:>100 uploaded:{year}"
        assert app.main_screen.results is not None and app.main_screen.results.total == count
        # One year: the timeline counts months, and a month replaces the year in the query.
        await pilot.press("T")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        assert screen.by_date.border_title == "Uploaded, by month"
        month = options(screen.by_date)[screen.by_date.highlighted or 0].split()[0]
        assert month.startswith(f"{year}-")
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == f"views:>100 uploaded:{month}"
        # The durations chart narrows by a duration range.
        await pilot.press("T")
        await settle(pilot, app)
        await pilot.press("tab", "g", "j", "enter")  # the second bucket: under a minute
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == f"views:>100 uploaded:{month} duration:1s..59s"


@synchronous
async def test_keymap_overrides_apply_and_help_shows_them(library: Library) -> None:
    config = Config(keymap={"overview": "f2", "timeline": "ctrl+t"})
    app = VidbrowseApp(library, needs_update=False, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        assert not isinstance(app.screen, OverviewScreen)
        await pilot.press("f2")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("escape", "ctrl+t")
        assert isinstance(app.screen, TimelineScreen)
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = await scrolled_text(pilot, app)
        assert re.search(r"\bf2 +Overview +Show the overview", shown)
        assert not re.search(r"\bh +Overview", shown)


def test_block_bars_are_proportional_and_never_hide_a_count() -> None:
    assert block_bar(10, 10, 4) == "████"
    assert block_bar(5, 10, 4) == "██"
    assert block_bar(1, 1000, 4) == "▏"
    assert block_bar(0, 10, 4) == ""


@synchronous
async def test_commands_for_the_hidden_results_are_off_over_the_charts(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        row = app.main_screen.results_list.current
        await pilot.press("T")
        await settle(pilot, app)
        assert isinstance(app.screen, TimelineScreen)
        await pilot.press("asterisk", "e")  # would star / export what is not shown
        assert isinstance(app.screen, TimelineScreen)
        assert app.review is not None and row is not None
        assert not app.review.marks.get(row).starred
        footer = screen_text(app).splitlines()[-1]
        assert "Quit" in footer and "Sort" not in footer and "Copy URL" not in footer


@synchronous
async def test_an_archive_not_indexed_yet_starts_on_the_main_screen(tmp_path: Path) -> None:
    archive = tmp_path / "fresh"
    generate_archive(archive, 5, seed=3)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        # No update: the index stays empty (with one, the overview may or may not see it).
        app = VidbrowseApp(library, needs_update=False, overview_first=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            assert not isinstance(app.screen, OverviewScreen)
            assert app.main_screen.results is not None and app.main_screen.results.total == 0


@synchronous
async def test_an_open_overview_counts_again_after_an_update(tmp_path: Path) -> None:
    archive = tmp_path / "growing"
    generate_archive(archive, 8, seed=5)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        app = VidbrowseApp(library, needs_update=False, overview_first=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            screen = app.screen
            assert isinstance(screen, OverviewScreen) and screen.overview is not None
            assert screen.overview.posts == 8
            # What the background update does, done here so the test knows when it happens.
            app.main_screen.update_row.updating = True
            await pilot.pause(0.6)
            generate_archive(tmp_path / "more", 12, seed=6)
            for post in (tmp_path / "more" / "_posts").iterdir():
                post.rename(archive / "_posts" / f"more-{post.name}")
            library.update()
            app.main_screen.update_row.updating = False
            await pilot.pause(0.6)
            await settle(pilot, app)
            assert screen.overview.posts == 20


@synchronous
async def test_names_with_markup_and_escapes_are_shown_literally(library: Library) -> None:
    with Review.open(library.archive) as review:
        review.saved.save("[bold]x[/] [@click=app.quit]y[/] \x1b[31mred", "music")
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        assert isinstance(app.screen, OverviewScreen)
        [line] = options(app.screen.lists["ov-saved"])
        assert "[bold]x[/] [@click=app.quit]y[/]" in line and "\x1b" not in line
        assert "[bold]x[/] [@click=" in screen_text(app)  # the rest is cut with … to fit
        await pilot.press("enter")  # runs the query; the click markup did not quit
        await settle(pilot, app)
        assert app.is_running and app.main_screen.query_bar.text == "music"

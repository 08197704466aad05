"""A new user's first hour on real-shaped archives (session 8): what the app shows at 80x24 and
at 120 columns on posts like the shared corpus's."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from helpers.tui import (
    listened,
    make_review_archive,
    said,
    screen_text,
    settle,
    settle_update,
    synchronous,
)
from vidbrowse.core.display import day, partly_known
from vidbrowse.core.library.library import Library
from vidbrowse.core.reports.stats import result_stats
from vidbrowse.generate import generate_archive
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.widgets import update_row


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_review_archive(tmp_path_factory.mktemp("real-archives"), 40)


# A field's label, date, time and zone: `Posted 2021-06-27 00:28 UTC+03:00`.
WHEN = re.compile(r"(Uploaded|Posted) \d{4}-\d\d-\d\d \d\d:\d\d UTC(\+\d\d:\d\d)?")


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 35)])
@synchronous
async def test_a_detail_field_is_never_cut_across_lines(
    library: Library, size: tuple[int, int]
) -> None:
    """Textual wraps at any space: `Posted` / `2020-11-26 07:17 UTC+03:00` came out on two
    lines (and `UTC` alone on a third at 80 columns). Fields now break between each other."""
    app = VidbrowseApp(library, query="", needs_update=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("escape")  # the overview shown first
        await settle(pilot, app)
        shown = screen_text(app)
        found = {match.group(1) for match in WHEN.finditer(shown)}
        assert found == {"Uploaded", "Posted"}, shown
        assert re.search(r"Duration \S+ {3}Views \S+", shown), shown


def dailymotion_library(tmp_path: Path, posts: int) -> Library:
    """A Dailymotion export of `posts` generated posts (no channel, dates or counts), indexed."""
    archive = tmp_path / "archive"
    generate_archive(archive, posts, seed=5, dailymotion_share=1.0)
    library = Library.open(archive, cache_dir=tmp_path / "cache")
    library.update()
    return library


@synchronous
async def test_the_list_leaves_out_columns_no_post_has(tmp_path: Path) -> None:
    """A Dailymotion export: Uploaded, Length and Views were columns of `?` taking the room
    the titles need at 80 columns, and the Channels filter an empty box."""
    with dailymotion_library(tmp_path, 30) as library:
        app = VidbrowseApp(library, query="tag:news OR news", needs_update=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            shown = screen_text(app)
            header = next(line for line in shown.splitlines() if "Title" in line)
            assert not {"Uploaded", "Length", "Views", "Channel"} & set(header.split()), shown
            assert " ?" not in shown.split(header)[1].split("───")[0], shown
            assert "Channels" not in shown and "Tags" in shown  # no empty filter list


@synchronous
async def test_the_timeline_says_unknown_rather_than_zero(tmp_path: Path) -> None:
    """`T` on a Dailymotion export said '0 h 0 min of video · 0 views'."""
    with dailymotion_library(tmp_path, 20) as library:
        app = VidbrowseApp(library, query="tag:news OR news", needs_update=False)
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot, app)
            await pilot.press("T")
            await settle(pilot, app)
            shown = screen_text(app)
            assert "length unknown  ·  views unknown" in shown, shown
            assert "0 views" not in shown


ADDED = """---
title: "Zyzzyva arrives while the app runs"
vid_id: "addedwhile1"
channel: "Someone"
vid_date: "2021-07-03T18:41:16Z"
---
Added to the archive while vidbrowse was open.
"""


@synchronous
async def test_posts_added_and_removed_while_the_app_runs_show_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post saved into the archive while the app ran stayed invisible until R was pressed
    (which a new user does not know): its folder's stat now tells within seconds."""
    monkeypatch.setattr(update_row, "WATCH_EVERY", 0.1)
    archive = tmp_path / "archive"
    generate_archive(archive, 20, seed=3)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        app = listened(VidbrowseApp(library, query="zyzzyva", needs_update=True))
        async with app.run_test(size=(120, 35)) as pilot:
            await settle_update(pilot, app)
            assert app.main_screen.results is not None and app.main_screen.results.total == 0
            added = archive / "_posts" / "2021-07-03-added.md"
            added.write_text(ADDED, encoding="utf-8")
            await _until(pilot, app, lambda: "Zyzzyva arrives" in screen_text(app))
            assert "+1" in said(app)
            added.unlink()
            await _until(pilot, app, lambda: "Zyzzyva arrives" not in screen_text(app))


async def _until(pilot: Pilot[Any], app: VidbrowseApp, shown: Callable[[], bool]) -> None:
    """Let the app run (up to ~10 s) until `shown()`."""
    for _ in range(100):
        await settle_update(pilot, app)
        if shown():
            return
        await pilot.pause(0.1)
    raise AssertionError(screen_text(app))


@synchronous
async def test_s_cycles_only_through_orders_the_archive_has_values_for(tmp_path: Path) -> None:
    """On a Dailymotion export `s` went through views, likes and duration: orders of nothing,
    every post unknown there, shown A→Z."""
    with dailymotion_library(tmp_path, 20) as library:
        app = VidbrowseApp(library, query="tag:news OR news", needs_update=False)
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot, app)
            seen = []
            for _ in range(4):
                await pilot.press("s")
                await settle(pilot, app)
                seen.append(re.search(r"sorted by (\w+)", screen_text(app)).group(1))  # type: ignore[union-attr]
            assert seen == ["posted", "title", "relevance", "posted"]


def test_a_file_that_is_no_post_does_not_keep_the_app_updating(tmp_path: Path) -> None:
    """An editor's swap file changes the folder, not the posts: the update that follows finds
    nothing, and must note the folders as they are, else the app's look every few seconds
    finds them changed again and scans the whole archive each time (~12x the idle CPU)."""
    archive = tmp_path / "archive"
    generate_archive(archive, 20, seed=3)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        assert not library.archive_changed()
        (archive / "_posts" / ".post.md.swp").write_bytes(b"\0")
        assert library.archive_changed()
        summary = library.update()
        assert (summary.added, summary.changed, summary.removed) == (0, 0, 0)
        assert not library.archive_changed()


@synchronous
async def test_the_timeline_totals_are_never_cut_across_lines(library: Library) -> None:
    """The totals came out as '… · 1B' / 'views · 4 live' at 80 columns: Textual wraps at any
    space. Here the terminal is as wide as puts a space inside a part at the line's end."""
    totals = result_stats(library.search("")).totals
    hours, minutes = divmod(totals.seconds // 60, 60)
    length = partly_known(f"{hours:,} h {minutes} min of video", totals.unknown_duration,
                          totals.posts, "length")  # fmt: skip
    uploaded = f"uploaded {day(totals.first)} → {day(totals.last)}"
    line = f"{totals.posts} posts  ·  {uploaded}  ·  {length}"
    width = line.index(length) + length.index(" of ") + 1 + 2  # the heading's padding: 1 + 1
    app = VidbrowseApp(library, query="", needs_update=False)
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("escape", "T")  # past the overview shown first
        await settle(pilot, app)
        shown = screen_text(app)
        assert any(length in row for row in shown.splitlines()), shown

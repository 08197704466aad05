"""The facet pane and small terminals, driven by keys and read from the screen: the count beside
a value is what ticking it finds (issue 12, point 4); at 80x24 facet rows keep their counts and
the overview cuts long names in their own column; a long query's error keeps its caret under the
fault (issue 15, point 13)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from helpers.facets import write_awkward_posts
from helpers.svg import screen_lines
from helpers.tui import make_archive, settle, steps, synchronous
from vidbrowse.core.library.library import Library
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.screens.overview import OverviewScreen
from vidbrowse.tui.widgets.facets import FacetList

SMALL = (80, 24)
LONG_CHANNEL = "The Extraordinarily Long Channel Name Of Everything Ever Made"
LONG_CATEGORY = "Entertainment and Everything Else Imaginable"
LONG_TAG = "an extraordinarily long tag name"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    archive, cache = make_archive(tmp_path_factory.mktemp("facets"))
    write_awkward_posts(archive)
    for i in range(12):  # a long value held by many posts: a two-digit count beside it
        front = {
            "title": f"Long labels {i}",
            "vid_id": f"longlabel{i:03d}",
            "categories": LONG_CATEGORY,
            "tags": [LONG_TAG, "music"],
            "vid_date": "2020-01-01T00:00:00Z",
            "channel": LONG_CHANNEL,
        }
        lines = [f"{key}: {json.dumps(value)}" for key, value in front.items()]
        path = archive / "_posts" / f"2020-01-01-long-{i}.md"
        path.write_text("---\n" + "\n".join(lines) + "\n---\nA body.\n", encoding="utf-8")
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
    return archive, cache


def _rows(app: VidbrowseApp, facet: FacetList) -> list[str]:
    """The facet list's lines as the screen shows them (its region of the screen)."""
    region = facet.scrollable_content_region  # without its scrollbar
    lines = screen_lines(app.export_screenshot())
    cut = [line.ljust(region.right)[region.x : region.right] for line in lines]
    return cut[region.y : region.bottom]


def _count_on_screen(app: VidbrowseApp, facet: FacetList, index: int) -> int:
    row = _rows(app, facet)[index - facet.scroll_offset.y]
    return int(row.split()[-1].replace(",", ""))


@synchronous
async def test_facet_rows_keep_their_counts_at_80x24(library: Library) -> None:
    app = VidbrowseApp(library, query="music", needs_update=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        results = app.main_screen.results
        assert results is not None
        for field, long_value in (("channel", LONG_CHANNEL), ("category", LONG_CATEGORY)):
            facet = app.query_one(f"#facet-{field}", FacetList)
            counts = dict(results.facets[field])
            for row in _rows(app, facet):
                # After the [x] tick box: the label (a long one cut with '…'), a gap, the count
                # whole and right-aligned.
                label, count = row[3:].rstrip().rsplit(" ", 1)
                label = label.strip()
                start = label.removesuffix("…").rstrip()
                full = label if label in counts else next(
                    (v for v in counts if label.endswith("…") and v.startswith(start)),
                    f"not shown: {label!r}",
                )
                assert f"{counts[full]:,}" == count
            assert f"{counts[long_value]:,}" in "".join(_rows(app, facet))
            assert any("…" in row for row in _rows(app, facet))


@synchronous
async def test_ticking_a_value_finds_the_count_beside_it(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        channels = app.query_one("#facet-channel", FacetList)
        channels.focus()

        async def tick(value: str) -> int:
            """Move to `value` with the keys, read its count, tick it: the results found."""
            facet = app.query_one("#facet-channel", FacetList)
            index = next(
                i for i in range(facet.option_count) if facet.get_option_at_index(i).value == value
            )
            while facet.highlighted != index:
                await pilot.press("down" if (facet.highlighted or 0) < index else "up")
            await pilot.pause()
            shown = _count_on_screen(app, facet, index)
            await pilot.press("space")
            await settle(pilot, app)
            assert app.main_screen.results is not None
            assert app.main_screen.results.total == shown
            return shown

        cnn = await tick("CNN")
        assert app.main_screen.query_bar.text == 'channel="CNN"'
        await pilot.press("space")  # untick: the query is empty again
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == ""
        await tick("CNN")
        # A second channel from the list: either of them, the two counts together.
        facet = app.query_one("#facet-channel", FacetList)
        index = next(
            i for i in range(facet.option_count) if facet.get_option_at_index(i).value == "CNN 10"
        )
        while facet.highlighted != index:
            await pilot.press("down" if (facet.highlighted or 0) < index else "up")
        await pilot.pause()
        ten = _count_on_screen(app, facet, index)
        await pilot.press("space")
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == '(channel="CNN" OR channel="CNN 10")'
        assert app.main_screen.results is not None
        assert app.main_screen.results.total == cnn + ten == 6


@synchronous
async def test_the_overview_cuts_long_names_in_their_column_at_80x24(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False, overview_first=True)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        lines = screen_lines(app.export_screenshot())
        for list_id in ("ov-tag", "ov-channel", "ov-category"):
            column = screen.lists[list_id].content_region
            for line in lines[column.y : column.bottom]:
                cell = line.ljust(column.right)[column.x : column.right]
                # Every line of a list is one of its values: a count first, nothing wrapped.
                assert not cell.strip() or cell.split()[0][0].isdigit(), (list_id, cell)
        assert any("The Extraordinari" in line and "…" in line for line in lines)


def _error_lines(app: VidbrowseApp) -> list[str]:
    status = app.query_one("#query-status")
    lines = screen_lines(app.export_screenshot())
    return [line[: status.region.right] for line in lines[status.region.y : status.region.bottom]]


@synchronous
async def test_a_long_query_error_keeps_its_caret_under_the_fault(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        field = app.query_one("#query-input", Input)
        # The fault in sight, its message longer than the room after it: the caret stays.
        typed = "music " * 12 + "tilte:x"
        field.value = typed
        await settle(pilot, app)
        [line] = _error_lines(app)
        caret = line.index("^")
        assert caret == len("» ") + typed.index("tilte") - round(field.scroll_offset.x)
        assert "unknown field 'tilte:'" in line
        # The fault scrolled out of the input: a window of the query, the caret under it.
        typed = "(music " + "word " * 40
        field.value = typed
        field.cursor_position = len(typed)
        await settle(pilot, app)
        window, caret_line = _error_lines(app)
        assert field.scroll_offset.x > 0
        assert window[caret_line.index("^")] == "(" and "unclosed '('" in caret_line
        assert window.startswith("(music word")


@pytest.fixture
def small_snapshot(library: Library) -> Callable[[], VidbrowseApp]:
    return lambda: VidbrowseApp(library, query="tag:music", needs_update=False)


def test_facet_rows_snapshot_at_80x24(
    snap_compare: Callable[..., bool], small_snapshot: Callable[[], VidbrowseApp]
) -> None:
    assert snap_compare(small_snapshot(), terminal_size=SMALL, run_before=steps())

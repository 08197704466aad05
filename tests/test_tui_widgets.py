"""TUI pieces on their own: the virtual results list, column fitting with wide characters, term
highlighting, the command table and the remembered settings."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult

from vidbrowse.core.options import DEFAULT_COLUMNS, RESULT_COLUMNS
from vidbrowse.core.query.language import ParsedQuery
from vidbrowse.core.query.nodes import Term
from vidbrowse.core.query.search import Results, Row
from vidbrowse.core.review.settings import Settings, load_settings, save_settings, settings_path
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.commands import APP, COMMANDS, MAIN, READER, bindings
from vidbrowse.tui.screens.main import MainScreen
from vidbrowse.tui.terms import TermMatcher
from vidbrowse.tui.widgets.results import (
    COLUMNS,
    MIN_TITLE,
    ColumnLayout,
    ResultsList,
    fit,
    one_line,
)

TITLES = ("東京タワー 夜景 🎉 emoji", "plain title", "[bold]markup[/] \x1b[2J", "ñandú café")


class CountingResults(Results):
    """`total` synthetic rows, made on demand; remembers how many rows were asked for."""

    def __init__(self, total: int) -> None:
        super().__init__(
            query=ParsedQuery.parse(""), sort="views", reverse=False, total=total, facets={}
        )
        self.fetched = 0

    def rows(self, start: int, stop: int) -> list[Row]:
        stop = min(stop, self.total)
        self.fetched += max(0, stop - start)
        return [
            Row(
                rowid=i,
                path=f"_posts/{i}.md",
                vid_id=f"v{i}",
                title=f"{TITLES[i % len(TITLES)]} {i}",
                channel="チャンネル" if i % 2 else "Channel",
                uploaded=1_600_000_000 + i,
                posted=None,
                duration=None if i % 3 == 0 else 3723,
                views=None if i % 5 == 0 else 1_234_567,
                likes=None,
                dislikes=None,
                tags=(),
                categories=(),
            )
            for i in range(start, stop)
        ]


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ResultsList(id="results")


def test_fit_counts_wide_characters_as_two_cells() -> None:
    assert fit("東京", 6) == "東京  "
    assert cell_len(fit("東京タワー", 5)) == 5
    assert fit("東京タワー", 5).endswith("…")
    assert fit("1:32", 7, right=True) == "   1:32"
    assert one_line("a\nb\tc\x1b[2J\x9b") == "a b c\ufffd[2J\ufffd"


@pytest.mark.parametrize("width", [30, 56, 80, 120, 200])
def test_columns_always_fill_the_width_exactly(width: int) -> None:
    for names in (DEFAULT_COLUMNS, RESULT_COLUMNS, ("views", "tags")):
        columns = ColumnLayout.fit(width, names)
        cells = [cells for _, cells in columns.shown]
        assert sum(cells) + len(cells) - 1 == width
        assert cell_len(str(columns.header())) == width
        assert columns.names[0] == "title" or "title" in names
        assert dict(columns.shown)["title"] >= min(MIN_TITLE, width)


def test_columns_keep_their_order_and_leave_when_there_is_no_room() -> None:
    chosen = ("title", "views", "likes", "tags", "channel", "posted")
    assert ColumnLayout.fit(200, chosen).names == chosen
    assert ColumnLayout.fit(80, chosen).names == chosen
    assert ColumnLayout.fit(60, chosen).names == chosen[:-1]  # `posted` leaves first
    assert ColumnLayout.fit(50, chosen).names == ("title", "views", "likes", "posted")
    assert ColumnLayout.fit(30, chosen).names == ("title", "views")
    assert ColumnLayout.fit(120, ("views", "duration")).names == ("title", "views", "duration")
    assert set(COLUMNS) == set(RESULT_COLUMNS)


def test_the_list_fetches_only_a_window_of_100k_results() -> None:
    async def run() -> None:
        app = ListApp()
        async with app.run_test(size=(100, 30)) as pilot:
            listing = app.query_one(ResultsList)
            results = CountingResults(100_000)
            listing.show(results)
            listing.focus()
            await pilot.pause()
            assert listing.virtual_size.height == 100_000
            listing.end()
            await pilot.pause()
            assert listing.cursor == 99_999
            assert listing.scroll_offset.y == 100_000 - listing.scrollable_content_region.height
            listing.page(-3)
            listing.home()
            await pilot.pause()
            assert listing.current is not None and listing.current.rowid == 0
            # Three jumps across 100k rows touched a few windows, not the whole list.
            assert results.fetched < 2_000
            width = listing.scrollable_content_region.width
            for y in range(listing.scrollable_content_region.height):
                strip = listing.render_line(y)
                assert strip.cell_length == width
                assert "\x1b" not in strip.text
                # Every column starts at the same cell on every row, wide characters or not.
                title = next(iter(strip)).text
                assert cell_len(title) == dict(listing.columns.shown)["title"]

    asyncio.run(run())


def test_matcher_finds_stems_prefixes_and_folded_accents() -> None:
    text = "The Runners ran to the Café; caffeine later. Runner!"
    matcher = TermMatcher.from_terms([Term("runner"), Term("caf", kind="prefix")])
    found = [text[start:end] for start, end in matcher.spans(text)]
    assert found == ["Runners", "Café", "caffeine", "Runner"]
    phrase = TermMatcher.from_terms([Term("dog cats", kind="phrase")])
    assert phrase.spans("Cats, a dog, birds") == [(0, 4), (8, 11)]
    assert not TermMatcher.from_terms([])


def test_matcher_lights_stop_words_cjk_words_and_glued_words() -> None:
    def lit(query: list[Term], text: str) -> list[str]:
        return [text[start:end] for start, end in TermMatcher.from_terms(query).spans(text)]

    assert lit([Term("the who", kind="phrase")], "The Who, then the end") == ["The", "Who", "the"]
    assert lit([Term("東京")], "夜の東京タワー") == ["東京"]
    assert lit([Term("タワー")], "夜の東京タワー") == ["タワ", "ワー"]
    assert lit([Term("friday")], "*NEW VIDEO EVERY FRIDAY*") == ["FRIDAY"]
    assert lit([Term("*new", kind="prefix")], "*NEW VIDEO* newer") == ["NEW", "newer"]
    assert lit([Term("होता")], "यह होता है") == ["होता"]
    # Words run together: the part found lights up, or the whole word.
    assert lit([Term("cfour")], "CFour86 Arrival") == ["CFour"]
    assert lit([Term("cfour86")], "CFour86 Arrival") == ["CFour86"]
    assert lit([Term("mukherjee")], "#PranabMukherjeeIsNoMore") == ["Mukherjee"]


def test_every_command_has_one_binding_and_an_action_where_it_is_bound() -> None:
    ids = [command.id for command in COMMANDS]
    assert len(ids) == len(set(ids))
    bound = [binding.id for where in (APP, MAIN) for binding in bindings(where)]
    assert sorted(set(bound)) == sorted(ids)
    keys = [key.strip() for command in COMMANDS for key in command.keys.split(",")]
    assert len(keys) == len(set(keys)), "a key bound to two commands"
    owners = {APP: VidbrowseApp, MAIN: MainScreen, READER: MainScreen}  # the reader forwards
    for command in COMMANDS:
        for where in command.where:
            assert hasattr(owners[where], f"action_{command.id}"), (where, command.id)
        assert command.help.endswith(".")


def test_settings_round_trip_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDBROWSE_DATA_DIR", str(tmp_path / "data"))
    assert settings_path() == tmp_path / "data" / "settings.json"
    assert load_settings() == Settings()
    chosen = Settings(theme="ansi-dark")
    save_settings(chosen)
    assert load_settings() == chosen
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["settings.json"]


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2]", '{"theme": 3, "sort": ["x"], "reverse": "yes"}', "\udcff"],
)
def test_a_broken_settings_file_means_defaults(tmp_path: Path, content: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    assert load_settings(path) == Settings()


def test_one_bad_setting_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "nord", "sort": 5}), encoding="utf-8")
    assert load_settings(path) == Settings(theme="nord")

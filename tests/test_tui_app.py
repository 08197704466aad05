"""The TUI driven like a user would: keys in, widget state and rendered text out.

Runs on a small generated archive indexed once per module with the real Library, plus one post
full of markup and escape sequences.
"""

from __future__ import annotations

import re
import webbrowser
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from helpers.tui import (
    POSTS,
    SIZE,
    listened,
    make_archive,
    said,
    screen_text,
    scrolled_text,
    settle,
    settle_update,
    static_text,
    synchronous,
    type_query,
)
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.editing import selected_facets
from vidbrowse.core.query.language import exact_text
from vidbrowse.core.review.config import Config
from vidbrowse.core.review.settings import load_settings, settings_path
from vidbrowse.generate import generate_archive
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.commands import COMMANDS, VidbrowseCommands
from vidbrowse.tui.screens.dialogs import NoteScreen
from vidbrowse.tui.screens.help import HelpScreen
from vidbrowse.tui.screens.reader import ReaderScreen
from vidbrowse.tui.widgets.detail import DetailView
from vidbrowse.tui.widgets.facets import FacetList
from vidbrowse.tui.widgets.query_bar import QueryBar

EXPORT_FOREGROUND = "c5c8c6"  # the SVG export's own default text colour, not the app's


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_archive(tmp_path_factory.mktemp("tui"))


@synchronous
async def test_first_screen_lists_every_post_by_views(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.main_screen.results is not None
        assert app.main_screen.results.total == POSTS + 1
        assert app.main_screen.results.sort == library.search("").sort
        assert f"{POSTS + 1:,} posts" in static_text(app, "#results-status")
        first = app.main_screen.results_list.current
        assert first is not None and first.path == library.search("").rows(0, 1)[0].path


@synchronous
async def test_typing_a_query_searches_as_you_type(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_query(pilot, app, "music")
        expected = library.search("music")
        assert app.main_screen.results is not None and app.main_screen.query_text == "music"
        assert app.main_screen.results.total == expected.total < POSTS
        assert app.main_screen.results_list.current == expected.rows(0, 1)[0]
        # Enter leaves the query bar for the list.
        await pilot.press("enter")
        assert app.focused is app.main_screen.results_list


@synchronous
async def test_a_bad_query_shows_its_error_and_keeps_the_last_results(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_query(pilot, app, "music")
        good = app.main_screen.results
        # One edit, not key by key: on a loaded machine the debounce could fire after the space
        # and search `music ` (a valid query) before the quote arrives.
        app.query_one("#query-input", Input).value = 'music "unclosed'
        await settle(pilot, app)
        assert app.main_screen.results is good
        status = app.query_one("#query-status", Static)
        assert status.has_class("-error")
        shown = str(status.render())
        assert "^" in shown
        # The caret sits under the quote: prompt + 'music ' before it.
        assert shown.index("^") == len("» music ")
        # Fixing the query clears the error.
        app.query_one("#query-input", Input).value = "music"
        await settle(pilot, app)
        assert not status.has_class("-error")


@synchronous
async def test_moving_through_the_results(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        listing = app.main_screen.results_list
        await pilot.press("j", "j", "down")
        assert listing.cursor == 3
        await pilot.press("k")
        assert listing.cursor == 2
        await pilot.press("G")
        assert listing.cursor == POSTS
        assert listing.scroll_offset.y > 0
        await pilot.press("g")
        assert listing.cursor == 0
        await pilot.press("pagedown")
        assert listing.cursor == listing.scrollable_content_region.height - 1
        await pilot.press("pageup")
        assert listing.cursor == 0


@synchronous
async def test_the_detail_pane_follows_the_cursor_and_highlights_words(library: Library) -> None:
    app = VidbrowseApp(library, query="music", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        row = app.main_screen.results_list.current
        assert row is not None
        post = library.post(row.path)
        assert post is not None and app.main_screen.post == post
        meta = str(app.query_one("#detail-meta", Static).render())
        assert post.title.splitlines()[0][:20] in meta
        assert post.url in meta and row.path in meta
        body = app.query_one("#detail-body", Static).render()
        assert app.main_screen.matcher is not None and app.main_screen.matcher.spans(post.text)
        assert str(body).startswith(post.text.strip()[:30])


@synchronous
async def test_tag_filters_with_and_then_or(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        tags = app.query_one("#facet-tag", FacetList)
        assert app.focused is tags
        first = tags.get_option_at_index(0).value
        await pilot.press("space")
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == f"tag:{first}"
        one = app.main_screen.results
        assert one is not None and one.total == library.search(f"tag:{first}").total
        # The second tag: both required (AND).
        tags = app.query_one("#facet-tag", FacetList)
        second = next(
            tags.get_option_at_index(i).value
            for i in range(tags.option_count)
            if tags.get_option_at_index(i).value != first
        )
        index = next(
            i for i in range(tags.option_count) if tags.get_option_at_index(i).value == second
        )
        tags.highlighted = index
        await pilot.press("space")
        await settle(pilot, app)
        both = selected_facets(app.main_screen.query_bar.text)["tag"]
        assert set(both.values) == {first, second} and both.mode == "and"
        assert app.main_screen.results is not None
        assert (
            app.main_screen.results.total
            == library.search(app.main_screen.query_bar.text).total
            <= one.total
        )
        # m switches to any (OR): at least as many posts as either tag alone.
        await pilot.press("m")
        await settle(pilot, app)
        either = selected_facets(app.main_screen.query_bar.text)["tag"]
        assert set(either.values) == {first, second} and either.mode == "or"
        assert " OR " in app.main_screen.query_bar.text
        assert app.main_screen.results.total >= one.total
        assert set(app.query_one("#facet-tag", FacetList).selected) == {first, second}
        # x clears every filter.
        await pilot.press("x")
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == ""


@synchronous
async def test_editing_the_query_updates_the_facet_selection(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_query(pilot, app, "tag:zzhostile")
        assert app.query_one("#facet-tag", FacetList).selected == ["zzhostile"]
        assert app.main_screen.results is not None and app.main_screen.results.total == 1


@synchronous
async def test_clicking_a_row_highlights_it(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.click("#results", offset=(5, 4))
        assert app.main_screen.results_list.cursor == 4
        assert app.focused is app.main_screen.results_list


@synchronous
async def test_sort_cycles_and_reverses_for_the_session(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.main_screen.results is not None
        before = app.main_screen.results.sort
        await pilot.press("s")
        await settle(pilot, app)
        after = app.main_screen.results.sort
        assert after != before and after != "relevance"  # no words: relevance is skipped
        assert f"sorted by {after} ↓" in static_text(app, "#results-status")
        await pilot.press("r")
        await settle(pilot, app)
        assert app.main_screen.results.reverse is True
        assert f"sorted by {after} ↑" in static_text(app, "#results-status")
        rows = app.main_screen.results.rows(0, app.main_screen.results.total)
        expected = library.search("", sort=after, reverse=True).rows(
            0, app.main_screen.results.total
        )
        assert rows == expected
    again = VidbrowseApp(library, needs_update=False)  # the next session: the default order
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        fresh = again.main_screen.results
        assert fresh is not None and (fresh.sort, fresh.reverse) == (before, False)


@synchronous
async def test_a_word_query_is_sorted_by_relevance_whatever_an_old_session_chose(
    library: Library,
) -> None:
    """A sort chosen with `s` was once saved and applied to the next session in every archive:
    a word query on another archive came sorted by duration."""
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text('{"sort": "duration", "reverse": true}', encoding="utf-8")
    word = library.search("").rows(0, 1)[0].title.split()[0]
    app = VidbrowseApp(library, query=word, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        results = app.main_screen.results
        assert results is not None and results.total > 0
        assert (results.sort, results.reverse) == ("relevance", False)
        assert "sorted by relevance ↓" in static_text(app, "#results-status")


@synchronous
async def test_enter_reads_the_post_full_screen_and_escape_returns(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        row = app.main_screen.results_list.current
        assert row is not None
        await pilot.press("enter")
        assert isinstance(app.screen, ReaderScreen)
        assert row.path in str(app.screen.query_one("#detail-meta", Static).render())
        # A background index commit re-runs the search under the reader: the main screen
        # updates without disturbing it.
        app.main_screen.search_now(keep_row=row)
        await settle(pilot, app)
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("j", "escape")
        assert not isinstance(app.screen, ReaderScreen)
        assert app.main_screen.results_list.cursor == 0


@synchronous
async def test_the_reader_runs_post_commands_on_the_post_it_shows(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        row = app.main_screen.results_list.current
        await pilot.press("enter")
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and row is not None and app.review is not None
        # Its key: the main screen stars its highlighted post, the one read, and the reader
        # shows the new mark.
        await pilot.press("asterisk")
        await settle(pilot, app)
        assert app.screen is reader and app.review.marks.get(row).starred
        assert "starred" in str(reader.query_one("#detail-meta", Static).render())
        # The palette over the reader runs it the same way.
        hits = [hit async for hit in VidbrowseCommands(reader).search("Star")]
        await hits[0].command()
        await settle(pilot, app)
        assert not app.review.marks.get(row).starred
        # `/` leaves the reader for the query bar.
        await pilot.press("slash")
        assert app.screen is app.main_screen and isinstance(app.focused, Input)


@synchronous
async def test_copy_puts_the_url_on_the_clipboard_and_says_so(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await pilot.press("c")
        post = app.main_screen.post
        assert post is not None and copied == [post.url]
        assert [n.message for n in app._notifications] == [post.url]


@synchronous
async def test_open_without_a_browser_says_so(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_browser(using: str | None = None) -> webbrowser.BaseBrowser:
        raise webbrowser.Error("none")

    monkeypatch.setattr(webbrowser, "get", no_browser)
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("o")
        assert any("No graphical web browser" in n.message for n in app._notifications)


@synchronous
async def test_a_vanished_post_is_reported_calmly(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library, "post", lambda path: None)
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "no longer in the archive" in static_text(app, "#detail-body")


@synchronous
async def test_help_lists_every_command_with_its_keys(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = await scrolled_text(pilot, app)
        keys = app.key_display()
        for command in COMMANDS:
            assert command.description in shown
            assert keys[command.id].split()[0] in shown
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@synchronous
async def test_the_palette_offers_every_command(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        provider = VidbrowseCommands(app.screen)
        found = [hit.text async for hit in provider.discover()]
        assert len(found) == len(COMMANDS)
        hits = [hit async for hit in provider.search("revers")]
        assert hits and "Reverse" in str(hits[0].match_display)
        # Running a palette command acts like its key.
        await hits[0].command()
        await settle(pilot, app)
        assert app.main_screen.reverse is True


@synchronous
async def test_markup_and_escapes_in_posts_are_shown_literally(library: Library) -> None:
    app = VidbrowseApp(library, query="tag:zzhostile", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_text(app)
        assert "[bold]Bold[/] [@click=app.quit]click me[/]" in screen
        assert "[red]Evil channel" in screen
        assert "\x1b" not in static_text(app, "#detail-body")
        assert "[bold]not bold[/]" in static_text(app, "#detail-body")
        assert "\x1b" not in static_text(app, "#detail-meta")
        assert "[link=file:///etc/passwd]pw[/link]" in static_text(app, "#detail-meta")
        # The [@click=app.quit] in the title is text: clicking it does not quit.
        await pilot.click("#results", offset=(10, 0))
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.query_one("#detail", DetailView), DetailView)


@synchronous
async def test_background_update_fills_the_list(tmp_path: Path) -> None:
    archive, cache = tmp_path / "archive", tmp_path / "cache"
    generate_archive(archive, 40, seed=3)
    library = Library.open(archive, cache_dir=cache)
    try:
        app = listened(VidbrowseApp(library, needs_update=True))
        async with app.run_test(size=SIZE) as pilot:
            await settle_update(pilot, app, 40)
            assert app.main_screen.results is not None and app.main_screen.results.total == 40
            assert not app.query_one("#update").has_class("-active")
            assert "40 posts indexed" in said(app)
    finally:
        library.close()


@synchronous
async def test_query_bar_keys_type_text_instead_of_running_commands(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"jkgGsrtcoqx?")
        assert app.query_one(QueryBar).text == "jkgGsrtcoqx?"
        assert app.is_running and app.main_screen.sort is None


@synchronous
async def test_an_up_to_date_index_starts_quietly(library: Library) -> None:
    app = VidbrowseApp(library)  # needs_update defaults to a background check
    async with app.run_test(size=SIZE) as pilot:
        await settle_update(pilot, app)
        assert not app.main_screen.update_row.updating
        assert not app.query_one("#update").has_class("-active")
        assert not app._notifications
        assert app.main_screen.results is not None and app.main_screen.results.total == POSTS + 1


@synchronous
async def test_clicking_a_tag_filters_by_it(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        tags = app.query_one("#facet-tag", FacetList)
        first = tags.get_option_at_index(0).value
        await pilot.click("#facet-tag", offset=(4, 1))  # row 0 is the list's top border
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == f"tag:{first}"


@synchronous
async def test_escape_leaves_the_query_bar_for_the_list(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("escape")
        assert app.focused is app.main_screen.results_list
        await pilot.press("tab")
        assert app.focused is not app.main_screen.results_list


@synchronous
async def test_the_theme_is_remembered(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.theme = "ansi-dark"
        await pilot.pause()
    assert load_settings().theme == "ansi-dark"
    again = VidbrowseApp(library, needs_update=False)
    assert again.theme == "ansi-dark"


@synchronous
async def test_no_color_is_respected(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.no_color
        svg = app.export_screenshot()
        # Textual's Monochrome filter: every colour on screen is a grey.
        colours = set(re.findall(r"fill: #([0-9a-f]{6})", svg)) - {EXPORT_FOREGROUND}
        assert len(colours) > 3 and all(c[0:2] == c[2:4] == c[4:6] for c in colours)


@synchronous
async def test_open_hands_the_url_to_a_graphical_browser(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    class Recorder(webbrowser.BackgroundBrowser):
        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            opened.append(url)
            return True

    monkeypatch.setattr(webbrowser, "get", lambda using=None: Recorder("true"))
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("o")
        assert app.main_screen.post is not None and opened == [app.main_screen.post.url]


@synchronous
async def test_ticking_channels_selects_either_of_them(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        channels = app.query_one("#facet-channel", FacetList)
        channels.focus()
        first = channels.get_option_at_index(0).value
        await pilot.press("space")
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == exact_text("channel", first)
        assert app.main_screen.results is not None and app.main_screen.results.total > 0
        assert {
            row.channel for row in app.main_screen.results.rows(0, app.main_screen.results.total)
        } == {first}
        # The list still offers the other channels, with what each finds: tick a second one.
        channels = app.query_one("#facet-channel", FacetList)
        assert channels.option_count > 1
        channels.highlighted = 1
        second = channels.get_option_at_index(1).value
        await pilot.press("space")
        await settle(pilot, app)
        both = selected_facets(app.main_screen.query_bar.text)["channel"]
        assert set(both.values) == {first, second} and both.mode == "or"
        shown = {
            row.channel for row in app.main_screen.results.rows(0, app.main_screen.results.total)
        }
        assert shown == {first, second}
        assert set(app.query_one("#facet-channel", FacetList).selected) == {first, second}


@synchronous
async def test_results_of_an_outdated_search_are_dropped(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, app, "music")
        shown = app.main_screen.results
        stale = library.search("zzhostile")
        app.main_screen._show_results(app.main_screen.generation - 1, stale, None)
        await settle(pilot, app)
        assert app.main_screen.results is shown and app.main_screen.query_text == "music"


@synchronous
async def test_config_sets_theme_sort_debounce_and_keys(library: Library) -> None:
    config = Config(
        theme="nord",
        sort="views",
        reverse=True,
        debounce_ms=0,
        keymap={"cycle_sort": "S", "no_such_action": "z"},
    )
    app = VidbrowseApp(library, needs_update=False, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.theme == "nord" and app.main_screen.debounce == 0
        assert (
            app.main_screen.results is not None
            and app.main_screen.results.sort == "views"
            and app.main_screen.results.reverse
        )
        assert app.key_display()["cycle_sort"] == "S"
        await pilot.press("S")
        await settle(pilot, app)
        assert app.main_screen.results.sort == "likes"
        await pilot.press("s")  # rebound: the old key does nothing now
        await settle(pilot, app)
        assert app.main_screen.results.sort == "likes"
        assert any("no_such_action" in n.message for n in app._notifications)


@synchronous
async def test_star_read_and_note_marks(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        row = app.main_screen.results_list.current
        assert row is not None and app.review is not None
        await pilot.press("asterisk")
        await settle(pilot, app)
        assert app.review.marks.get(row).starred
        assert screen_text(app).count("★ ") == 1
        assert screen_text(app).count("★ •") == 1  # starred, no note, unread
        assert "starred" in static_text(app, "#detail-meta")
        # Reading it full-screen marks it read.
        await pilot.press("enter")
        await pilot.press("escape")
        assert app.review.marks.get(row).read
        await settle(pilot, app)
        assert screen_text(app).count("★ •") == 0
        await pilot.press("u")
        assert not app.review.marks.get(row).read
        # A note, then a query that finds it.
        await pilot.press("n")
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"watch", "enter", *"later", "ctrl+s")
        await settle(pilot, app)
        assert app.review.marks.get(row).note == "watch\nlater"
        await type_query(pilot, app, "is:starred note:later")
        assert app.main_screen.results is not None and app.main_screen.results.total == 1
        assert app.main_screen.results_list.current == row

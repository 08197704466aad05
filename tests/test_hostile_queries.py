"""Whatever a user types (or a script passes) as a query: a result or a QueryError with a position,
never another exception, in the core, the command line and the app; and CLI options out of range
are one line, not a traceback."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.widgets import Input

from helpers.cli import cli_env, run_cli
from helpers.posts import write_posts
from helpers.tui import SIZE, screen_text, settle
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.language import QueryError, parse_query
from vidbrowse.core.query.search import SORT_KEYS
from vidbrowse.tui.app import VidbrowseApp

PIECES = st.sampled_from([
    "(", ")", "(", ")", "NOT ", "-", "OR ", "AND ", '"', "*", "?", ":", "..", ">", "<=", " ",
    "tag:", "id:", "title:", "views:", "duration:", "uploaded:", "posted:", "is:", "has:",
    "note:", "category:", "channel:", "w3x", "t1", "2014", "2014-03", "1h30m", "1:30", "10k",
    "-1", "1e308", "9" * 30, "\x1b[2J", "[bold]", "\u202e", "\x00", "é", "日本",
    "~", "golf~", "9" * 5000, "1.", "k", "M", "9" * 19, "\udcff", "!!!", "...", "1:",
])  # fmt: skip

QUERIES = st.one_of(st.text(max_size=40), st.lists(PIECES, max_size=25).map("".join))


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("queries")
    write_posts(root / "archive", range(30))
    with Library.open(root / "archive", cache_dir=root / "cache") as opened:
        opened.update()
        yield opened


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUERIES)
def test_any_query_parses_or_says_where_it_is_wrong(text: str) -> None:
    try:
        parse_query(text)
    except QueryError as error:
        assert 0 <= error.position <= len(text) and "\n" not in str(error)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(QUERIES, st.sampled_from(SORT_KEYS), st.booleans())
def test_any_query_searches_or_says_why_not(
    library: Library, text: str, sort: str, reverse: bool
) -> None:
    try:
        results = library.search(text, sort=sort, reverse=reverse)
    except QueryError:
        return
    assert 0 <= results.total <= 30
    assert len(results.rows(0, results.total)) == results.total


LONG = "9" * 5000


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        (f"golf~{LONG}", "'golf~999999999999999999999999…': fuzzy distance must be 1 or 2", 0),
        (f"duration:{LONG}", "a number of 5000 digits is too large for 'duration:'", 9),
        (f"views:>1 duration:1:{LONG}:00", "a number of 5000 digits is too large", 20),
        (f"likes:1.{LONG}k", "a number of 5000 digits is too large for 'likes:'", 8),
        ("views:>9999999999999999999", "'9999999999999999999' is too large for 'views:'", 7),
        ("views:99999999999b", "'99999999999b' is too large for 'views:'", 6),
        ("!!! ...", "nothing to search for: the query has no letters or digits", 0),
        ("-&& -&: …", "nothing to search for", 0),
        ("\udcff\udcfe", "byte 0xff is not UTF-8 text", 0),
        ("golf \udce9t\udce9", "byte 0xe9 is not UTF-8 text", 5),
    ],
    ids=lambda value: value[:12] if isinstance(value, str) else str(value),
)
def test_numbers_of_any_length_and_empty_queries_are_clear_errors(
    text: str, message: str, position: int
) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert str(caught.value).startswith(message)
    assert caught.value.position == position
    assert len(str(caught.value)) < 200


def test_a_blank_query_still_lists_every_post(library: Library) -> None:
    assert library.search("").total == library.search("  \t ").total == 30


@pytest.mark.parametrize(
    "query",
    [f"golf~{LONG}", f"duration:{LONG}", "!!! ...", os.fsdecode(b"\xff\xfe")],
    ids=["fuzzy", "duration", "punctuation", "bytes"],
)
def test_the_command_line_says_one_line_and_exits_2(tmp_path: Path, query: str) -> None:
    write_posts(tmp_path / "archive", range(3))
    done = run_cli("search", str(tmp_path / "archive"), query, env=cli_env(tmp_path / "cache"))
    assert (done.returncode, done.stdout) == (2, b"")
    error = done.stderr.decode()
    assert error.startswith("vidbrowse: bad query: ") and len(error.splitlines()) == 1
    assert "Traceback" not in error and "limit" not in error and len(error) < 200


# What a user does in the app between queries: sort, reverse, tick a filter, read, come back.
ACTIONS = st.lists(
    st.sampled_from([("s",), ("r",), ("t", "space"), ("escape", "enter"), ("escape",), ("j",)]),
    max_size=3,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(QUERIES, ACTIONS), min_size=1, max_size=6))
@example([(f"golf~{LONG}", [("s",)]), ("!!!", [("t", "space")])])  # the crash
def test_the_app_survives_any_query(library: Library, session: list[tuple[str, list]]) -> None:
    asyncio.run(_drive(library, session))


async def _drive(library: Library, session: list[tuple[str, list]]) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:  # an exception in the app fails the test here
        await settle(pilot, app)
        for text, actions in session:
            await pilot.press("slash")
            app.query_one("#query-input", Input).value = text
            await settle(pilot, app)
            assert "Search failed" not in screen_text(app)
            await pilot.press("enter")  # to the results, where keys are actions
            for keys in actions:
                await pilot.press(*keys)
                await settle(pilot, app)
            assert app.is_running
            assert "Search failed" not in screen_text(app)
        await pilot.press("slash")
        app.query_one("#query-input", Input).value = "w3x"
        await settle(pilot, app)
        assert "1 post" in screen_text(app)


@pytest.mark.parametrize("text", ["(" * 5000 + "x", "NOT " * 5000 + "x", "-(" * 3000 + "x"])
def test_absurdly_nested_queries_are_refused(text: str) -> None:
    with pytest.raises(QueryError, match="nested too deeply"):
        parse_query(text)


@pytest.mark.parametrize(
    "args",
    [
        ("facets", "{a}", "--limit", "-1"),
        ("search", "{a}", "", "--limit", "-5"),
        ("search", "{a}", "(" * 3000 + "x"),
        ("problems", "{a}", "--examples", "-1"),
    ],
)
def test_bad_options_are_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    write_posts(tmp_path / "archive", range(3))
    done = run_cli(
        *(a.format(a=tmp_path / "archive") for a in args), env=cli_env(tmp_path / "cache")
    )
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

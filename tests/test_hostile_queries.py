"""Whatever a user types (or a script passes) as a query: a result or a QueryError with a position,
never another exception; and CLI options out of range are one line, not a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.cli import cli_env, run_cli
from helpers.posts import write_posts
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.language import QueryError, parse_query
from vidbrowse.core.query.search import SORT_KEYS

PIECES = st.sampled_from([
    "(", ")", "(", ")", "NOT ", "-", "OR ", "AND ", '"', "*", "?", ":", "..", ">", "<=", " ",
    "tag:", "id:", "title:", "views:", "duration:", "uploaded:", "posted:", "is:", "has:",
    "note:", "category:", "channel:", "w3x", "t1", "2014", "2014-03", "1h30m", "1:30", "10k",
    "-1", "1e308", "9" * 30, "\x1b[2J", "[bold]", "\u202e", "\x00", "é", "日本",
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

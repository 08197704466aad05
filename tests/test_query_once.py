"""Each search is analysed once: the query text is parsed once per search (in the app, on the
command line and in the library), and deleted documents are masked once per commit, not per
search."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.posts import post_text, write_posts
from helpers.tui import SIZE, make_archive, settle, synchronous, type_query
from vidbrowse import cli
from vidbrowse.core.engine import whoosh_formats
from vidbrowse.core.library.library import Library
from vidbrowse.core.query import language
from vidbrowse.core.query.language import ParsedQuery
from vidbrowse.tui.app import VidbrowseApp


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_archive(tmp_path_factory.mktemp("once"), 40)


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the query language reads from now on, one entry per reading."""
    read: list[str] = []
    real = language.tokenize

    def counting(text: str) -> list[language.Token]:
        read.append(text)
        return real(text)

    monkeypatch.setattr(language, "tokenize", counting)
    return read


@synchronous
async def test_the_app_parses_each_search_once(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = VidbrowseApp(library, needs_update=False)
    searched: list[str] = []
    real_search = library.search

    def search(query: str | ParsedQuery, **options: object) -> object:
        searched.append(query if isinstance(query, str) else query.text)
        return real_search(query, **options)  # type: ignore[arg-type]

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        read = count_parses(monkeypatch)
        monkeypatch.setattr(library, "search", search)
        await type_query(pilot, app, "music tag:x")
        screen = app.main_screen
        assert screen.results is not None and screen.results.query.text == "music tag:x"
        assert screen.matcher is not None and screen.matcher.words  # the highlighter got the words
        # One reading per search: the query bar, highlighter and facets share it. Counted, not
        # listed: on a loaded machine the debounce may also search a prefix typed so far, and an
        # empty query is never read.
        assert searched and Counter(read) == Counter(text for text in searched if text)


def test_a_command_parses_its_query_once(
    indexed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    archive, cache = indexed
    read = count_parses(monkeypatch)
    for command in ("search", "stats", "facets"):
        read.clear()
        assert cli.main([command, str(archive), "music", "--index-dir", str(cache)]) in (0, 1)
        assert read == ["music"], command
    capsys.readouterr()


@pytest.fixture
def with_deletions(tmp_path: Path) -> Iterator[Library]:
    archive = tmp_path / "archive"
    paths = write_posts(archive, range(30))
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        (archive / paths[0]).write_text(post_text(0, title="changed w0x"), encoding="utf-8")
        library.update()  # the old version stays in its segment, deleted
        yield library


def test_a_search_does_not_mask_deleted_documents_again(
    with_deletions: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = with_deletions
    masked: list[int] = []
    real = whoosh_formats.deleted_docnums

    def counting(reader: object) -> object:
        found = real(reader)  # type: ignore[arg-type]
        masked.append(len(found))
        return found

    monkeypatch.setattr(whoosh_formats, "deleted_docnums", counting)
    library._home.reload_view()
    assert masked == [1]  # the view masks the old version once, when it opens
    results = library.search("w0x")
    assert results.total == 1 and results.rows(0, 1)[0].title == "changed w0x"
    assert masked == [1]

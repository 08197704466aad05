"""The seam around whoosh3's internals (core/engine/whoosh_formats): the probe passes on the
installed whoosh3; a fast way that breaks is noticed (by the probe, and by the count of reads
handed to the public API); searches and builds through Whoosh's public API find exactly what the
fast way finds; a fallback is said in one line, never a traceback."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import whoosh
import whoosh.index
from whoosh.fields import ID, TEXT, Schema

from helpers.cli import VIDBROWSE, cli_env
from helpers.posts import touch_later
from vidbrowse.core.engine import builders, bulkwriter, index, whoosh_formats
from vidbrowse.core.engine.postings import PostingSources, SearcherCache
from vidbrowse.core.engine.whoosh_formats import probe, segments, terms
from vidbrowse.core.library import writing
from vidbrowse.core.library.library import Library
from vidbrowse.core.query import search
from vidbrowse.generate import generate_archive

# Words, stems, prefixes, typos, phrases, fields, negations: every way a query reads postings.
QUERIES = [
    "music",
    "video game",
    "music OR song",
    "playing",
    "mus*",
    "gam*",
    "muzic~",
    "gaem~",
    '"music video"',
    '"the game"',
    "title:music",
    "tags:music",
    "music -game",
    "zzzznothing",
]
Answers = tuple[list[tuple[int, list[tuple[str, float | None]]]], list[int]]


def _ways(monkeypatch: pytest.MonkeyPatch, *, read: bool | None, write: bool | None) -> None:
    monkeypatch.setattr(whoosh_formats.Ways, "read", read)
    monkeypatch.setattr(whoosh_formats.Ways, "write", write)
    monkeypatch.setattr(whoosh_formats.Ways, "fallbacks", 0)
    # Postings kept per searcher would carry one way's reads into the other's.
    monkeypatch.setattr(search, "_CACHE", SearcherCache())


def _small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Updates of a few posts take the bulk path (new segments built apart)."""
    monkeypatch.setattr(writing, "FIRST_BATCH", 40)
    monkeypatch.setattr(writing, "BULK_MIN", 20)


def _edit(archive: Path, count: int) -> None:
    """Change the first `count` posts: their old versions stay in the index, deleted."""
    for path in sorted((archive / "_posts").iterdir())[:count]:
        path.write_bytes(path.read_bytes().replace(b"title:", b"title: music game", 1))
        touch_later(path)


def _answers(archive: Path, cache: Path) -> Answers:
    """Each query's total and first rows (path, score), and docnum → rowid."""
    with Library.open(archive, cache_dir=cache) as lib:
        found = []
        for text in QUERIES:
            results = lib.search(text)
            rows = [(row.path, row.score) for row in results.rows(0, 40)]
            found.append((results.total, rows))
        view = lib._home.need_view()
        assert view.searcher.reader().has_deletions()  # deleted documents are covered
        return found, view.docnum_rowids.tolist()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Answers]]:
    """An archive indexed the fast way (bulk segments, then Whoosh's writer for a few changed
    posts) and what the fast way answers."""
    archive = tmp_path_factory.mktemp("archive")
    cache = tmp_path_factory.mktemp("cache")
    generate_archive(archive, 150, seed=7)
    with pytest.MonkeyPatch.context() as mp:
        _ways(mp, read=True, write=True)
        _small_batches(mp)
        with Library.open(archive, cache_dir=cache) as lib:
            lib.update()
        _edit(archive, 8)
        with Library.open(archive, cache_dir=cache) as lib:
            assert lib.update().changed == 8
        answers = _answers(archive, cache)
        assert whoosh_formats.Ways.fallbacks == 0
    assert sum(total for total, _ in answers[0]) > 200  # the queries find something
    yield archive, cache, answers


def test_the_probe_finds_the_installed_whoosh3_as_the_seam_expects() -> None:
    assert probe.reading() is None
    assert probe.writing(index.SCHEMA) is None


def test_searches_through_the_public_api_find_the_same(
    built: tuple[Path, Path, Answers], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, cache, fast = built
    _ways(monkeypatch, read=False, write=False)
    assert _answers(archive, cache) == fast


def test_a_build_through_whoosh_writer_finds_the_same(
    built: tuple[Path, Path, Answers], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, _, fast = built
    _ways(monkeypatch, read=True, write=False)
    _small_batches(monkeypatch)
    batches: list[int] = []
    real = builders.PublicBulkWriter.build

    def counting(self: builders.PublicBulkWriter, items: list[object], *args: object) -> object:
        batches.append(len(items))
        return real(self, items, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(builders.PublicBulkWriter, "build", counting)
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)  # the edited archive, built afresh
    with Library.open(copy) as lib:
        lib.update()
        assert sum(batches) == 150
        found = []
        for text in QUERIES:
            results = lib.search(text)
            found.append((results.total, [row.path for row in results.rows(0, 40)]))
    assert found == [(total, [path for path, _ in rows]) for total, rows in fast[0]]


def _break_block_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a whoosh3 whose posting files changed would do to the fast reader."""

    def broken(*_: object) -> object:
        raise ValueError("not a postings list")

    monkeypatch.setattr(terms, "decode", broken)
    monkeypatch.setattr(terms, "term_blocks", broken)
    monkeypatch.setattr(probe, "_key", lambda: "another-whoosh3")  # verdicts noted: not its


def test_a_broken_block_reader_is_noticed(
    built: tuple[Path, Path, Answers],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    archive, cache, fast = built
    _break_block_reader(monkeypatch)
    # Words are read from the segments' files of positions (our own, whatever whoosh3 does):
    # without them, from the broken blocks.
    monkeypatch.setattr(whoosh_formats, "frequent_positions", lambda _: None)
    assert probe.reading() is not None
    # Past the probe (forced fast here), each read it hands to the public API is counted:
    # the engine tests' fixture fails on any.
    _ways(monkeypatch, read=True, write=True)
    with Library.open(archive, cache_dir=cache) as lib:
        assert lib.search("music").total == fast[0][0][0]
        PostingSources(lib._home.need_view().searcher.reader()).postings("text", "music")
    assert whoosh_formats.Ways.fallbacks > 0
    # At open, the probe sends both sides to the public API, in one line.
    _ways(monkeypatch, read=None, write=None)
    with caplog.at_level(logging.WARNING):
        assert _answers(archive, cache) == fast
        assert not whoosh_formats.fast_writing(index.SCHEMA)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    line = caplog.records[0].getMessage()
    assert "\n" not in line and "does not read as expected" in line and "public API" in line


def test_a_writer_the_probe_finds_broken_falls_back_to_whoosh_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_postings(*_: object) -> None:
        """What a whoosh3 whose term infos changed would leave: terms without postings."""

    monkeypatch.setattr(segments.TermWriter, "add", no_postings)
    _ways(monkeypatch, read=True, write=None)
    _small_batches(monkeypatch)
    archive = tmp_path / "archive"
    generate_archive(archive, 60, seed=3)
    with caplog.at_level(logging.WARNING), Library.open(archive) as lib:
        summary = lib.update()
        assert summary.posts == 60
        assert lib.search("").total == 60
        assert lib.search("music").total > 0
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        f"vidbrowse: whoosh {whoosh.versionstring()} does not write as expected"
    ]


def test_a_schema_the_bulk_writer_cannot_build_goes_to_whoosh_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """It used to end in RuntimeError("bulkwriter cannot build this schema")."""
    _ways(monkeypatch, read=True, write=None)
    schema = Schema(path=ID(stored=True), text=TEXT)
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = whoosh.index.create_in(str(folder), schema)
    with caplog.at_level(logging.WARNING):
        writer = index.writer(ix, bulk=True)
    assert isinstance(writer, builders.PublicBulkWriter)
    assert "cannot build this schema" in caplog.text and len(caplog.records) == 1
    with builders.Builders(bulkwriter.as_document, 0) as pool:
        assert writer.build([{"path": "a", "text": "hello world"}], pool) == [None]
    writer.commit()
    with ix.searcher() as s:
        assert s.doc_count() == 1


BROKEN_RUN = """
import sys
from vidbrowse.core.engine.whoosh_formats import probe, terms
def broken(*_):
    raise ValueError("not a postings list")
terms.decode = terms.term_blocks = broken
probe._key = lambda: "another-whoosh3"  # the sound run's verdict is not this whoosh3's
from vidbrowse import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def test_the_cli_says_so_in_one_line(built: tuple[Path, Path, Answers], tmp_path: Path) -> None:
    archive = built[0]
    env = cli_env(tmp_path / "cache")
    args = ["search", str(archive), "music video", "--json"]
    sound = subprocess.run([*VIDBROWSE, *args], capture_output=True, env=env, timeout=120)
    broken = subprocess.run(
        [sys.executable, "-c", BROKEN_RUN, *args], capture_output=True, env=env, timeout=120
    )
    assert sound.returncode == broken.returncode == 0, broken.stderr.decode()
    assert broken.stdout == sound.stdout and sound.stdout.count(b"\n") > 3
    (line,) = broken.stderr.decode().splitlines()
    assert line.startswith("vidbrowse: whoosh ") and "public API" in line, line
    assert sound.stderr == b""

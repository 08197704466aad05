"""What opening an indexed archive builds and what a start imports: the docnum → rowid map read
in one piece (right after updates, deletions and merges), the default order saved with the
columns, and commands that import only what they use."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from helpers.posts import post_text, touch_later, write_posts
from vidbrowse.core.engine import index, whoosh_formats
from vidbrowse.core.library import writing
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.columns import Columns


def whoosh_rowids(lib: Library) -> np.ndarray:
    """The map as Whoosh's own column reader gives it, one document at a time, with deleted
    documents and documents the store does not know as -1."""
    view = lib._home.view
    assert view is not None
    reader = view.searcher.reader()
    count = reader.doc_count_all()
    rowids = np.fromiter(reader.column_reader("rowid"), dtype=np.int64, count=count)
    live = np.zeros(len(rowids), dtype=bool)
    live[list(reader.all_doc_ids())] = True
    known = np.isin(rowids, view.columns.rowids)
    return np.where(live & known, rowids, -1)


def check_view(lib: Library) -> None:
    view = lib._home.view
    assert view is not None
    assert view.docnum_rowids.tolist() == whoosh_rowids(lib).tolist()
    # Every post the store holds is found by the word only it has, and only once.
    for path in view.columns.paths:
        number = int(path.removesuffix(".md")[-5:])
        assert [row.path for row in lib.search(f"w{number}x").rows(0, 5)] == [path]


@contextmanager
def updated_library(tmp_path: Path, posts: int) -> Iterator[Library]:
    """An archive of `posts` posts in `tmp_path / "archive"`, opened and indexed."""
    archive = tmp_path / "archive"
    write_posts(archive, range(posts))
    with Library.open(archive) as lib:
        lib.update()
        yield lib


def test_the_map_stays_right_through_updates_deletions_and_merges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(40))
    monkeypatch.setattr(writing, "BULK_MIN", 10)  # the bulk writer makes segments of its own
    with Library.open(archive) as lib:
        lib.update()
        check_view(lib)
        for i in (3, 17, 29):  # changed: the old documents stay, deleted, until a merge
            changed = archive / f"_posts/p{i:05}.md"
            changed.write_text(post_text(i, title=f"changed {i}"))
            touch_later(changed)
        for i in (5, 6):
            (archive / f"_posts/p{i:05}.md").unlink()
        lib.update()
        assert lib._home.view is not None and lib._home.view.searcher.reader().has_deletions()
        check_view(lib)
        write_posts(archive, range(40, 60))  # a bulk batch: new segments after the old
        lib.update()
        check_view(lib)
        # Merge every segment into one (deletions dropped, docnums renumbered), then reopen.
        view = lib._home.view
        assert view is not None
        view.ix.optimize()
    with Library.open(archive) as lib:
        assert lib._home.view is not None
        assert len(list(lib._home.view.searcher.reader().leaf_readers())) == 1
        check_view(lib)
        assert lib.search("changed").total == 3


def test_the_map_ignores_documents_the_store_does_not_know(tmp_path: Path) -> None:
    with updated_library(tmp_path, 5) as lib:
        view = lib._home.view
        assert view is not None
        writer = index.writer(view.ix)  # as an update that crashed before its SQLite commit
        writer.add_document(**index.document(999, lib.find("v00001")[0]))
        writer.commit()
        lib._home.reload_view()
        check_view(lib)
        assert [row.path for row in lib.search("w1x").rows(0, 5)] == ["_posts/p00001.md"]


def test_a_segment_read_the_slow_way_gives_the_same_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with updated_library(tmp_path, 12) as lib:
        assert lib._home.view is not None
        searcher = lib._home.view.searcher
        fast = index.docnum_rowids(searcher)
        # A column of another layout than the one read in bulk: Whoosh's reader does it.
        other = type("Other", (), {"Reader": type(None)})
        monkeypatch.setattr(whoosh_formats.docs, "NumericColumn", other)
        assert index.docnum_rowids(searcher).tolist() == fast.tolist()


def test_the_saved_columns_hold_the_default_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    with updated_library(tmp_path, 12) as lib:
        expected = [row.path for row in lib.search("").rows(0, 12)]

    def no_sorting(*_: object) -> np.ndarray:
        raise AssertionError("the order should have been loaded with the columns")

    monkeypatch.setattr(Columns, "title_rank", no_sorting)
    with Library.open(archive) as lib:
        assert [row.path for row in lib.search("").rows(0, 12)] == expected
        assert lib.search("words").total == 12  # relevance ties follow the upload order


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["search", "--help"],
        ["--version"],
        ["search"],  # missing arguments
        ["search", "x", "y", "--sort", "nonsense"],
        ["locate", "cache"],
    ],
)
def test_help_and_argument_errors_import_no_engine(args: list[str]) -> None:
    code = (
        "import sys\nfrom vidbrowse.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'whoosh', 'textual'})\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, timeout=60
    )
    assert "HEAVY []" in done.stderr, done.stderr


def test_a_search_with_nothing_to_update_imports_no_parser_or_builder(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(12))
    code = (
        "import sys\nfrom pathlib import Path\nfrom vidbrowse.core.library.library import Library\n"
        f"with Library.open(Path({str(archive)!r})) as lib:\n"
        "    lib.update()\n"
        "    assert lib.search('words').total == 12\n"
        "print('LOADED', sorted(m for m in sys.modules if m in "
        "{'vidbrowse.core.engine.bulkwriter', 'vidbrowse.core.engine.builders',"
        " 'vidbrowse.core.archive.parse', 'yaml'}))\n"
    )
    env = {**os.environ, "VIDBROWSE_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                           timeout=120)  # fmt: skip
    # 12 posts: Whoosh's own writer indexes them, the bulk writer is not needed.
    assert "LOADED ['vidbrowse.core.archive.parse', 'yaml']" in first.stdout, first
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                           timeout=120)  # fmt: skip
    assert "LOADED []" in again.stdout, again


def _hash_readers(lib: Library) -> list[dict[str, object]]:
    """What opening each segment's term file read (whoosh3's HashReader state)."""
    view = lib._home.view
    assert view is not None
    states = []
    for leaf, _ in view.ix.reader().leaf_readers():
        reader = leaf._terms._tindex
        states.append({name: getattr(reader, name) for name in
                       ("tables", "endofdata", "startofdata", "hashtype", "extras")})  # fmt: skip
    return states


def test_term_files_opened_in_one_read_hold_what_whoosh_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whoosh.filedb.filetables import HashReader

    monkeypatch.setattr(writing, "BULK_MIN", 10)  # bulk segments and Whoosh's writer's
    with updated_library(tmp_path, 30) as lib:
        write_posts(tmp_path / "archive", range(30, 33))
        lib.update()
        opening = whoosh_formats.opening
        opening.install()  # as the probe's verdict did in this process, for the fast way
        ours = _hash_readers(lib)
        monkeypatch.setattr(HashReader, "__init__", opening.WHOOSH_INIT)
        assert len(ours) > 1
        assert ours == _hash_readers(lib)
        assert all(len(state["tables"]) == 256 for state in ours)  # type: ignore[arg-type]


# What a `vidbrowse search` process has no use for: each cost a search ~1-5 ms of its ~200.
NOT_FOR_A_SEARCH = (
    "logging",  # only a failed probe logs
    "subprocess",  # only building large columns starts a process
    "difflib",  # only a misspelt field name is answered with a suggestion
    "vidbrowse.core.query.spelling",  # only a search finding (almost) nothing is corrected
    "vidbrowse.core.library.upkeep",  # only `index --optimize` merges
    "vidbrowse.core.archive.clean",  # only indexing cleans text
    "vidbrowse.core.review.marks",  # only an archive with a review file has marks to read
    "vidbrowse.core.review.searches",
)


@pytest.mark.parametrize("query", ["words", "tag:t1", "views:>50"])
def test_a_search_process_imports_only_what_it_uses(tmp_path: Path, query: str) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(21))  # 3 posts tagged t1: more than spelling.RARE
    env = {**os.environ, "VIDBROWSE_CACHE_DIR": str(tmp_path / "cache"),
           "VIDBROWSE_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    code = (
        "import sys\nfrom vidbrowse import cli\nfrom vidbrowse.core.engine import analysis\n"
        f"code = cli.main(['search', {str(archive)!r}, {query!r}])\n"
        f"print('LOADED', code, sorted(set(sys.modules) & {set(NOT_FOR_A_SEARCH)!r}),"
        " analysis._cjk.cache_info().currsize)\n"
    )
    subprocess.run([sys.executable, "-m", "vidbrowse", "index", str(archive)], env=env,
                   capture_output=True, check=True, timeout=120)  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip
    # Found (exit 0), nothing it does not use loaded, no CJK pattern compiled.
    assert "LOADED 0 [] 0" in done.stdout, done

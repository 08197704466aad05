"""An update of a few posts works on those posts: the columns are patched with the rows that
changed (equal to columns read again from the store), the diff comes from the scan saved by the
last update (equal to the manifest's), and `vidbrowse search` walks a changed archive once."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers.columns import assert_same_columns
from helpers.posts import post_text, touch_later
from vidbrowse import generate
from vidbrowse.core.archive import scan as archive_scan
from vidbrowse.core.archive.scan import Scan, diff, diff_scans
from vidbrowse.core.library.library import Library
from vidbrowse.core.library.store import Store
from vidbrowse.core.query.columns import Columns


def rewrite(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    touch_later(path)  # a same-size rewrite in the same second must still be seen


def change_round(archive: Path, rng: random.Random, first_new: int) -> None:
    """Posts added, edited, deleted, renamed, turned broken; a broken one fixed; tags that only
    differ in case (the facet's label is then chosen among equally common spellings)."""
    posts = archive / "_posts"
    names = sorted(p.name for p in posts.iterdir() if p.suffix in (".md", ".html"))
    picked = rng.sample(names, 12)
    for k in range(first_new, first_new + 4):  # added
        name, data = generate.render_post(k, generate.post_rng(7, k), seed=7)
        (posts / generate.unique_name(name, set(names))).write_bytes(data)
    for i, name in enumerate(picked[:3]):  # edited: another post's fields, same file
        _, data = generate.render_post(i, random.Random(f"edit/{first_new}/{i}"), seed=7)
        rewrite(posts / name, data)
    for name in picked[3:5]:  # deleted
        (posts / name).unlink()
    for name in picked[5:7]:  # renamed
        (posts / name).rename(posts / f"renamed-{first_new}-{name}")
    for name in picked[7:9]:  # turned broken
        rewrite(posts / name, b"---\ntitle: [broken\n---\n")
    for name, tag in zip(picked[9:11], [b"Zq Tag", b"zq TAG"], strict=True):  # one each
        text = (posts / name).read_bytes()
        rewrite(posts / name, text.replace(b'tags: ["', b'tags: ["' + tag + b'","', 1))
    (posts / "broken.md").write_bytes(b"---\ntitle: [never\n---\n")  # a problem from the start


def fresh_columns(library: Library) -> Columns:
    return library._home.need_store().columns()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    generate.generate_archive(root, 300, seed=7)
    return root


def test_patched_columns_equal_columns_read_again(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patched: list[int] = []
    real_patched = Columns.patched

    def counting(self: Columns, gone: np.ndarray, fresh: Columns) -> Columns:
        patched.append(len(fresh))
        return real_patched(self, gone, fresh)

    monkeypatch.setattr(Columns, "patched", counting)
    monkeypatch.setattr("vidbrowse.core.library.view.PATCH_SHARE", 0.5)  # every round patches
    rng = random.Random(3)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        patched.clear()  # the first build's commit only added posts: it patched too
        for round_ in range(4):
            change_round(archive, rng, 1000 + 10 * round_)
            summary = library.update()
            assert (summary.added, summary.changed, summary.removed) != (0, 0, 0)
            assert len(patched) == round_ + 1 and patched[-1] > 0
            assert_same_columns(library._home.need_view().columns, fresh_columns(library))
            again = Library.open(archive, cache_dir=tmp_path / "cache")  # the saved copy
            assert_same_columns(again._home.need_view().columns, fresh_columns(library))
            again.close()
        with Library.open(archive, cache_dir=tmp_path / "scratch") as built:
            built.update()
            for query in ("", "video", "tag:music"):
                ours, theirs = library.search(query), built.search(query)
                assert ours.total == theirs.total
                assert {r.path for r in ours.rows(0, ours.total)} == {
                    r.path for r in theirs.rows(0, theirs.total)
                }
                assert ours.facets == theirs.facets
            assert library.problems() == built.problems()


def test_a_pipelined_build_appends_to_the_columns_at_each_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each commit of a cold build only adds posts: its rows are appended to the columns, never
    every row read again (that made the columns' cost grow with the square of the posts), and
    the columns after the last commit are those read from the store in one go."""
    from vidbrowse.core.engine import index
    from vidbrowse.core.library import columncache, writing

    archive = tmp_path / "archive"
    generate.generate_archive(archive, 120, seed=5)
    monkeypatch.setattr(writing, "BULK_MIN", 10)
    monkeypatch.setattr(writing, "FIRST_JOB", 10)
    monkeypatch.setattr(index, "BULK_PROCS", 2)
    commits: list[int] = []
    read_again: list[int] = []
    real_load = columncache.load

    def counting_load(store: Store, home: Path) -> Columns:
        read_again.append(store.count_posts())
        return real_load(store, home)

    monkeypatch.setattr(columncache, "load", counting_load)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        read_again.clear()  # opening an empty library reads its (no) rows
        library.update(progress=lambda p: commits.append(p.done) if p.phase == "commit" else None)
        assert len(commits) >= 3 and commits[-1] == 120
        assert read_again == []
        assert_same_columns(library._home.need_view().columns, fresh_columns(library))
        again = Library.open(archive, cache_dir=tmp_path / "cache")  # the saved copy
        assert_same_columns(again._home.need_view().columns, fresh_columns(library))
        again.close()


def test_a_large_change_reads_every_row_again(archive: Path, tmp_path: Path) -> None:
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        for path in sorted((archive / "_posts").iterdir())[:100]:
            path.unlink()
        library.update()
        assert_same_columns(library._home.need_view().columns, fresh_columns(library))


def test_the_saved_scan_stands_for_the_manifest(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        change_round(archive, random.Random(5), 2000)
        expected = diff(library._home.need_store().manifest(), archive_scan.scan(archive).files)
        monkeypatch.setattr(Store, "manifest", lambda _: pytest.fail("read the manifest"))
        summary = library.update()
        assert (summary.added, summary.changed, summary.removed) == (
            len(expected.added), len(expected.changed), len(expected.removed)
        )  # fmt: skip
        assert len(list(library.home.glob("scan.pickle-*"))) == 1
        # A store written since the scan was saved (here: by hand) no longer names it.
        library._home.need_store().apply([])
        monkeypatch.undo()
        read: list[int] = []
        real = Store.manifest
        monkeypatch.setattr(Store, "manifest", lambda self: read.append(1) or real(self))
        (archive / "_posts/broken.md").unlink()
        assert library.update().removed == 1 and read  # a problem gone: the manifest says so


def random_scan(rng: random.Random, paths: list[str]) -> Scan:
    scan = Scan()
    sizes = [rng.randrange(3) for _ in paths]
    scan.__setstate__((list(paths), sizes, [rng.choice([5, 6, 10**18]) for _ in paths], []))
    return scan


@pytest.mark.parametrize("seed", range(20))
def test_diff_of_two_scans_equals_diff_of_their_files(seed: int) -> None:
    rng = random.Random(seed)
    everything = [f"_posts/{i}-é.md" for i in range(40)]
    old = random_scan(rng, rng.sample(everything, rng.randrange(30)))
    new = random_scan(rng, rng.sample(everything, rng.randrange(30)))
    if seed % 4 == 0:  # mostly the same files and stats, two removed and two added
        paths, sizes, mtimes, *_ = old.__getstate__()
        new = Scan()
        state = ([*paths[2:], "a.md", "b.md"], [*sizes[2:], 0, 1], [*mtimes[2:], 5, 5], [])
        new.__setstate__(state)
    assert diff_scans(old, new) == diff(old.files, new.files)


def test_diff_of_scans_with_an_mtime_past_2262() -> None:
    old, new = Scan(), Scan()
    old.__setstate__((["a.md", "b.md"], [1, 2], [2**64, 3], []))
    new.__setstate__((["b.md", "c.md"], [2, 2], [4, 2**64], []))
    assert diff_scans(old, new) == diff(old.files, new.files)


SEARCH_ONCE = """
import os, sys
from pathlib import Path
from vidbrowse import cli
from vidbrowse.core.archive import scan as archive
parent, real = os.getpid(), archive.scan

def scan(root):
    if os.getpid() == parent:
        raise SystemExit("the archive was walked again")
    return real(root)

archive.scan = scan
sys.exit(cli.main(["search", sys.argv[1], "--index-dir", sys.argv[2], "--limit", "0", "zqadded"]))
"""


def test_search_after_a_change_walks_the_archive_once(archive: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
    (archive / "_posts/added.md").write_text(post_text(999, title="Added zqadded"))
    done = subprocess.run(
        [sys.executable, "-c", SEARCH_ONCE, str(archive), str(cache)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "zqadded" in done.stdout


def test_small_commits_merge_only_small_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whoosh.writing import NO_MERGE

    from vidbrowse.core.engine import index

    # Tiers of at most 3 and 9 documents, merged 3 segments or more at a time.
    monkeypatch.setattr(index, "MERGE_COUNT", 3)
    monkeypatch.setattr(index, "MERGE_DOCS", 3)
    ix = index.create(tmp_path / "text")
    rowid = 0
    for _ in range(4):  # the bulk build's segments: above every tier, never merged again
        writer = ix.writer()
        for _ in range(20):
            rowid += 1
            writer.add_document(rowid=rowid, title=f"post {rowid}", text="words")
        writer.commit(mergetype=NO_MERGE)
    small = []
    for _ in range(12):  # small updates, one document each
        writer = ix.writer()
        rowid += 1
        writer.add_document(rowid=rowid, title=f"post {rowid}", text="words")
        writer.commit(mergetype=index.merge_small)
        segments = index.open_searcher(tmp_path / "text")[0]._segments()
        sizes = sorted(segment.doc_count_all() for segment in segments)
        assert sizes[-4:] == [20, 20, 20, 20]
        small.append(sizes[:-4])
    # Three 1s merge into the commit's own segment (4); when the first tier cannot merge, the
    # second does (1 + 1 + 4 + the new one = 7), so segments do not pile up at a tier's size.
    assert small == [
        [1], [1, 1], [1, 1, 1], [4], [1, 4], [1, 1, 4],
        [7], [1, 7], [1, 1, 7], [10], [1, 10], [1, 1, 10],
    ]  # fmt: skip
    with index.open_searcher(tmp_path / "text")[1] as searcher:
        assert searcher.doc_count() == rowid

"""Saved columns are mapped, not read (core/query/mapped.py): loading the columns of many posts
takes little private memory, the values are the ones saved, and a damaged file is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers.columns import assert_same_columns
from vidbrowse.core.query import mapped
from vidbrowse.core.query.columns import ColumnRow, Columns
from vidbrowse.core.query.facets import Facet
from vidbrowse.core.query.packed import Lookup, Strings


def rows(count: int, title_length: int = 8) -> list[ColumnRow]:
    return [
        ColumnRow(
            rowid=i,
            path=f"_posts/{i:07}.md",
            vid_id=f"v{i:010}",
            title=f"title {i} é " + "x" * title_length,
            channel=f"channel {i % 97}",
            tags=(f"tag{i % 13}", f"Tag{i % 7}"),
            categories=("Music",) if i % 2 else (),
            posted=1_600_000_000 + i,
            uploaded=None if i % 5 == 0 else 1_500_000_000 + 7 * i,
            duration=i % 3600,
            views=i * 3,
            likes=None,
            dislikes=i % 11,
            sites=("patreon.com",) if i % 3 == 0 else (),
        )
        for i in range(count)
    ]


def test_loaded_columns_are_views_of_the_file_and_equal_the_saved(tmp_path: Path) -> None:
    built = Columns.build(rows(500))
    built.order("uploaded", False)
    built.save(tmp_path / "columns")
    loaded = Columns.load(tmp_path / "columns")
    assert loaded is not None
    assert_same_columns(loaded, built)
    assert isinstance(loaded.titles._data, memoryview)  # not a copy in this process's heap
    assert not loaded.rowids.flags.writeable and not loaded.numeric["views"].values.flags.writeable
    # Columns made from mapped ones (an update's patch) save and load again.
    fresh = [r._replace(channel=f"new {r.rowid}", tags=("new",)) for r in rows(503)[490:]]
    patched = loaded.patched(loaded.rowids[:10].copy(), Columns.build(fresh))
    patched.save(tmp_path / "again")
    again = Columns.load(tmp_path / "again")
    assert again is not None
    assert_same_columns(again, patched)
    # The facets' look-ups, extended by the keys a patch added, are the keys' own.
    for facet in [*patched.facets.values(), *again.facets.values()]:
        made = Lookup.of(Strings.pack(facet.index))
        assert facet._key_lookup is not None
        assert np.array_equal(facet._key_lookup.hashes, made.hashes)
        assert np.array_equal(facet._key_lookup.rows, made.rows)
    assert len(patched.facets["channel"].index) == len(loaded.facets["channel"].index) + 13


def test_a_loaded_facet_decodes_its_labels_at_their_first_use(tmp_path: Path) -> None:
    Columns.build(rows(200)).save(tmp_path / "columns")
    loaded = Columns.load(tmp_path / "columns")
    assert loaded is not None
    facets = loaded.facets
    assert all(f._index is None and f._labels is None for f in facets.values())
    assert loaded.exact("tag", "TAG3").sum() == len([r for r in rows(200) if r.rowid % 7 == 3
                                                           or r.rowid % 13 == 3])  # fmt: skip
    assert loaded.exact("tag", "no such tag").sum() == 0
    assert all(f._index is None and f._labels is None for f in facets.values())  # looked up packed
    everything = np.ones(200, dtype=bool)
    assert facets["tag"].counts(everything, 2)[0] == ("Tag0", 42)
    assert facets["tag"]._labels is None  # the labels shown decoded alone
    built = Columns.build(rows(200)).facets
    for name in ("tag", "channel"):
        assert facets[name].counts(everything, None) == built[name].counts(everything, None)
    assert facets["tag"]._labels is None and facets["channel"]._labels is None
    assert facets["channel"].labels == built["channel"].labels  # all of them, when asked


def test_a_loaded_facet_finds_values_by_the_hashes_saved_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag3 = len([r for r in rows(200) if r.rowid % 7 == 3 or r.rowid % 13 == 3])
    real, made = Lookup.of, []
    monkeypatch.setattr(Lookup, "of", lambda strings: made.append(strings) or real(strings))
    Columns.build(rows(200)).save(tmp_path / "columns")
    saved = len(made)
    loaded = Columns.load(tmp_path / "columns")
    assert loaded is not None
    assert loaded.exact("tag", "TAG3").sum() == tag3
    assert loaded.exact("tag", "no such tag").sum() == 0
    assert saved == 4 and len(made) == saved  # one a facet, saved: none made when looking up
    # Saved before facets kept their look-ups: made at the first look-up, then kept.
    state = Facet.__getstate__
    monkeypatch.setattr(
        Facet, "__getstate__", lambda f: {k: v for k, v in state(f).items() if k != "_key_lookup"}
    )
    loaded.save(tmp_path / "old")
    monkeypatch.undo()
    old = Columns.load(tmp_path / "old")
    assert old is not None and old.facets["tag"]._key_lookup is None
    assert old.exact("tag", "TAG3").sum() == tag3 and old.exact("tag", "tag3").sum() == tag3
    assert old.facets["tag"]._key_lookup is not None and old.facets["tag"]._index is None


def test_columns_saved_before_facets_were_packed_load_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def old_state(facet: Facet) -> dict[str, object]:
        """Facet.__getstate__ as it was: the index and labels as a dict and a list."""
        kept = {k: v for k, v in facet.__dict__.items() if not k.startswith(("_index", "_labels",
                "_saved", "_lock", "_label_rank"))}  # fmt: skip
        return kept | {"index": facet.index, "labels": facet.labels}

    built = Columns.build(rows(300))
    with monkeypatch.context() as patch:
        patch.setattr(Facet, "__getstate__", old_state)
        built.save(tmp_path / "old")
    loaded = Columns.load(tmp_path / "old")
    assert loaded is not None
    assert_same_columns(loaded, built)
    loaded.save(tmp_path / "new")  # saved again, packed
    again = Columns.load(tmp_path / "new")
    assert again is not None
    assert_same_columns(again, built)


@pytest.mark.parametrize("cut", [9, 30, 200, -1])
def test_a_damaged_file_is_refused(tmp_path: Path, cut: int) -> None:
    Columns.build(rows(50)).save(tmp_path / "columns")
    data = (tmp_path / "columns").read_bytes()
    (tmp_path / "cut").write_bytes(data[:cut])
    assert Columns.load(tmp_path / "cut") is None
    (tmp_path / "empty").write_bytes(b"")
    assert Columns.load(tmp_path / "empty") is None


def test_two_saves_of_one_path_at_once_each_write_their_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reader saving the columns it built while the writer saves the same generation's: the
    # second save starts and ends while the first one's file waits to be renamed. Sharing one
    # partial file, they wrote into each other's (and the first rename found it gone).
    path = tmp_path / "columns-7"
    first, second = Columns.build(rows(50)), Columns.build(rows(80))
    replace = mapped.os.replace
    nested: list[bool] = []

    def slow_replace(source: str, target: Path) -> None:
        if not nested:
            nested.append(True)
            mapped.save(second, path)
            assert_same_columns(mapped.load(path), second)
        replace(source, target)

    monkeypatch.setattr(mapped.os, "replace", slow_replace)
    mapped.save(first, path)
    assert_same_columns(mapped.load(path), first)
    assert [p.name for p in tmp_path.iterdir()] == ["columns-7"]


def test_buffers_come_back_aligned_and_whole(tmp_path: Path) -> None:
    import numpy as np

    arrays = [np.arange(n, dtype=np.int64) for n in (0, 1, 7, 1000)]
    mapped.save(arrays, tmp_path / "arrays")
    loaded = mapped.load(tmp_path / "arrays")
    assert [a.tolist() for a in loaded] == [a.tolist() for a in arrays]
    assert all(a.ctypes.data % 8 == 0 for a in loaded if len(a))


# Loads the columns saved at argv[1] and prints the private (anonymous) memory it took, in KiB,
# with the file's pages it read: every title decoded once, as a sort by title does.
LOAD = """
import sys
from pathlib import Path
from vidbrowse.core.query.columns import Columns

def anon():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])

before = anon()
columns = Columns.load(Path(sys.argv[1]))
assert columns is not None
loaded = anon()
rank = columns.title_rank()
print(loaded - before, len(rank))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_loading_large_columns_takes_little_private_memory(tmp_path: Path) -> None:
    """~50 MB of columns (titles of 500 bytes): loading them maps the file; the private memory
    it takes is a small part of the file (their pickle was read whole: as much as the file)."""
    path = tmp_path / "columns"
    Columns.build(rows(100_000, title_length=500)).save(path)
    size_kib = path.stat().st_size / 1024
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    anon_kib, ranked = map(int, done.stdout.split())
    assert ranked == 100_000
    assert size_kib > 45_000
    assert anon_kib < size_kib / 10, f"loading took {anon_kib / 1024:.0f} MB of private memory"


def test_an_update_leaves_its_patched_columns_mapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vidbrowse import generate
    from vidbrowse.core.library.library import Library

    archive = tmp_path / "archive"
    generate.generate_archive(archive, 60, seed=3)
    monkeypatch.setattr("vidbrowse.core.library.view.PATCH_SHARE", 0.5)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        name, data = generate.render_post(500, generate.post_rng(3, 500), seed=3)
        (archive / "_posts" / name).write_bytes(data)
        assert library.update().added == 1
        columns = library._home.need_view().columns
        assert len(columns) == 61 and isinstance(columns.titles._data, memoryview)
        assert library.search("").total == 61

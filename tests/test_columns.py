"""Columns: exact filters, ranges, orders, facet counts and docnum mapping."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import numpy as np
import pytest

from helpers.columns import assert_same_columns
from vidbrowse.core.query import columns as columns_module
from vidbrowse.core.query import facets as facets_module
from vidbrowse.core.query import mapped
from vidbrowse.core.query.columns import FORMAT_VERSION, ColumnRow, Columns
from vidbrowse.core.query.facets import fold


def row(rowid: int, title: str, **fields: object) -> ColumnRow:
    values: dict[str, object] = {
        "rowid": rowid,
        "path": f"_posts/{rowid}.md",
        "vid_id": f"v{rowid}",
        "title": title,
        "channel": "",
        "tags": (),
        "categories": (),
        "posted": None,
        "uploaded": None,
        "duration": None,
        "views": None,
        "likes": None,
        "dislikes": None,
    }
    values.update(fields)
    return ColumnRow(**values)  # type: ignore[arg-type]


@pytest.fixture
def columns() -> Columns:
    return Columns.build(
        iter(
            [
                row(10, "banana", tags=("Café", "Jazz"), channel="Chan A", views=5, duration=60),
                row(3, "Apple", tags=("cafe", "rock"), channel="chan a", views=None, duration=30),
                row(7, "cherry", tags=("CAFÉ",), channel="Chan B", views=50, duration=None),
                row(5, "apple", tags=(" ", "jazz"), categories=("Music",), views=5, duration=60),
            ]
        )
    )


def positions_to_rowids(columns: Columns, positions: np.ndarray) -> list[int]:
    return columns.rowids[positions].tolist()


def test_fold_ignores_case_and_accents() -> None:
    assert fold("Café") == fold("CAFE") == "cafe"
    assert fold("Straße") == "strasse"
    assert fold("ＣＡＦＥ") == "cafe" and fold("İstanbul") == "istanbul"


def test_fold_keeps_the_marks_that_are_part_of_letters() -> None:
    # A virama, a nukta, a Thai and a Tamil vowel sign make other words: kept.
    for marked, bare in [("नमस्ते", "नमसते"), ("राज़", "राज"), ("ครู", "คร"), ("தமிழ்", "தமிழ")]:
        assert fold(marked) != fold(bare)
    assert fold("राज़") == fold("राज\u093c")  # one letter or two code points: the same
    assert fold("مُحَمَّد") == fold("محمد")  # Arabic vowel points decorate


def test_exact_tag_is_case_and_accent_insensitive(columns: Columns) -> None:
    assert columns.exact("tag", "cafe").tolist() == [True, True, True, False]
    assert columns.exact("tag", "JAZZ").tolist() == [True, False, False, True]
    assert not columns.exact("tag", "caf").any()
    assert columns.exact("category", "music").tolist() == [False, False, False, True]
    assert columns.exact("channel", "CHAN a").tolist() == [True, True, False, False]


def test_exact_id_is_the_vid_id(columns: Columns) -> None:
    assert columns.exact("id", "v7").tolist() == [False, False, True, False]
    assert not columns.exact("id", "V7").any()


def test_range_is_half_open_and_skips_unknown(columns: Columns) -> None:
    assert columns.in_range("views", 5, 50).tolist() == [True, False, False, True]
    assert columns.in_range("views", None, None).tolist() == [True, False, True, True]
    assert columns.in_range("duration", 30, None).tolist() == [True, True, False, True]


def test_orders_put_unknown_last_and_break_ties_by_title_then_rowid(columns: Columns) -> None:
    # views: 50, 5 (banana), 5 (apple) → ties by title; unknown (Apple) last.
    assert positions_to_rowids(columns, columns.order("views", False)) == [7, 5, 10, 3]
    assert positions_to_rowids(columns, columns.order("views", True)) == [5, 10, 7, 3]
    # "Apple" and "apple" fold equal: rowid 3 before 5.
    assert positions_to_rowids(columns, columns.order("title", False)) == [3, 5, 10, 7]
    assert positions_to_rowids(columns, columns.order("title", True)) == [7, 10, 5, 3]
    assert positions_to_rowids(columns, columns.order("duration", True)) == [3, 5, 10, 7]


def test_facets_count_folded_values_in_most_common_spelling(columns: Columns) -> None:
    everything = np.ones(len(columns), dtype=bool)
    # Spellings tie at one each: the first seen is shown. The blank tag is no value.
    assert columns.facets["tag"].counts(everything, None) == [
        ("Café", 3),
        ("Jazz", 2),
        ("rock", 1),
    ]
    assert columns.facets["channel"].counts(everything, None) == [("Chan A", 2), ("Chan B", 1)]
    some = np.array([False, True, False, True])
    assert columns.facets["tag"].counts(some, None) == [("Café", 1), ("Jazz", 1), ("rock", 1)]
    assert columns.facets["tag"].counts(some, 2) == [("Café", 1), ("Jazz", 1)]


def test_most_common_spelling_wins() -> None:
    columns = Columns.build(
        [row(1, "a", tags=("Rock",)), row(2, "b", tags=("rock",)), row(3, "c", tags=("rock",))]
    )
    everything = np.ones(3, dtype=bool)
    assert columns.facets["tag"].counts(everything, 10) == [("rock", 3)]


def test_docnum_positions_map_both_ways(columns: Columns) -> None:
    docnum_rowids = np.array([7, -1, 10, 99, 3], dtype=np.int64)
    positions, docnums = columns.docnum_positions(docnum_rowids)
    assert positions.tolist() == [2, -1, 0, -1, 1]
    assert docnums.tolist() == [2, 4, 0, -1]
    assert columns.docnum_positions(docnum_rowids)[0] is positions  # cached


def test_empty_columns() -> None:
    columns = Columns.build([])
    assert len(columns) == 0
    assert columns.order("views", False).tolist() == []
    assert columns.facets["tag"].counts(np.zeros(0, dtype=bool), 5) == []
    positions, _ = columns.docnum_positions(np.array([1, 2], dtype=np.int64))
    assert positions.tolist() == [-1, -1]


def test_save_and_load(columns: Columns, tmp_path: Path) -> None:
    columns.order("views", False)
    path = tmp_path / "columns.bin"
    columns.save(path)
    loaded = Columns.load(path)
    assert loaded is not None and len(loaded) == len(columns)
    assert loaded.order("views", False).tolist() == columns.order("views", False).tolist()
    assert loaded.order("views", True).tolist() == columns.order("views", True).tolist()
    assert loaded.exact("tag", "CAFE").tolist() == columns.exact("tag", "cafe").tolist()
    everything = np.ones(len(columns), dtype=bool)
    assert loaded.facets["tag"].counts(everything, 2) == columns.facets["tag"].counts(everything, 2)
    for name in ("paths", "vid_ids", "titles", "channels", "tags", "categories", "sites"):
        assert list(getattr(loaded, name)) == list(getattr(columns, name)), name
    assert not list(tmp_path.glob("*.partial"))


def test_load_refuses_missing_damaged_or_other_versions(tmp_path: Path) -> None:
    assert Columns.load(tmp_path / "absent") is None
    (tmp_path / "damaged").write_bytes(b"\x80\x05garbage")
    assert Columns.load(tmp_path / "damaged") is None
    (tmp_path / "other").write_bytes(pickle.dumps((FORMAT_VERSION + 1, "x")))
    assert Columns.load(tmp_path / "other") is None
    mapped.save((FORMAT_VERSION + 1, "x"), tmp_path / "newer")
    assert Columns.load(tmp_path / "newer") is None


def test_a_value_named_twice_in_a_row_counts_once() -> None:
    columns = Columns.build(
        [row(1, "a", tags=("Rock", "rock", "ROCK")), row(2, "b", tags=("pop",))]
    )
    everything = np.ones(2, dtype=bool)
    assert columns.facets["tag"].counts(everything, None) == [("pop", 1), ("Rock", 1)]


def test_columns_read_a_field_at_a_time_equal_columns_built_from_rows() -> None:
    rows = [
        ColumnRow(i, f"p{i}.md", f"v{i}", f"Tïtle {i} 🎵", f"Chan {i % 3}", ("Rock", "rock", "x")
                  if i % 2 else (), ("Music",), i, 2 * i, None if i == 3 else i, 10 * i, None, 0,
                  ("bit.ly",) * (i % 3))
        for i in range(1, 9)
    ]  # fmt: skip
    asked: list[str] = []

    def column(name: str) -> list[object]:
        asked.append(name)
        return [getattr(row, name) for row in rows]

    built, streamed = Columns.build(rows), Columns.from_source(column)
    assert sorted(asked) == sorted(ColumnRow._fields)  # each field once
    for name in ("paths", "vid_ids", "titles", "channels", "tags", "categories", "sites"):
        assert list(getattr(streamed, name)) == list(getattr(built, name)) != []
    assert streamed.rowids.tolist() == built.rowids.tolist()
    for name, numeric in built.numeric.items():
        assert streamed.numeric[name].values.tolist() == numeric.values.tolist()
        assert streamed.numeric[name].known.tolist() == numeric.known.tolist()
    everything = np.ones(len(rows), dtype=bool)
    for name, facet in built.facets.items():
        assert streamed.facets[name].counts(everything, None) == facet.counts(everything, None)


def random_row(rng: random.Random, rowid: int) -> ColumnRow:
    """Few distinct values in many spellings: ties between spellings, blank values, repeats."""
    words = ["Rock", "rock", "ROCK", "café", "Cafe", "CAFÉ", "jazz", " jazz", "", "x", "ÿ"]
    maybe = lambda n: None if rng.random() < 0.2 else rng.randrange(n)  # noqa: E731
    return ColumnRow(
        rowid,
        f"_posts/{rowid}-{rng.choice(words)}.md",
        f"v{rng.randrange(50)}",
        rng.choice(["Apple", "apple", "banana", "Échec", "zèbre", ""]) + str(rng.randrange(3)),
        rng.choice(words),
        tuple(rng.choice(words) for _ in range(rng.randrange(4))),
        tuple(rng.choice(words[:3]) for _ in range(rng.randrange(2))),
        maybe(1000), maybe(1000), maybe(50), maybe(10), maybe(10), maybe(3),
        tuple(rng.choice(["patreon.com", "bit.ly", "x.co.uk"]) for _ in range(rng.randrange(3))),
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("redo", [1, 10**9], ids=["titles placed", "titles sorted again"])
def test_patched_columns_equal_columns_built_again(
    seed: int, redo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columns_module, "TITLE_RANK_REDO", redo)
    rng = random.Random(seed)
    rows = {rowid: random_row(rng, rowid) for rowid in rng.sample(range(1, 80), rng.randrange(60))}
    columns = Columns.build(sorted(rows.values()))
    next_rowid = 100
    for step in range(4):
        if step % 2:  # patched columns are saved and loaded as the library does
            columns.order("uploaded", False)
            columns = pickle.loads(pickle.dumps(columns))
        gone = rng.sample(sorted(rows), min(len(rows), rng.randrange(6)))
        for rowid in gone:
            del rows[rowid]
        changed = rng.sample(sorted(rows), min(len(rows), rng.randrange(6)))
        added = list(range(next_rowid, next_rowid + rng.randrange(6)))
        next_rowid += 10
        fresh = {rowid: random_row(rng, rowid) for rowid in [*changed, *added]}
        rows.update(fresh)
        columns = columns.patched(
            np.array(gone, dtype=np.int64), Columns.build(sorted(fresh.values()))
        )
        assert_same_columns(columns, Columns.build(sorted(rows.values())))


def test_only_columns_in_rowid_order_are_patched(columns: Columns) -> None:
    with pytest.raises(ValueError, match="rowid order"):
        columns.patched(np.array([3]), Columns.build([]))


@pytest.mark.parametrize("seed", range(10))
def test_counts_order_the_same_by_folding_few_labels_or_ranking_all(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    rows = [random_row(rng, rowid) for rowid in range(1, 120)]
    columns = Columns.build(rows)
    masks = [np.array([rng.random() < share for _ in rows]) for share in (0.1, 0.5, 1.0)]
    cases = [(facet, mask, limit) for facet in columns.facets.values() for mask in masks
             for limit in (None, 1, 3, 10)]  # fmt: skip
    folded = [facet.counts(mask, limit) for facet, mask, limit in cases]
    monkeypatch.setattr(facets_module, "FEW_LABELS", -1)  # every label ranked, as before
    assert [facet.counts(mask, limit) for facet, mask, limit in cases] == folded


def _counted_one_by_one(facet: facets_module.Facet, mask: np.ndarray, limit: int | None) -> list:
    """Facet counts as the pane means them: each value's rows in `mask`, most first, then A→Z."""
    counts: dict[int, int] = {}
    for row_, value in zip(facet.rows.tolist(), facet.ids.tolist(), strict=True):
        if mask[row_]:
            counts[value] = counts.get(value, 0) + 1
    order = sorted(counts, key=lambda i: (-counts[i], fold(facet.labels[i]), i))
    return [(facet.labels[i], counts[i]) for i in order[:limit]]


@pytest.mark.parametrize("seed", range(6))
def test_counts_of_few_matches_many_ties_or_every_row_are_counted_one_by_one(seed: int) -> None:
    # Many values held once or twice (tags): ties at the limit; masks of a handful of rows
    # (read through their own entries), of many rows, and None (every row, kept).
    rng = random.Random(seed)
    pool = [f"{rng.choice(['t', 'T'])}{rng.randrange(150)}" for _ in range(600)]
    rows = [
        row(rowid, "x", channel=rng.choice(pool), tags=tuple(rng.sample(pool, rng.randrange(5))))
        for rowid in range(1, 400)
    ]
    columns = Columns.build(rows)
    masks = [np.array([rng.random() < share for _ in rows]) for share in (0.0, 0.01, 0.03, 0.3, 1)]
    for ranked in (False, True):  # the labels folded as counted, then all ranked beforehand
        for mask in masks:
            for name in ("tag", "channel"):
                facet = columns.facets[name]
                if ranked:
                    facet.label_rank()
                for limit in (None, 1, 5, 50):
                    assert facet.counts(mask, limit) == _counted_one_by_one(facet, mask, limit)
    everything = np.ones(len(rows), dtype=bool)
    for limit in (None, 7):
        kept = columns.facets["tag"].counts(None, limit)
        kept.clear()  # a copy: the facet's own stays as it was
        expected = _counted_one_by_one(columns.facets["tag"], everything, limit)
        assert columns.facets["tag"].counts(None, limit) == expected
        loaded = pickle.loads(pickle.dumps(columns))
        assert loaded.facets["tag"].counts(None, limit) == expected

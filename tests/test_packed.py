"""Packed string columns (what the columns cache holds) read back exactly what was packed."""

import pickle

import numpy as np
import pytest

from vidbrowse.core.query.packed import Groups, Lookup, Strings

VALUES = ["plain", "", "Café", "日本語のタイトル", "emoji 🎸🔥", "lone \udc80 surrogate", "x" * 500]


def test_strings_round_trip_one_by_one_and_whole() -> None:
    packed = pickle.loads(pickle.dumps(Strings.pack(VALUES)))
    assert len(packed) == len(VALUES)
    assert [packed[i] for i in range(len(VALUES))] == VALUES  # decoded one at a time
    assert packed[-1] == VALUES[-1] and packed[1:3] == tuple(VALUES[1:3])
    assert list(packed) == VALUES  # decoded all at once, then kept
    assert packed[2] == "Café" and packed[-2] == VALUES[-2]
    with pytest.raises(IndexError):
        packed[len(VALUES)]
    assert list(Strings.pack([])) == [] and len(Strings.pack([])) == 0


def test_groups_round_trip() -> None:
    rows = [("rock", "Café"), (), ("🎸",), ("", "a", "b")]
    packed = pickle.loads(pickle.dumps(Groups.pack(rows)))
    assert len(packed) == 4
    assert [packed[i] for i in range(4)] == rows
    assert packed[-1] == ("", "a", "b") and packed[1:] == tuple(rows[1:])
    assert list(packed) == rows
    with pytest.raises(IndexError):
        packed[-5]
    assert list(Groups.pack([])) == []


def test_reading_one_row_decodes_only_that_row() -> None:
    groups = Groups.pack([("a", "b"), (), ("ç",)])
    strings = Strings.pack(["x", "ÿ", "z"])
    assert groups[2] == ("ç",) and groups[-3] == ("a", "b") and strings[1] == "ÿ"
    assert groups._values is None and groups._flat._values is None and strings._values is None
    with pytest.raises(IndexError):
        groups[3]
    assert list(groups) == [("a", "b"), (), ("ç",)] and groups._values is not None


def test_take_reads_rows_at_positions_as_indexing_does() -> None:
    rows = [("rock", "Café"), (), ("🎸",), ("", "a", "b"), ("lone \udc80",)]
    groups = Groups.pack(rows)
    strings = Strings.pack(VALUES)
    at = [4, 0, 2, 2, 3, 1]
    assert groups.take(at) == [rows[i] for i in at] and groups.take([]) == []
    assert strings.take(at) == [VALUES[i] for i in at]
    assert groups._values is None and groups._flat._values is None and strings._values is None
    # Once decoded whole (or only its flat strings), the kept values are used.
    list(strings)
    assert strings.take(at) == [VALUES[i] for i in at]
    list(groups._flat)
    assert groups.take(at) == [rows[i] for i in at] and groups._values is None
    list(groups)
    assert groups.take(at) == [rows[i] for i in at]


@pytest.mark.parametrize(
    "indices",
    [[], [0], [6, 5, 4], [0, 1, 2, 3, 4, 5, 6], [1, 2, 3, 5, 6, 0], [2, 2, 3, 3], [13, 1, 7, 8, 9]],
)
def test_select_and_concat_give_the_rows_asked_for(indices: list[int]) -> None:
    both = VALUES + [v[::-1] for v in VALUES]
    strings = Strings.concat([Strings.pack(VALUES), Strings.pack(both[7:])])
    assert list(strings) == both
    taken = strings.select(np.array(indices, dtype=np.int64))
    assert list(taken) == [both[i] for i in indices] and len(taken) == len(indices)
    assert [taken[i] for i in range(len(indices))] == [both[i] for i in indices]
    rows = [(v, v.upper()) if i % 3 else () for i, v in enumerate(both)]
    groups = Groups.concat([Groups.pack(rows[:5]), Groups.pack([]), Groups.pack(rows[5:])])
    assert list(groups) == rows
    picked = groups.select(np.array(indices, dtype=np.int64))
    assert list(picked) == [rows[i] for i in indices]
    assert list(pickle.loads(pickle.dumps(picked))) == [rows[i] for i in indices]


@pytest.mark.parametrize("decoded", [False, True])
def test_find_gives_the_first_row_equal_to_a_value(decoded: bool) -> None:
    values = ["", "a", "ab", "é", "abc", "b", "ab", "xyz", "\udc80", "日本", "ba"]
    strings = Strings.pack(values)
    if decoded:
        strings.values()
    for value in [*values, "zz", "abcd", "日", "e", "\udc81"]:
        assert strings.find(value) == (values.index(value) if value in values else -1), value
    assert Strings.pack([]).find("") == -1


def test_a_lookup_finds_what_find_finds() -> None:
    values = ["", "a", "ab", "é", "abc", "b", "ab", "xyz", "\udc80", "日本", "ba", *VALUES]
    values += [f"tag {i}" for i in range(300)]
    strings = Strings.pack(values)
    lookup = Lookup.of(strings)
    assert len(set(lookup.hashes.tolist())) == len(set(values))  # no two values share a hash
    for value in [*values, "zz", "abcd", "日", "e", "\udc81", "tag 300", "x" * 499]:
        assert lookup.find(strings, value) == strings.find(value), value
    assert Lookup.of(Strings.pack([])).find(Strings.pack([]), "") == -1


def test_a_lookup_tells_values_of_one_hash_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vidbrowse.core.query.packed._PRIME", 0)  # a hash: the first byte
    strings = Strings.pack(["ab", "ac", "ab", "a", "b"])
    lookup = Lookup.of(strings)
    assert len(set(lookup.hashes.tolist())) == 2
    found = [lookup.find(strings, v) for v in ["ab", "ac", "a", "b", "ad", ""]]
    assert found == [0, 1, 3, 4, -1, -1]

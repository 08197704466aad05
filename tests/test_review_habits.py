"""The core of the app's mutt/newsboat habits: undo of mark changes, a selection of results (and
its export), the next unread result, the results' columns in the config and the settings."""

from __future__ import annotations

import csv
import json
import types
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from vidbrowse.core.library.library import Library
from vidbrowse.core.options import RESULT_COLUMNS
from vidbrowse.core.query.ranking import Listed
from vidbrowse.core.reports.export import export_file
from vidbrowse.core.review.config import load_config
from vidbrowse.core.review.database import ReviewError
from vidbrowse.core.review.marks import Mark, post_key
from vidbrowse.core.review.selection import Selection, keys
from vidbrowse.core.review.settings import Settings, load_settings, save_settings
from vidbrowse.core.review.state import Review
from vidbrowse.core.review.undo import History
from vidbrowse.core.review.unread import next_unread
from vidbrowse.generate import generate_archive

POSTS = 40


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    archive, cache = tmp_path_factory.mktemp("archive"), tmp_path_factory.mktemp("cache")
    generate_archive(archive, POSTS, seed=5)
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
    return archive, cache


@pytest.fixture
def review(indexed: tuple[Path, Path]) -> Iterator[Review]:
    with Review.open(indexed[0]) as opened:  # in this test's own data folder (conftest)
        yield opened


def test_undo_writes_back_what_each_change_replaced(library: Library, review: Review) -> None:
    first, second = library.search("", sort="title").rows(0, 2)
    marks, history = review.marks, History()
    review.marks.update(first, note="keep me")
    history.change(marks, "starred", {post_key(first): True}, "starred first")
    history.change(marks, "starred", {post_key(first): True, post_key(second): True}, "both")
    history.change(marks, "note", {post_key(first): "new note"}, "the note")
    assert marks.get(first) == Mark(starred=True, note="new note")
    assert history.undo(marks) is not None
    assert marks.get(first) == Mark(starred=True, note="keep me")
    change = history.undo(marks)
    assert change is not None and change.what == "both"
    assert (marks.get(first).starred, marks.get(second).starred) == (True, False)
    assert history.undo(marks) is not None
    assert marks.get(first) == Mark(note="keep me")  # the note is not the star's to undo
    assert history.undo(marks) is None  # nothing more
    with Review.open(library.archive) as again:  # written, not only remembered
        assert again.marks.get(first) == Mark(note="keep me")
        assert again.marks.get(second) == Mark()


def test_an_undo_that_cannot_be_written_stays_undoable(library: Library, review: Review) -> None:
    [row] = library.search("").rows(0, 1)
    history = History()
    history.change(review.marks, "read", {post_key(row): True}, "read")

    def refuse(*_: object) -> None:
        raise ReviewError("disk full")

    write = review.marks.write
    review.marks.write = refuse  # type: ignore[method-assign,assignment]
    with pytest.raises(ReviewError):
        history.undo(review.marks)
    review.marks.write = write  # type: ignore[method-assign]
    assert len(history) == 1 and history.undo(review.marks) is not None
    assert not review.marks.get(row).read


def test_the_history_is_short() -> None:
    class Writes:
        def write(self, part: str, values: dict[object, object]) -> dict[object, object]:
            return dict.fromkeys(values, False)

    history = History(depth=3)
    for number in range(5):
        history.change(Writes(), "read", {("id", str(number)): True}, str(number))  # type: ignore[arg-type]
    assert len(history) == 3
    assert [history.undo(Writes()).what for _ in range(3)] == ["4", "3", "2"]  # type: ignore[arg-type,union-attr]


def test_a_selection_survives_a_new_order_and_exports_only_itself(
    library: Library, review: Review, tmp_path: Path
) -> None:
    by_title = library.search("", sort="title")
    rows = by_title.rows(0, POSTS)
    picked = [rows[3], rows[10], rows[25]]
    selection = Selection()
    for row in picked:
        assert selection.toggle(row.rowid)
    assert selection.toggle(rows[7].rowid) and not selection.toggle(rows[7].rowid)
    assert len(selection) == 3 and rows[10].rowid in selection and rows[7].rowid not in selection
    by_views = library.search("", sort="views")
    chosen = selection.of(by_views)
    assert chosen.total == 3
    in_order = [row.rowid for row in by_views.rows(0, POSTS) if row.rowid in selection]
    assert [row.rowid for row in chosen.rows(0, 3)] == in_order
    path = tmp_path / "picked.jsonl"
    assert export_file(library, chosen, "json", path, marks=review.marks) == 3
    exported = [json.loads(line)["vid_id"] for line in path.read_text().splitlines()]
    assert exported == [row.vid_id for row in chosen.rows(0, 3)]
    assert set(keys(chosen)) == {post_key(row) for row in picked}


def test_selecting_all_then_acting_on_the_selection(library: Library, review: Review) -> None:
    results = library.search("")
    selection = Selection()
    selection.add_all(results)
    assert len(selection) == POSTS and isinstance(selection.rowids, np.ndarray)
    words = library.search(results.rows(0, 1)[0].title.split()[0])
    selection.keep(words)  # the same query again, fewer posts: the others leave
    assert len(selection) == words.total
    history = History()
    history.change(review.marks, "starred", dict.fromkeys(keys(selection.of(words)), True), "x")
    assert library.search("is:starred", marks=review.marks).total == words.total
    history.undo(review.marks)
    assert library.search("is:starred", marks=review.marks).total == 0
    assert selection.clear() == words.total and len(selection) == 0
    assert selection.of(words).total == 0


def test_a_selected_export_as_csv_keeps_the_marks(
    library: Library, review: Review, tmp_path: Path
) -> None:
    results = library.search("", sort="uploaded")
    selection = Selection()
    [row] = results.rows(5, 6)
    selection.toggle(row.rowid)
    review.marks.update(row, starred=True)
    path = tmp_path / "one.csv"
    assert export_file(library, selection.of(results), "csv", path, marks=review.marks) == 1
    [record] = list(csv.DictReader(path.open(encoding="utf-8")))
    assert (record["vid_id"], record["starred"]) == (row.vid_id, "yes")


def test_next_unread_skips_read_posts_and_goes_round(library: Library, review: Review) -> None:
    results = library.search("", sort="title")
    rows = results.rows(0, POSTS)
    unread = (4, 9)
    review.marks.write("read", {post_key(r): True for i, r in enumerate(rows) if i not in unread})
    marks = review.marks
    assert next_unread(results, marks, 0, 1) == 4
    assert next_unread(results, marks, 4, 1) == 9
    assert next_unread(results, marks, 9, 1) == 4  # round to the top
    assert next_unread(results, marks, 9, -1) == 4
    assert next_unread(results, marks, 4, -1) == 9  # round to the bottom
    review.marks.write("read", {post_key(rows[4]): True})
    assert next_unread(results, marks, 9, 1) is None  # the only unread one is this one
    assert next_unread(results, None, 0, 1) == 1  # without marks every post is unread


def test_config_columns_unknown_names_are_one_line_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('columns = ["views", "bogus", "Channel", "views"]\n', encoding="utf-8")
    config = load_config(path)
    assert config.columns == ("title", "views", "channel")  # the title always, first if left out
    [error] = config.errors
    assert "'bogus'" in error and "columns" in error and "\n" not in error
    path.write_text('columns = "title"\n', encoding="utf-8")
    config = load_config(path)
    assert config.columns is None and "must be a list" in config.errors[0]
    path.write_text('columns = ["duration", "title"]\n', encoding="utf-8")
    assert load_config(path).columns == ("duration", "title")


def test_settings_remember_columns_and_ignore_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(Settings(columns=("title", "likes")), path)
    assert load_settings(path).columns == ("title", "likes")
    path.write_text('{"columns": "views", "theme": "nord"}', encoding="utf-8")
    assert load_settings(path) == Settings(theme="nord")
    path.write_text('{"columns": [1, 2]}', encoding="utf-8")
    assert load_settings(path).columns == ()
    assert set(RESULT_COLUMNS) >= {"title", "views", "likes", "tags"}


def test_selecting_100k_results_builds_no_row() -> None:
    """Select-all and acting on the selection go by arrays: results whose rows cannot be built
    (no `rows`) are selected, narrowed and counted all the same."""
    total = 100_000
    positions = np.random.default_rng(1).permutation(total)
    columns = types.SimpleNamespace(rowids=np.arange(total, dtype=np.int64) * 3)
    results = types.SimpleNamespace(
        columns=columns, positions=positions, order=Listed(positions), total=total
    )
    selection = Selection()
    selection.add_all(results)  # type: ignore[arg-type]
    assert len(selection) == total and selection.rowids.dtype == np.int64
    selection.toggle(int(columns.rowids[positions[0]]))
    selection.keep(results)  # type: ignore[arg-type]
    assert len(selection) == total - 1

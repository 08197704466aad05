"""search.execute on a small real Whoosh index (two segments, one deleted document)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import whoosh.index
from whoosh.query import Term as WhooshTerm
from whoosh.searching import Searcher

from vidbrowse.core.engine.index import SCHEMA, deleted_docnums
from vidbrowse.core.engine.postings import PostingSources, SearcherCache
from vidbrowse.core.query.columns import ColumnRow, Columns
from vidbrowse.core.query.language import ParsedQuery, parse_query
from vidbrowse.core.query.nodes import (
    And,
    Everything,
    Exact,
    Node,
    Not,
    Or,
    Range,
    Term,
)
from vidbrowse.core.query.search import SORT_KEYS, Results, execute

# Searches read the index both ways: whoosh3's files directly and Whoosh's public API.
pytestmark = pytest.mark.usefixtures("engine")

# rowid: (title, channel, tags, body, uploaded, views, duration)
POSTS = {
    1: ("Running in the rain", "Weather Channel", ("nature", "rain"),
        "A man runs through the city. Live music plays.", 100, 10, 60),
    2: ("Café culture", "Food TV", ("coffee", "Café"),
        "The best coffee in Paris. The end of the world is near.", 200, None, 600),
    3: ("Music festival", "Music Live", ("music", "festival"),
        "Live music from the festival stage. Guitar solo.", None, 1000, None),
    4: ("Coffee and Code", "Dev Talks", ("programming", "coffee"),
        "Programming with python and coffee. Computers compute.", 300, 500, 3600),
    5: ("Jazz night", "Music Live", ("jazz", "Music"),
        "Saxophone music at night.", 250, 10, 60),
}  # fmt: skip


def document(rowid: int, body: str | None = None) -> dict[str, object]:
    title, channel, tags, text, *_ = POSTS[rowid]
    return {
        "rowid": rowid,
        "title": title,
        "channel": channel,
        "tags": " ".join(tags),
        "text": body or text,
    }


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("index")
    ix = whoosh.index.create_in(str(folder), SCHEMA)
    with ix.writer() as writer:
        for rowid in (3, 1, 5):
            writer.add_document(**document(rowid, "An obsolete body" if rowid == 1 else None))
    # A second segment, and rowid 1 replaced: its old version stays as a deleted document.
    writer = ix.writer()
    for rowid in (2, 4):
        writer.add_document(**document(rowid))
    writer.update_document(**document(1))
    writer.commit(merge=False)
    return folder


@pytest.fixture(scope="module")
def searcher(index_dir: Path) -> Iterator[Searcher]:
    with whoosh.index.open_dir(str(index_dir)).searcher() as s:
        assert len(s.reader().leaf_readers()) == 2
        assert s.reader().has_deletions()
        yield s


@pytest.fixture(scope="module")
def docnum_rowids(searcher: Searcher) -> np.ndarray:
    """As a library's view hands them to `execute`: -1 for deleted documents."""
    rowids = np.array(list(searcher.reader().column_reader("rowid")), dtype=np.int64)
    rowids[deleted_docnums(searcher)] = -1
    return rowids


@pytest.fixture(scope="module")
def columns() -> Columns:
    rows = []
    for rowid, (title, channel, tags, _, uploaded, views, duration) in POSTS.items():
        likes = None if rowid == 4 else rowid * 7 % 5
        rows.append(
            ColumnRow(rowid, f"_posts/{rowid}.md", f"v{rowid}", title, channel, tags,
                      ("Music",) if rowid in (3, 5) else (), uploaded and uploaded + 5,
                      uploaded, duration, views, likes, None)
        )  # fmt: skip
    return Columns.build(reversed(rows))


def run(
    node: Node,
    columns: Columns,
    searcher: Searcher,
    docnum_rowids: np.ndarray,
    sort: str | None = None,
    reverse: bool = False,
    facet_limit: int | None = None,
) -> Results:
    return execute(
        ParsedQuery.of(node, "q"), columns, searcher, docnum_rowids,
        sort=sort, reverse=reverse, facet_limit=facet_limit,
    )  # fmt: skip


@pytest.fixture
def found(columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray) -> Iterator[object]:
    def rowids(node: Node) -> set[int]:
        results = run(node, columns, searcher, docnum_rowids)
        return {r.rowid for r in results.rows(0, results.total)}

    yield rowids


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Term("running"), {1}),  # stemmed: also "runs" in the body
        (Term("runs", field="text"), {1}),
        (Term("cafe"), {2}),  # accents folded both ways
        (Term("CAFÉ"), {2}),
        (Term("obsolete"), set()),  # only in the deleted old version of post 1
        (Term("live music", "phrase"), {1, 3}),
        (Term("music live", "phrase"), {3, 5}),  # the channel
        (Term("end of the world", "phrase"), {2}),
        # Every word is indexed at its own position: stop words are words, phrases exact.
        (Term("in the rain", "phrase"), {1}),
        (Term("the end of", "phrase"), {2}),
        (Term("end the world", "phrase"), set()),
        (Term("music the", "phrase"), set()),
        (Term("progr", "prefix"), {4}),
        (Term("caf", "prefix"), {2}),
        (Term("Computer", "prefix"), {4}),  # matches the stem "comput"
        (Term("musik", "fuzzy"), {1, 3, 5}),
        (Term("cofee", "fuzzy"), {2, 4}),
        (Term("music", field="title"), {3}),
        (Term("music", field="channel"), {3, 5}),
        (Term("coffee", field="text"), {2, 4}),
        (Term("the"), {1, 2, 3}),
        (And((Term("the"), Term("jazz"))), set()),
        (Or((Term("the"), Term("jazz"))), {1, 2, 3, 5}),
        (Not(Term("the")), {4, 5}),
        (Everything(), {1, 2, 3, 4, 5}),
        (Exact("tag", "cafe"), {2}),
        (And((Exact("tag", "coffee"), Exact("tag", "Café"))), {2}),
        (Or((Exact("tag", "jazz"), Exact("tag", "festival"))), {3, 5}),
        (Not(Exact("tag", "coffee")), {1, 3, 5}),
        (Exact("category", "music"), {3, 5}),
        (Exact("id", "v4"), {4}),
        (And((Term("music"), Not(Exact("tag", "jazz")))), {1, 3}),
        (Range("views", 10, 600), {1, 4, 5}),
        (Range("views", 10, 500), {1, 5}),  # half-open
        (Range("views", None, None), {1, 3, 4, 5}),  # unknown views never match
        (Range("duration", 600, None), {2, 4}),
        (And((Term("coffee"), Range("uploaded", 250, None))), {4}),
    ],
)
def test_matches(found: object, node: Node, expected: set[int]) -> None:
    assert found(node) == expected  # type: ignore[operator]


NUMERIC_SORTS = [key for key in SORT_KEYS if key not in ("relevance", "title")]


@pytest.mark.parametrize("key", NUMERIC_SORTS)
@pytest.mark.parametrize("reverse", [False, True])
def test_numeric_sorts_put_unknown_last(
    columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray, key: str, reverse: bool
) -> None:
    results = run(Everything(), columns, searcher, docnum_rowids, sort=key, reverse=reverse)
    rows = results.rows(0, 10)
    values = [getattr(r, key) for r in rows]
    known = [v for v in values if v is not None]
    assert values[: len(known)] == known, "unknown values come last"
    assert known == sorted(known, reverse=not reverse)
    assert len(rows) == 5 and results.sort == key and results.reverse == reverse


def test_sorts_exactly(columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray) -> None:
    def order(sort: str, reverse: bool = False) -> list[int]:
        results = run(Everything(), columns, searcher, docnum_rowids, sort=sort, reverse=reverse)
        return [r.rowid for r in results.rows(0, 10)]

    assert order("uploaded") == [4, 5, 2, 1, 3]
    assert order("uploaded", True) == [1, 2, 5, 4, 3]
    # Ties (views 10) by title A→Z in both directions.
    assert order("views") == [3, 4, 5, 1, 2]
    assert order("views", True) == [5, 1, 4, 3, 2]
    assert order("title") == [2, 4, 5, 3, 1]
    assert order("title", True) == [1, 3, 5, 4, 2]


def test_default_sort(columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray) -> None:
    assert run(Everything(), columns, searcher, docnum_rowids).sort == "uploaded"
    assert run(Exact("tag", "music"), columns, searcher, docnum_rowids).sort == "uploaded"
    assert run(Term("music"), columns, searcher, docnum_rowids).sort == "relevance"
    assert run(Not(Term("music")), columns, searcher, docnum_rowids).sort == "uploaded"


def test_relevance(columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray) -> None:
    results = run(Term("music"), columns, searcher, docnum_rowids)
    rows = results.rows(0, 10)
    # Post 3 has music in title, channel, tags and body; post 1 only once in its body.
    assert rows[0].rowid == 3
    assert rows[-1].rowid == 1
    scores = [r.score for r in rows]
    assert all(s is not None and s > 0 for s in scores)
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    flipped = run(Term("music"), columns, searcher, docnum_rowids, reverse=True).rows(0, 10)
    assert [r.rowid for r in flipped] == [r.rowid for r in reversed(rows)]


def test_relevance_ties_follow_upload_order(
    columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray
) -> None:
    node = Or((Term("jazz"), Exact("tag", "coffee"), Exact("tag", "rain")))
    rows = run(node, columns, searcher, docnum_rowids).rows(0, 10)
    assert [r.rowid for r in rows] == [5, 4, 2, 1]
    assert rows[1].score == 0.0


def test_relevance_without_words_is_upload_order(
    columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray
) -> None:
    results = run(Everything(), columns, searcher, docnum_rowids, sort="relevance")
    assert [r.rowid for r in results.rows(0, 10)] == [4, 5, 2, 1, 3]
    assert results.sort == "relevance" and results.rows(0, 1)[0].score is None


def test_unknown_sort_is_refused(
    columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray
) -> None:
    with pytest.raises(ValueError, match="unknown sort 'size'"):
        run(Everything(), columns, searcher, docnum_rowids, sort="size")


def test_facets_count_the_whole_match(
    columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray
) -> None:
    results = run(Everything(), columns, searcher, docnum_rowids)
    assert results.facets["tag"][:2] == [("coffee", 2), ("Music", 2)]  # ties: first spelling seen
    assert len(results.facets["tag"]) == 8
    assert results.facets["channel"][0] == ("Music Live", 2)
    assert results.facets["category"] == [("Music", 2)]
    limited = run(Term("coffee"), columns, searcher, docnum_rowids, facet_limit=2)
    assert limited.facets["tag"] == [("coffee", 2), ("Café", 1)]
    assert limited.facets["channel"] == [("Dev Talks", 1), ("Food TV", 1)]
    assert limited.facets["category"] == []
    assert run(Term("coffee"), columns, searcher, docnum_rowids, facet_limit=0).facets == {}


def test_rows_slices(columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray) -> None:
    results = run(Everything(), columns, searcher, docnum_rowids, sort="uploaded")
    assert len(results) == results.total == 5
    assert [r.rowid for r in results.rows(1, 3)] == [5, 2]
    assert [r.rowid for r in results.rows(3, 100)] == [1, 3]
    assert results.rows(5, 10) == []
    row = results.rows(0, 1)[0]
    assert (row.path, row.vid_id, row.title, row.channel) == (
        "_posts/4.md", "v4", "Coffee and Code", "Dev Talks",
    )  # fmt: skip
    assert (row.views, row.duration, row.likes, row.tags) == (
        500,
        3600,
        None,
        ("programming", "coffee"),
    )
    assert row.score is None
    assert set(results.timings) == {"match", "filter", "sort", "facets"}


def test_postings_match_whoosh(searcher: Searcher) -> None:
    reader = searcher.reader()
    for field, text in [("text", "music"), ("title", "run"), ("text", "obsolet"), ("tags", "x")]:
        docnums, weights = PostingSources(reader).postings(field, text)
        expected = sorted(searcher.docs_for_query(WhooshTerm(field, text)))
        assert sorted(docnums.tolist()) == expected
        assert len(weights) == len(docnums) and (weights > 0).all()
    # Field boosts are in the weights: title is boosted 3x.
    assert PostingSources(reader).postings("title", "jazz")[1].tolist() == [3.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("running", {1}),
        ("cafe culture", {2}),
        ('"live music"', {1, 3}),
        ("progr*", {4}),
        ("musik~", {1, 3, 5}),
        ("title:music", {3}),
        ("channel:music", {3, 5}),
        ("text:coffee", {2, 4}),
        ("tag:coffee tag:café", {2}),
        ("tag:jazz OR tag:festival", {3, 5}),
        ("music -tag:jazz", {1, 3}),
        ("NOT coffee", {1, 3, 5}),
        ("views:10..500", {1, 4, 5}),
        ("views:>=600", {3}),
        ("the jazz", set()),
        ("NOT the", {4, 5}),
        ('"the festival"', {3}),
        ("", {1, 2, 3, 4, 5}),
    ],
)
def test_parsed_queries(found: object, text: str, expected: set[int]) -> None:
    assert found(parse_query(text)) == expected  # type: ignore[operator]


def test_searcher_cache_keeps_recent_values_within_its_size(searcher: Searcher) -> None:
    cache = SearcherCache(max_size=3)
    reads: list[str] = []

    def read(name: str, size: int) -> list[str]:
        reads.append(name)
        return [name] * size

    assert cache.get(searcher, "a", lambda: read("a", 2)) == ["a", "a"]
    assert cache.get(searcher, "a", lambda: read("a", 2)) == ["a", "a"]
    assert reads == ["a"]
    cache.get(searcher, "b", lambda: read("b", 2))  # 4 > 3: "a", the oldest, goes
    cache.get(searcher, "b", lambda: read("b", 2))
    cache.get(searcher, "a", lambda: read("a", 2))
    assert reads == ["a", "b", "a"]


@pytest.mark.parametrize("node", [Everything(), Term("music")])
def test_rows_hold_every_column_of_their_posts(
    columns: Columns, searcher: Searcher, docnum_rowids: np.ndarray, node: Node
) -> None:
    results = run(node, columns, searcher, docnum_rowids)
    rows = results.rows(1, 10)  # read column by column: each field as the columns hold it
    positions, scores = results.positions[1:], results.scores
    assert len(rows) == len(positions) == results.total - 1
    for row, p in zip(rows, positions.tolist(), strict=True):
        n = columns.numeric
        assert (row.rowid, row.path, row.vid_id, row.title, row.channel) == (
            int(columns.rowids[p]), columns.paths[p], columns.vid_ids[p], columns.titles[p],
            columns.channels[p],
        )  # fmt: skip
        assert (row.tags, row.categories) == (columns.tags[p], columns.categories[p])
        numbers = [getattr(row, name) for name in n]
        assert numbers == [n[name].get(p) for name in n]
        assert all(v is None or type(v) is int for v in numbers) and type(row.rowid) is int
    assert [r.score for r in rows] == (
        [None] * len(rows) if scores is None else scores[1:].tolist()
    )
    assert all(r.dislikes is None for r in rows)  # unknown values stay None

"""The index's vocabulary (engine/vocabulary.py) changes which segments a word is read from, never
what is found: a prefix's or a typo's words (and their order), every word's postings and every
phrase's documents are those read segment by segment, as segments are added (an update's,
unknown to the vocabulary), lose documents and merge away (gone from it)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import whoosh.query as wq
from whoosh.index import FileIndex
from whoosh.reading import IndexReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter

from helpers.indexes import bulk_then_writer, generated_documents
from helpers.posts import write_posts
from vidbrowse.core.engine import index, phrases, vocabulary, whoosh_formats
from vidbrowse.core.engine.postings import PostingSources
from vidbrowse.core.library.library import Library
from vidbrowse.core.query import expansion
from vidbrowse.core.query.expansion import compile_term
from vidbrowse.core.query.nodes import Term

TERMS = [
    *(Term(start, "prefix") for start in ("a", "mu", "vi", "ga", "s", "tw", "é", "zzq")),
    *(Term(word, "fuzzy") for word in ("muzic", "vidao", "gome", "sang", "a", "lave", "ab")),
    Term("music", "fuzzy", distance=2),
    Term("happy", "prefix", field="title"),
]
PHRASES = [["music", "video"], ["game", "play"], ["love", "song"], ["the", "best"]]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return generated_documents(tmp_path_factory.mktemp("archive"), 900, seed=11)


def build(folder: Path, documents: list[dict[str, Any]]) -> FileIndex:
    """Ten bulk segments, then one of Whoosh's writer with deletions (and files of positions)."""
    ix, writer = bulk_then_writer(folder, documents, bulk=800, max_docs=80)
    for document in documents[5:300:23]:
        writer.update_document(**document)
    whoosh_formats.commit(writer, merge=False)
    return ix


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """No vocabulary kept from another test's index or engine."""
    monkeypatch.setattr(vocabulary, "_LOADED", vocabulary._Loaded())


def found(reader: IndexReader, use: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the terms expand to, their words' postings and the phrases' documents, read with
    the vocabulary (`use`) or segment by segment."""
    monkeypatch.setattr(vocabulary, "MIN_SEGMENTS", 2 if use else 10**9)
    monkeypatch.setattr(vocabulary, "_LOADED", vocabulary._Loaded())
    sources = PostingSources(reader)
    result: dict[str, Any] = {}
    for term in TERMS:
        alternatives = compile_term(term, sources) or []
        words = [(q.fieldname, q.text) for q in alternatives]
        result[repr(term)] = words
        for word, (ids, weights) in zip(words, sources.postings_of(words), strict=True):
            result[repr(word)] = (ids.tolist(), weights.tolist())
    searcher = Searcher(reader)
    for phrase in PHRASES:
        for fieldname in expansion.WORD_FIELDS:
            q = wq.Phrase(fieldname, phrase)
            docnums = phrases.phrase_docnums(searcher, q, lambda word, postings: None)
            result[repr(q)] = docnums.tolist()
    return result


def assert_same_either_way(reader: IndexReader, monkeypatch: pytest.MonkeyPatch) -> None:
    without = found(reader, False, monkeypatch)
    with_it = found(reader, True, monkeypatch)
    assert with_it == without
    assert sum(len(v) for k, v in without.items() if k.startswith("Term(")) > 300


@pytest.mark.parametrize("limit", [1000, 3])
def test_words_and_postings_are_those_read_segment_by_segment(
    engine: str,
    documents: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    limit: int,
) -> None:
    """Also with each segment's scan cut to its first `limit` terms (what a prefix of many
    words meets): the vocabulary counts a segment's first `limit` only."""
    monkeypatch.setattr(expansion, "SCAN_LIMIT", limit)
    ix = build(tmp_path / "index", documents)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) == 11 and reader.has_deletions()
        assert_same_either_way(reader, monkeypatch)
    saved = (tmp_path / "index" / vocabulary.FILE).exists()
    assert saved == (engine == "fast")  # the public API reads segment by segment


def test_segments_added_and_merged_after_it_was_built(
    engine: str, documents: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "index"
    ix = build(folder, documents)
    with ix.searcher() as searcher:
        found(searcher.reader(), True, monkeypatch)
    if engine != "fast":
        return
    built = (folder / vocabulary.FILE).stat().st_mtime_ns
    # An update: a new segment the vocabulary does not know, documents deleted in known ones.
    writer = ix.writer()
    for document in documents[800:]:
        writer.add_document(**document)
    for document in documents[40:700:31]:
        writer.update_document(**document)
    whoosh_formats.commit(writer, merge=False)
    with ix.searcher() as searcher:
        cover = vocabulary.coverage(searcher.reader(), build_if_stale=True)
        assert cover is not None and len(cover.unknown) == 1
        assert_same_either_way(searcher.reader(), monkeypatch)
    assert (folder / vocabulary.FILE).stat().st_mtime_ns == built  # not built again
    # Merged: two segments it knows are gone, the merged one unknown: not built again.
    whoosh_formats.commit(ix.writer(), mergetype=merging(2))
    with ix.searcher() as searcher:
        assert_same_either_way(searcher.reader(), monkeypatch)
    assert (folder / vocabulary.FILE).stat().st_mtime_ns == built
    # Four more: those it does not know hold over a third of the documents: built again.
    whoosh_formats.commit(ix.writer(), mergetype=merging(4))
    monkeypatch.setattr(vocabulary, "_LOADED", vocabulary._Loaded())
    with ix.searcher() as searcher:
        cover = vocabulary.coverage(searcher.reader(), build_if_stale=False)
        assert cover is not None and cover.unknown_documents * 3 > cover.documents
        assert_same_either_way(searcher.reader(), monkeypatch)
    assert (folder / vocabulary.FILE).stat().st_mtime_ns != built


def merging(count: int) -> Callable[[IndexWriter, list[Any]], list[Any]]:
    """A Whoosh merge policy: the first `count` segments merged."""

    def merge(writer: IndexWriter, segments: list[Any]) -> list[Any]:
        for segment in segments[:count]:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        return segments[count:]

    return merge


def test_built_on_a_prefix_not_on_a_word_and_again_when_damaged(
    documents: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "index"
    ix = build(folder, documents)
    monkeypatch.setattr(vocabulary, "MIN_SEGMENTS", 2)
    path = folder / vocabulary.FILE
    with ix.searcher() as searcher:
        sources = PostingSources(searcher.reader())
        sources.postings_of([("text", "music")])
        assert not path.exists()  # a plain word needs none
        compile_term(Term("mu", "prefix"), sources)
        assert path.exists()
        assert sources.visits("text", "nosuchword") == set()
        music = sources.visits("text", "music")
        assert music and music <= set(range(11))
    path.write_bytes(path.read_bytes()[:200])  # cut short
    monkeypatch.setattr(vocabulary, "_LOADED", vocabulary._Loaded())
    with ix.searcher() as searcher:
        assert vocabulary.coverage(searcher.reader(), build_if_stale=False) is None
        cover = vocabulary.coverage(searcher.reader(), build_if_stale=True)
        assert cover is not None and cover.unknown == []
    assert vocabulary.Vocabulary.load(path) is not None
    assert not list(folder.glob("*.partial"))


def test_an_index_of_few_segments_has_none(
    documents: list[dict[str, Any]], tmp_path: Path
) -> None:
    ix = index.create(tmp_path / "index")
    writer = ix.writer()
    for document in documents[:50]:
        writer.add_document(**document)
    whoosh_formats.commit(writer)
    with ix.searcher() as searcher:
        sources = PostingSources(searcher.reader())
        assert compile_term(Term("mu", "prefix"), sources)
        assert sources.coverage is None and sources.visits("text", "music") is None
    assert not (tmp_path / "index" / vocabulary.FILE).exists()


def test_words_of_a_field_in_characters() -> None:
    words = ["ab", "abc", "été", "東京", "x"]
    arrays = vocabulary._merged([w.encode() for w in words], [1] * 5, [5])
    listed = vocabulary.Words(arrays)
    assert [listed[i] for i in range(len(listed))] == sorted(w.encode() for w in words)
    assert listed.characters(0, len(listed)).tolist() == [2, 3, 1, 3, 2]
    assert listed.characters(3, 5).tolist() == [3, 2]
    assert listed.starting(b"ab") == (0, 2)
    assert listed.find(b"abd") is None and listed.find("東京".encode()) == 4
    assert np.array_equal(listed.starts, np.arange(6))
    # Words sharing their first 8 bytes (what a numpy search narrows the bisection to).
    words = ["abcdefgh", "abcdefghij", "abcdefghz", "abcdefg", "abcdefgi", "b"]
    listed = vocabulary.Words(vocabulary._merged([w.encode() for w in words], [1] * 6, [6]))
    for word in words:
        assert listed[listed.find(word.encode()) or 0] == word.encode()
    for absent in ["abcdefghi", "abcdefgha", "abcdefgz", "a", "c", ""]:
        assert listed.find(absent.encode()) is None


def test_an_update_builds_it_for_the_state_it_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So the first prefix searched after an update (`vidbrowse index`, the app's build) need
    not build it; an index of fewer segments than MIN_SEGMENTS has none."""
    monkeypatch.setattr(vocabulary, "MIN_SEGMENTS", 2)
    root, cache = tmp_path / "archive", tmp_path / "cache"
    write_posts(root, range(0, 8))
    with Library.open(root, cache_dir=cache) as library:
        library.update()
    (text,) = cache.glob("indexes/*/text")
    assert not (text / vocabulary.FILE).exists()  # one segment
    write_posts(root, range(8, 14))
    with Library.open(root, cache_dir=cache) as library:
        library.update()
        saved = vocabulary.Vocabulary.load(text / vocabulary.FILE)
        reader = library._home.need_view().searcher.reader()
        segments = [leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()]
        assert saved is not None and saved.segment_ids == segments and len(segments) == 2
        assert [r.rowid for r in library.search("wor*").rows(0, 50)]


def test_a_build_that_fails_is_not_tried_again_for_the_same_state(
    documents: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A term table it cannot read (damaged): the prefixes are expanded segment by segment,
    without reading every term table again at each one."""
    ix = build(tmp_path / "index", documents)
    monkeypatch.setattr(vocabulary, "MIN_SEGMENTS", 2)
    tried: list[int] = []

    def failing(leaves: Any) -> None:
        tried.append(len(leaves))

    monkeypatch.setattr(vocabulary, "build", failing)
    with ix.searcher() as searcher:
        for start in ("mu", "vi", "ga"):
            sources = PostingSources(searcher.reader())
            assert compile_term(Term(start, "prefix"), sources)
            assert sources.coverage is None
    assert tried == [11]
    assert not (tmp_path / "index" / vocabulary.FILE).exists()

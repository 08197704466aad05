"""phrases.phrase_docnums finds exactly the documents Whoosh's own phrase query finds, on an index
of several segments (bulkwriter's and Whoosh's writer's) with deleted documents."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import whoosh.query as wq
from whoosh.formats import Positions
from whoosh.searching import Searcher

from helpers.indexes import bulk_then_writer, generated_documents
from vidbrowse.core.archive.post import Post
from vidbrowse.core.engine import index
from vidbrowse.core.engine import phrases as phrases_module
from vidbrowse.core.engine.phrases import _from_blocks, phrase_docnums
from vidbrowse.core.engine.postings import PostingSources, read_postings, term_postings
from vidbrowse.core.engine.whoosh_formats import decode_positions

FIELDS = ("title", "channel", "tags", "text")
# Odd documents: 2- and 4-byte position deltas (J: past 65535), over 1000 positions of one word
# (pickle batches the list), words repeated next to each other.
ODD = [
    Post(path="odd/1.md", vid_id="a", title="music video", text="filler " * 70_000 + "music video"),
    Post(path="odd/2.md", vid_id="b", title="game game game play", text="game " * 1100 + "play"),
    Post(path="odd/3.md", vid_id="c", title="music music video", text="video music music video"),
    Post(path="odd/4.md", vid_id="d", title="x", text="word " * 300 + "music video " * 3),
]


def _words(text: str) -> list[str]:
    return [t.text for t in index.ANALYZER(text)]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return generated_documents(tmp_path_factory.mktemp("archive"), 260, seed=11, extra=ODD)


@pytest.fixture(scope="module")
def searcher(
    tmp_path_factory: pytest.TempPathFactory, documents: list[dict[str, Any]]
) -> Iterator[Searcher]:
    # Bulk segments (bulkwriter), then Whoosh's writer: more documents, replaced ones (their
    # old versions stay as deleted documents) and removed ones, in a segment of its own.
    ix, writer = bulk_then_writer(
        tmp_path_factory.mktemp("index"), documents, bulk=200, max_docs=70
    )
    for rowid in (3, 50, 120, 199):
        writer.update_document(**{**documents[rowid - 1], "text": "music video game play"})
    for docnum in (7, 77, 150):
        writer.delete_document(docnum)
    writer.commit(merge=False)
    with ix.searcher() as s:
        assert len(s.reader().leaf_readers()) == 4
        assert s.reader().has_deletions()
        yield s


@pytest.fixture(scope="module")
def phrases(searcher: Searcher, documents: list[dict[str, Any]]) -> list[list[str]]:
    """Runs of 2 to 4 consecutive words of the documents (most match somewhere), random pairs
    of indexed words (most match nowhere), and repeated words."""
    rng = random.Random(5)
    found = []
    for document in rng.sample(documents, 60):
        for fieldname in FIELDS:
            words = _words(document[fieldname])
            for size in (2, 3, 4):
                if len(words) > size:
                    start = rng.randrange(len(words) - size)
                    found.append(words[start : start + size])
    vocabulary = [raw.decode() for raw in searcher.reader().lexicon("text")]
    found += [rng.sample(vocabulary, 2) for _ in range(40)]
    found += [
        ["music", "video"],
        ["game", "play"],
        ["game", "game"],
        ["game", "game", "game", "play"],
        ["music", "music", "video"],
        ["video", "music", "music", "video"],
        ["filler", "music", "video"],
        ["word", "music"],
        ["video", "video"],
        ["music", "nosuchword"],
    ]
    return found


def _whoosh(searcher: Searcher, q: wq.Phrase) -> list[int]:
    return sorted(searcher.docs_for_query(q))


def test_same_documents_as_whoosh(
    engine: str, searcher: Searcher, phrases: list[list[str]]
) -> None:
    matched = 0
    for words in phrases:
        for fieldname in FIELDS:
            q = wq.Phrase(fieldname, words)
            kept: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            got = phrase_docnums(searcher, q, kept.__setitem__)
            expected = _whoosh(searcher, q)
            assert got.tolist() == expected, (fieldname, words)
            matched += bool(expected)
            # What it read on the way is each word's term_postings.
            for word, (docnums, weights) in kept.items():
                want = term_postings(searcher.reader(), fieldname, word)
                assert np.array_equal(docnums, want[0]) and np.array_equal(weights, want[1])
    assert matched > 150  # most runs of words match, so the comparison means something
    assert len(phrases) > 250


def _check_blocks(searcher: Searcher, fieldname: str, words: list[str]) -> bool:
    """Reading positions block by block (`_from_blocks`) finds Whoosh's documents, and each
    word's term_postings on the way; whether any matched."""
    q = wq.Phrase(fieldname, words)
    reader = searcher.reader()
    unique = list(dict.fromkeys(words))
    if any((fieldname, w) not in reader for w in unique):
        return False
    got, postings = _from_blocks(PostingSources(reader), q, unique)
    expected = _whoosh(searcher, q)
    assert got.tolist() == expected, (fieldname, words)
    for word in unique:
        want = term_postings(reader, fieldname, word)
        assert np.array_equal(postings[word][0], want[0]), (fieldname, word)
        assert np.array_equal(postings[word][1], want[1]), (fieldname, word)
    return bool(expected)


def test_block_by_block_same_documents_as_whoosh(
    searcher: Searcher, phrases: list[list[str]]
) -> None:
    """Whichever way phrase_docnums picks for a phrase, both find Whoosh's documents."""
    matched = sum(_check_blocks(searcher, f, words) for words in phrases for f in FIELDS)
    assert matched > 150


def test_rare_words_are_read_block_by_block(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phrase of a rare word and a common one reads positions block by block (the common
    word's values are never all read); one of common words reads whole blocks."""
    reads: list[str] = []

    def read(reader: Any, fieldname: str, text: str, *, values: bool) -> Any:
        reads.append(text)
        return read_postings(reader, fieldname, text, values=values)

    monkeypatch.setattr(phrases_module, "read_postings", read)
    reader = searcher.reader()
    assert reader.doc_frequency("text", "filler") * 64 <= reader.doc_frequency("text", "video")
    q = wq.Phrase("text", ["filler", "music", "video"])
    assert phrase_docnums(searcher, q, lambda *_: None).tolist() == _whoosh(searcher, q)
    assert reads == []
    q = wq.Phrase("text", ["music", "video"])
    assert phrase_docnums(searcher, q, lambda *_: None).tolist() == _whoosh(searcher, q)
    assert reads == ["music", "video"]


def test_the_odd_documents_match(
    engine: str, searcher: Searcher, documents: list[dict[str, Any]]
) -> None:
    rowids = list(searcher.reader().column_reader("rowid"))
    odd = {rowids.index(len(documents) - i) for i in range(len(ODD))}
    for words, fieldname, count in [
        (["filler", "music", "video"], "text", 1),  # past position 65535
        (["game", "game", "game", "play"], "text", 1),  # over 1000 positions
        (["music", "music", "video"], "title", 1),
        (["word", "music", "video", "music", "video"], "text", 1),
    ]:
        got = phrase_docnums(searcher, wq.Phrase(fieldname, words), lambda *_: None)
        assert len(set(got.tolist()) & odd) == count, words


def test_other_slops_go_through_whoosh(engine: str, searcher: Searcher) -> None:
    q = wq.Phrase("text", ["music", "video"], slop=3)
    got = phrase_docnums(searcher, q, lambda *_: None)
    assert got.tolist() == _whoosh(searcher, q)
    exact = phrase_docnums(searcher, wq.Phrase("text", ["music", "video"]), lambda *_: None)
    assert len(got) > len(exact)


def test_values_are_whooshs(engine: str, searcher: Searcher) -> None:
    """read_postings' values are the per-posting API's, and decode to its positions."""
    reader = searcher.reader()
    fmt = Positions()
    for word in ("music", "video", "game", "filler", "word"):
        docnums, _, values = read_postings(reader, "text", word, values=True)
        assert values is not None
        expected = {}
        for leaf, offset in reader.leaf_readers():
            if ("text", word) in leaf:
                m = leaf.postings("text", word)
                while m.is_active():
                    if not leaf.is_deleted(m.id()):
                        expected[m.id() + offset] = m.value()
                    m.next()
        assert dict(zip(docnums.tolist(), values.tolist(), strict=True)) == expected
        sizes = np.array([len(v) for v in values.tolist()])
        lengths, positions = decode_positions(b"".join(values.tolist()), sizes)
        want = [fmt.decode_positions(v) for v in values.tolist()]
        assert lengths.tolist() == [len(p) for p in want]
        assert positions.tolist() == [p for ps in want for p in ps]


SMALL = ("alpha", "beta", "gamma", "delta", "omega")


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    """Few words in many documents: postings of several blocks (128 postings each), with blocks
    whose weights are all 1, all alike, or mixed; again bulk and Whoosh segments, deletions."""
    rng = random.Random(9)

    def text(i: int) -> str:
        if i < 300:  # "alpha" once and "beta" twice in each: uniform weights per block
            return "alpha beta beta " + " ".join(rng.choices(SMALL[2:], k=rng.randrange(1, 9)))
        return " ".join(rng.choices(SMALL, k=rng.randrange(1, 40)))

    documents = [
        index.document(i + 1, Post(path=f"{i}.md", vid_id=str(i), title="t", text=text(i)))
        for i in range(900)
    ]
    ix, writer = bulk_then_writer(
        tmp_path_factory.mktemp("dense"), documents, bulk=600, max_docs=400
    )
    for docnum in range(0, 600, 37):
        writer.delete_document(docnum)
    writer.commit(merge=False)
    writer = ix.writer()
    for docnum in range(610, 900, 41):
        writer.delete_document(docnum)
    writer.commit(merge=False)
    with ix.searcher() as s:
        assert len(s.reader().leaf_readers()) == 3
        yield s


def test_dense_postings_are_whooshs(engine: str, dense: Searcher) -> None:
    reader = dense.reader()
    for word in SMALL:
        docnums, weights, values = read_postings(reader, "text", word, values=True)
        assert values is not None
        expected = []
        for leaf, offset in reader.leaf_readers():
            m = leaf.postings("text", word)
            while m.is_active():
                if not leaf.is_deleted(m.id()):
                    expected.append((m.id() + offset, np.float32(m.weight()), m.value()))
                m.next()
        assert len(expected) > 300
        got = zip(docnums.tolist(), weights.tolist(), values.tolist(), strict=True)
        assert list(got) == expected, word


def test_dense_phrases_match_whoosh(dense: Searcher) -> None:
    rng = random.Random(2)
    phrases = [[a, b] for a in SMALL for b in SMALL]
    phrases += [rng.choices(SMALL, k=rng.randrange(3, 7)) for _ in range(20)]
    for words in phrases:
        q = wq.Phrase("text", words)
        got = phrase_docnums(dense, q, lambda *_: None)
        assert got.tolist() == _whoosh(dense, q), words
        _check_blocks(dense, "text", words)

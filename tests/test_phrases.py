"""phrases.phrase_docnums finds exactly the documents Whoosh's own phrase query finds, on an index
of several segments (bulkwriter's, with their files of frequent words' positions, and Whoosh's
writer's) with deleted documents."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import whoosh.query as wq
from whoosh.filedb.filestore import RamStorage
from whoosh.formats import Positions
from whoosh.searching import Searcher

from helpers.indexes import bulk_then_writer, generated_documents
from vidbrowse.core.archive.post import Post
from vidbrowse.core.engine import index
from vidbrowse.core.engine import phrases as phrases_module
from vidbrowse.core.engine.phrases import phrase_docnums
from vidbrowse.core.engine.postings import PostingSources, read_postings
from vidbrowse.core.engine.whoosh_formats import decode_positions, frequent

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
    # old versions stay as deleted documents) and removed ones, in a segment of its own. The
    # bulk segments' words of 10 postings on have their positions in a file (frequent.py).
    folder = tmp_path_factory.mktemp("index")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(frequent, "FREQUENT_POSTINGS", 10)
        ix, writer = bulk_then_writer(folder, documents, bulk=200, max_docs=70)
    assert len(list(folder.glob(f"*{frequent.EXTENSION}"))) == 3
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
            # What it read on the way is each word's postings.
            for word, (docnums, weights) in kept.items():
                want = PostingSources(searcher.reader()).postings(fieldname, word)
                assert np.array_equal(docnums, want[0]) and np.array_equal(weights, want[1])
    assert matched > 150  # most runs of words match, so the comparison means something
    assert len(phrases) > 250


def test_known_postings_give_the_same_documents_reading_only_segments_with_candidates(
    engine: str, searcher: Searcher, phrases: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given every word's postings (kept by the caller), the documents holding every word are
    found first: the same documents, and positions read only in the segments holding one of
    them (in none when no document holds every word)."""
    reads: list[object] = []
    formats = phrases_module.whoosh_formats
    real = formats.frequent_positions
    monkeypatch.setattr(formats, "frequent_positions", lambda f: reads.append(f) or real(f))
    leaves = searcher.reader().leaf_readers()
    skipped = 0
    for words in phrases:
        for fieldname in FIELDS:
            q = wq.Phrase(fieldname, words)
            expected = phrase_docnums(searcher, q, lambda *_: None).tolist()
            sources = PostingSources(searcher.reader())
            known = {word: sources.postings(fieldname, word) for word in dict.fromkeys(words)}
            every = set.intersection(*(set(ids.tolist()) for ids, _ in known.values()))
            reads.clear()
            assert phrase_docnums(searcher, q, lambda *_: None, known).tolist() == expected
            holding = [
                leaf
                for leaf, offset in leaves
                if any(offset <= doc < offset + leaf.doc_count_all() for doc in every)
            ]
            if engine == "fast":
                assert reads == holding, (fieldname, words)
                skipped += len(leaves) - len(holding)
    assert skipped > 1000 or engine != "fast"


def _without_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Phrases read every position from the blocks, as if no segment had a positions file."""
    monkeypatch.setattr(phrases_module.whoosh_formats, "frequent_positions", lambda _leaf: None)


def test_positions_files_change_no_result(
    searcher: Searcher, phrases: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same documents and postings with the files of frequent words' positions as from the
    blocks alone; the files hold some of each phrase's words."""
    reader = searcher.reader()
    held = 0
    with_files: list[list[int]] = []
    for words in phrases:
        for fieldname in FIELDS:
            q = wq.Phrase(fieldname, words)
            with_files.append(phrase_docnums(searcher, q, lambda *_: None).tolist())
            held += any(
                (copied := frequent.frequent_positions(leaf)) is not None
                and copied.keys(fieldname, word) is not None
                for leaf, _ in reader.leaf_readers()
                for word in words
            )
    _without_files(monkeypatch)
    blocks_only = [
        phrase_docnums(searcher, wq.Phrase(fieldname, words), lambda *_: None).tolist()
        for words in phrases
        for fieldname in FIELDS
    ]
    assert with_files == blocks_only
    assert held > 300


def _counted_block_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The documents of each block read for positions, from now on (one entry per read)."""
    reads: list[int] = []
    block_keys = phrases_module._block_keys

    def counted(blocks: Any, candidate: np.ndarray) -> np.ndarray:
        reads.append(len(candidate))
        return block_keys(blocks, candidate)

    monkeypatch.setattr(phrases_module, "_block_keys", counted)
    return reads


def test_frequent_words_are_not_read_from_blocks(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phrase of frequent words takes their positions from the bulk segments' files: blocks
    are unpickled for positions only in the segment Whoosh's writer made."""
    reads = _counted_block_reads(monkeypatch)
    q = wq.Phrase("text", ["music", "video"])
    assert phrase_docnums(searcher, q, lambda *_: None).tolist() == _whoosh(searcher, q)
    whooshs = searcher.reader().leaf_readers()[-1][0].doc_count_all()
    assert reads == [whooshs, whooshs]  # both words, in the last segment only


def test_a_damaged_positions_file_is_not_used(
    tmp_path: Any, documents: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frequent, "FREQUENT_POSTINGS", 10)
    ix, writer = bulk_then_writer(tmp_path, documents, bulk=200, max_docs=70)
    writer.commit()
    files = sorted(tmp_path.glob(f"*{frequent.EXTENSION}"))
    files[0].write_bytes(files[0].read_bytes()[:100])
    files[1].write_bytes(b"")
    q = wq.Phrase("text", ["music", "video"])
    with ix.searcher() as s:
        expected = _whoosh(s, q)
        assert expected
        monkeypatch.setattr(phrases_module.whoosh_formats.Ways, "read", True)
        assert phrase_docnums(s, q, lambda *_: None).tolist() == expected


def _merged_reads_no_blocks(
    ix: Any, phrases: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each phrase over the index (one segment) matches Whoosh's own phrase query, with the
    segment's positions file and without; with it, no phrase reads a block."""
    reads = _counted_block_reads(monkeypatch)
    with ix.searcher() as s:
        assert len(s.reader().leaf_readers()) == 1
        q = wq.Phrase("text", ["music", "video"])
        assert phrase_docnums(s, q, lambda *_: None).tolist() == _whoosh(s, q) != []
        assert reads == []
        queries = [wq.Phrase(f, words) for words in phrases for f in FIELDS]
        with_file = [phrase_docnums(s, q, lambda *_: None).tolist() for q in queries]
        assert with_file == [_whoosh(s, q) for q in queries]
        assert reads == []
        _without_files(monkeypatch)
        assert [phrase_docnums(s, q, lambda *_: None).tolist() for q in queries] == with_file


def test_a_full_merge_keeps_a_positions_file(
    tmp_path: Any,
    documents: list[dict[str, Any]],
    phrases: list[list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`index --optimize`'s merge (Whoosh's, which writes postings anew) gives the merged
    segment its file of every word's positions before the TOC lists it; old versions of
    replaced posts are gone from it."""
    monkeypatch.setattr(phrases_module.whoosh_formats.Ways, "read", True)
    ix, writer = bulk_then_writer(tmp_path, documents, bulk=200, max_docs=70)
    writer.update_document(**{**documents[2], "text": "music video game play"})
    writer.commit(merge=False)
    assert len(list(tmp_path.glob(f"*{frequent.EXTENSION}"))) == 3
    index.commit(ix.writer(), optimize=True)
    (segment,) = ix._segments()
    assert [p.name for p in tmp_path.glob(f"*{frequent.EXTENSION}")] == [
        segment.make_filename(frequent.EXTENSION)
    ]
    _merged_reads_no_blocks(ix, phrases, monkeypatch)


def test_a_small_updates_merge_keeps_a_positions_file(
    tmp_path: Any,
    documents: list[dict[str, Any]],
    phrases: list[list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A small update's commit that merges the small segments (index.merge_small) gives the
    merged segment its file too."""
    monkeypatch.setattr(phrases_module.whoosh_formats.Ways, "read", True)
    # 8 bulk segments of 25 documents: at least MERGE_COUNT small ones, merged at the commit.
    ix, writer = bulk_then_writer(tmp_path, documents, bulk=200, max_docs=25)
    assert len(ix._segments()) == index.MERGE_COUNT
    index.commit(writer, mergetype=index.merge_small)
    assert len(list(tmp_path.glob(f"*{frequent.EXTENSION}"))) == 1
    _merged_reads_no_blocks(ix, phrases, monkeypatch)


def test_a_plain_commit_keeps_no_positions_file_in_the_public_engine(
    tmp_path: Any, documents: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With reading through Whoosh's public API, nothing reads the files: none is written."""
    monkeypatch.setattr(frequent, "FREQUENT_POSTINGS", 10)
    ix, writer = bulk_then_writer(tmp_path, documents, bulk=200, max_docs=70)
    monkeypatch.setattr(phrases_module.whoosh_formats.Ways, "read", False)
    index.commit(writer, optimize=True)
    assert not list(tmp_path.glob(f"*{frequent.EXTENSION}"))
    q = wq.Phrase("text", ["music", "video"])
    with ix.searcher() as s:
        assert phrase_docnums(s, q, lambda *_: None).tolist() == _whoosh(s, q)


def test_phrases_of_words_all_in_files_leave_deleted_documents_out(
    engine: str, tmp_path: Any, documents: list[dict[str, Any]]
) -> None:
    """Where every segment has its file of positions (every word in it), a phrase's keys are
    matched as they are: the old versions of replaced documents, deleted, are left out as
    Whoosh leaves them out."""
    # The old versions hold phrases other documents of their segments hold too.
    documents = [
        {**d, "text": d["text"] + " music video game play"} if i in (2, 49, 119, 198) else d
        for i, d in enumerate(documents)
    ]
    ix, writer = bulk_then_writer(tmp_path, documents, bulk=200, max_docs=70)
    replaced = [documents[i] for i in (2, 49, 119, 198, 230)]
    for document in replaced:
        writer.update_document(**{**document, "title": "none", "text": "none of it"})
    index.commit(writer, merge=False)
    runs = [_words(d[f])[:n] for d in replaced for f in FIELDS for n in (2, 3)]
    runs = [run for run in runs if len(run) > 1] + [["music", "video"], ["video", "game", "play"]]
    with ix.searcher() as s:
        leaves = [leaf for leaf, _ in s.reader().leaf_readers()]
        assert s.reader().has_deletions() and len(leaves) == 4
        if engine == "fast":
            assert all(map(frequent.frequent_positions, leaves))
        sources = PostingSources(s.reader())
        for words in runs:
            for fieldname in FIELDS:
                q = wq.Phrase(fieldname, words)
                assert phrase_docnums(s, q, lambda *_: None).tolist() == _whoosh(s, q)
                # With the words' postings known (the search's cache): candidates first.
                known = {word: sources.postings(fieldname, word) for word in words}
                assert phrase_docnums(s, q, lambda *_: None, known).tolist() == _whoosh(s, q)


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
    with pytest.MonkeyPatch.context() as patch:  # a file for each bulk segment
        patch.setattr(frequent, "FREQUENT_POSTINGS", 100)
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


def test_dense_phrases_match_whoosh(dense: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the bulk segments' files of positions (every word of SMALL is frequent enough for
    one) and without."""
    rng = random.Random(2)
    phrases = [[a, b] for a in SMALL for b in SMALL]
    phrases += [rng.choices(SMALL, k=rng.randrange(3, 7)) for _ in range(20)]
    for leaf, _ in dense.reader().leaf_readers()[:2]:
        copied = frequent.frequent_positions(leaf)
        assert copied is not None and all(copied.keys("text", w) is not None for w in SMALL)
    for files in (True, False):
        if not files:
            _without_files(monkeypatch)
        for words in phrases:
            q = wq.Phrase("text", words)
            got = phrase_docnums(dense, q, lambda *_: None)
            assert got.tolist() == _whoosh(dense, q), words


class _Segment:
    def make_filename(self, ext: str) -> str:
        return f"MAIN_test{ext}"


def test_many_words_in_blocks_round_trip() -> None:
    """Words over many blocks: each found with its pairs, and every word between them or
    around them found absent."""
    fmt = Positions()
    rng = random.Random(3)
    words = sorted({"".join(rng.choices("abcéक्", k=rng.randint(1, 9))) for _ in range(900)})
    words = sorted(words, key=lambda w: w.encode())
    collected = frequent.Collected()
    for i, word in enumerate(words):
        collected.add("text", word.encode(), [i, i + 1], [fmt.encode([0, i]), fmt.encode([1])])
    storage = RamStorage()
    collected.write(storage, _Segment())  # type: ignore[arg-type]
    copied = frequent.FrequentPositions(storage, _Segment().make_filename(frequent.EXTENSION))
    for i, word in enumerate(words):
        got = copied.keys("text", word)
        assert got is not None and got.tolist() == [i << 32, i << 32 | i, (i + 1) << 32 | 1]
        for other in (word + "a", word[:-1] + "~", "~" + word):
            if other not in words:
                absent = copied.keys("text", other)
                assert absent is not None and not len(absent), other
    assert len(words) > 10 * 64


def test_positions_file_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pairs are 2 bytes wide where they fit, 4 where a document or position does not."""
    monkeypatch.setattr(frequent, "FREQUENT_POSTINGS", 2)
    fmt = Positions()
    words = {
        ("text", "narrow"): {0: [1, 2], 7: [0]},
        ("text", "wide"): {3: [5], 70_000: [1, 70_000]},
        ("title", "narrow"): {2: [0], 9: [4]},
        ("title", "once"): {4: [1]},  # too few postings: not kept
        ("text", "long" * 13): {1: [0], 2: [0]},
        ("text", "नमस्ते"): {5: [3], 6: [0, 2]},
        ("tags", "ab"): {0: [0], 1: [1]},
    }
    collected = frequent.Collected()
    for (fieldname, word), postings in words.items():
        ids = sorted(postings)
        collected.add(fieldname, word.encode(), ids, [fmt.encode(postings[i]) for i in ids])
    storage = RamStorage()
    collected.write(storage, _Segment())  # type: ignore[arg-type]
    copied = frequent.FrequentPositions(storage, _Segment().make_filename(frequent.EXTENSION))
    for (fieldname, word), postings in words.items():
        expected = [doc << 32 | p for doc in sorted(postings) for p in postings[doc]]
        got = copied.keys(fieldname, word)
        assert (got is not None and got.tolist() == expected) if word != "once" else got is None
    assert copied.keys("channel", "narrow") is None
    # A field listing every word says which it lacks (an empty array); one with a word left
    # out cannot ("once": the blocks decide).
    for fieldname, word in [("text", "narrowest"), ("text", "nar"), ("tags", "a"), ("tags", "b")]:
        absent = copied.keys(fieldname, word)
        assert absent is not None and not len(absent), word
    assert copied.keys("title", "never") is None

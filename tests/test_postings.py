"""postings.py reads Whoosh's term tables and posting lists itself: compared with Whoosh's public
API on every term of indexes written both ways (Whoosh's writer: inlined postings, deletions,
several segments; bulkwriter), after scans that leave look-ups to the runs they read."""

import pickle
import zlib
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import whoosh.index
import whoosh.query as wq
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from vidbrowse.core.archive.parse import load_post
from vidbrowse.core.archive.post import Post
from vidbrowse.core.archive.scan import scan
from vidbrowse.core.engine import bulkwriter, index, whoosh_formats
from vidbrowse.core.engine.postings import PostingSources
from vidbrowse.core.engine.whoosh_formats import frequent, terms
from vidbrowse.core.engine.whoosh_formats.blocks import _block_head
from vidbrowse.core.query.expansion import MAX_EXPANSIONS, WORD_FIELDS, compile_term
from vidbrowse.core.query.nodes import Term
from vidbrowse.generate import generate_archive

FIELDS = ("title", "channel", "tags", "text")
STARTS = ("a", "mu", "vi", "ga", "spar", "zz", "é", "t")


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    root = tmp_path_factory.mktemp("archive")
    generate_archive(root, 700, seed=5)
    loaded = [load_post(root, path) for path in sorted(scan(root).files)]
    posts = [p for p in loaded if isinstance(p, Post)]
    # Ids far apart (2- and 4-byte deltas), equal weights (one float or None for a block).
    for i, post in enumerate(posts):
        extra = []
        if i % 300 == 0:
            extra.append("sparseword")
        if i % 2 == 0:
            extra.append("twice twice")
        extra.append("once")
        posts[i] = replace(post, text=post.text + " " + " ".join(extra))
    return [index.document(rowid, post) for rowid, post in enumerate(posts, 1)]


def build_plain(
    folder: Path, documents: list[dict[str, Any]], commit: Any = None
) -> whoosh.index.FileIndex:
    """Two segments and deleted documents, by Whoosh's own writer; `commit` (writer, **kwargs):
    how it commits (None: Whoosh's own commit, no files of positions)."""
    commit = commit or (lambda writer, **kwargs: writer.commit(**kwargs))
    ix = index.create(folder)
    writer = ix.writer()
    for document in documents[:500]:
        writer.add_document(**document)
    commit(writer)
    writer = ix.writer()
    for document in documents[500:]:
        writer.add_document(**document)
    for document in documents[10:400:37]:
        writer.update_document(**document)
    commit(writer, merge=False)
    return ix


def build_with_files(folder: Path, documents: list[dict[str, Any]]) -> whoosh.index.FileIndex:
    """As build_plain, each segment with its file of positions (where words are read from)."""
    return build_plain(folder, documents, whoosh_formats.commit)


def build_fast(folder: Path, documents: list[dict[str, Any]]) -> whoosh.index.FileIndex:
    ix = index.create(folder)
    writer = ix.writer()
    _, segments = bulkwriter.build_segments(ix, documents, bulkwriter.as_document, max_docs=300)
    bulkwriter.commit(writer, segments)
    return ix


BUILDS = {"plain": build_plain, "fast": build_fast, "files": build_with_files}


@pytest.fixture(scope="module", params=list(BUILDS))
def reader(
    request: pytest.FixtureRequest,
    documents: list[dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    ix = BUILDS[request.param](tmp_path_factory.mktemp(request.param), documents)
    with ix.searcher() as searcher:
        found = searcher.reader()
        assert len(found.leaf_readers()) > 1
        assert found.has_deletions() == (request.param != "fast")
        files = [frequent.frequent_positions(leaf) for leaf, _ in found.leaf_readers()]
        assert all(files) == (request.param != "plain")
        yield found


def expected(reader: IndexReader, fieldname: str, text: bytes) -> tuple[list[int], list[float]]:
    ids: list[int] = []
    weights: list[float] = []
    if (fieldname, text) in reader:
        m = reader.postings(fieldname, text)
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
    return ids, weights


def assert_same(
    found: tuple[np.ndarray, np.ndarray], wanted: tuple[list[int], list[float]]
) -> None:
    assert found[0].tolist() == wanted[0]
    assert found[1].tolist() == pytest.approx(wanted[1], rel=1e-7)


def test_every_term_as_whoosh_reads_it(engine: str, reader: IndexReader) -> None:
    terms = [(f, t) for f, t in reader.all_terms() if f in FIELDS]
    assert len(terms) > 1000
    sources = PostingSources(reader)
    for fieldname, text in terms:
        assert_same(sources.postings(fieldname, text.decode()), expected(reader, fieldname, text))
    assert sources.postings("text", "nosuchword")[0].tolist() == []
    assert sources.postings("nosuchfield", "music")[0].tolist() == []



def test_words_with_positions_are_read_from_the_files_alone(
    engine: str, reader: IndexReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where every segment has its file of positions, a word of a field with positions reads
    no posting block (decoding them was most of a common word's search), deleted documents
    left out as Whoosh does; a field without positions (links) still reads its blocks."""
    if engine == "public" or not all(
        frequent.frequent_positions(leaf) for leaf, _ in reader.leaf_readers()
    ):
        pytest.skip("segments without files of positions read their blocks")
    decoded: list[bytes] = []
    real = terms.decode

    def decode(read: Any, info: bytes) -> Any:
        decoded.append(info)
        return real(read, info)

    monkeypatch.setattr(terms, "decode", decode)
    words = [(f, t) for f, t in reader.all_terms() if f in FIELDS]
    found = PostingSources(reader).postings_of([(f, t.decode()) for f, t in words])
    for (fieldname, text), postings in zip(words, found, strict=True):
        assert_same(postings, expected(reader, fieldname, text))
    assert decoded == []
    link = next(t for f, t in reader.all_terms() if f == index.LINKS_FIELD)
    links = PostingSources(reader).postings(index.LINKS_FIELD, link.decode())
    assert_same(links, expected(reader, index.LINKS_FIELD, link))
    assert decoded

def test_scans_as_whoosh_lists_terms_then_postings_from_what_they_read(
    engine: str, reader: IndexReader
) -> None:
    segments = PostingSources(reader)
    for start in STARTS:
        for fieldname in FIELDS:
            for limit in (1, 3, 1000):
                for segment, (leaf, _) in zip(segments, reader.leaf_readers(), strict=True):
                    listed = islice(leaf.iter_prefix(fieldname, start), limit)
                    wanted = [(text, info.doc_frequency()) for text, info in listed]
                    assert segment.scan(fieldname, start, limit) == wanted
                    # A length filter only leaves out terms of other lengths.
                    some = segment.scan(fieldname, start, limit, (4, 5))
                    assert {t for t, _ in wanted if 4 <= len(t.decode()) <= 5} <= {
                        t for t, _ in some
                    }
                    assert segment.scan(fieldname, start, limit, (0, 0)) == []
    # Terms the scans read, left out, or stopped before: all found as Whoosh finds them.
    for fieldname, text in reader.all_terms():
        if fieldname in FIELDS:
            assert_same(
                segments.postings(fieldname, text.decode()), expected(reader, fieldname, text)
            )
    assert segments.postings("text", "muzzzz")[0].tolist() == []


def block(deltas: tuple[int, ...], weights: object, compress: bool = False) -> bytes:
    values = tuple(b"\x00" * (i % 5) for i in range(len(deltas)))
    data = pickle.dumps((deltas, weights, values), 2)
    return zlib.compress(data) if compress else data


@pytest.mark.parametrize("count", [4, 9, 128, 300])
@pytest.mark.parametrize("step", [1, 255, 256, 70_000])
@pytest.mark.parametrize("weights", ["none", "one", "many"])
def test_block_heads_decode_as_pickle_does(count: int, step: int, weights: str) -> None:
    deltas = (7 * step, *((step + i % 3) for i in range(count - 1)))
    stored = {"none": None, "one": 2.0, "many": tuple(float(1 + i % 4) for i in range(count))}
    found = _block_head(block(deltas, stored[weights]), count)
    assert found is not None
    assert found[0].tolist() == np.cumsum(deltas).tolist()
    wanted = {"none": [1.0] * count, "one": [2.0] * count, "many": list(stored["many"])}  # type: ignore[arg-type]
    assert found[1].tolist() == wanted[weights]


def test_block_heads_it_cannot_read_are_left_to_pickle() -> None:
    assert _block_head(block((1, 2, 3, 4, 5), (1, 2, 3, 4, 5)), 5) is None  # int weights
    assert _block_head(block((1, 2, 3, 4, 5), None), 6) is None  # another count
    assert _block_head(block((1, 2, 3, 4, 5), None)[:12], 5) is None  # cut short
    assert _block_head(pickle.dumps(((1, 2, 3, 4), None, ()), 4), 4) is None  # protocol 4


@pytest.mark.parametrize("gap", [65536, 0])
def test_words_read_together_as_one_by_one(
    engine: str, reader: IndexReader, gap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also with each word's pairs read alone (`gap` 0: a segment's words read far apart)."""
    monkeypatch.setattr(frequent, "_GAP", gap)
    words = [(f, t.decode()) for f, t in reader.all_terms() if f in FIELDS]
    # Several fields, words of a prefix side by side, absent words and a repeat, in any order.
    picked = [*words[::7], ("text", "muzzzz"), ("nosuchfield", "music"), words[3], words[3]]
    picked += [w for w in words if w[1].startswith("mu")]
    segments = PostingSources(reader)
    for (fieldname, text), found in zip(picked, segments.postings_of(picked), strict=True):
        assert_same(found, expected(reader, fieldname, text.encode()))



def test_a_prefix_asks_no_segment_for_words_its_scan_showed_missing(
    engine: str, reader: IndexReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scans that expand a prefix list every term of each segment starting so: a word a
    segment's scan did not list is not looked up there (most segments lack most of a
    prefix's words), and the postings are those of every word read one by one."""
    asked: list[tuple[str, str]] = []
    real, real_of = frequent.FrequentPositions.keys, frequent.FrequentPositions.keys_of

    def keys(self: frequent.FrequentPositions, fieldname: str, word: str, *a: Any) -> Any:
        asked.append((fieldname, word))
        return real(self, fieldname, word, *a)

    def keys_of(self: frequent.FrequentPositions, fieldname: str, words: Any, *a: Any) -> Any:
        asked.extend((fieldname, word) for word in words)
        return real_of(self, fieldname, words, *a)

    monkeypatch.setattr(frequent.FrequentPositions, "keys", keys)
    monkeypatch.setattr(frequent.FrequentPositions, "keys_of", keys_of)
    segments = PostingSources(reader)
    alternatives = compile_term(Term("mu", "prefix"), segments)
    assert alternatives is not None
    words = [(q.fieldname, q.text) for q in alternatives]
    found = segments.postings_of(words)
    for (fieldname, text), postings in zip(words, found, strict=True):
        assert_same(postings, expected(reader, fieldname, text.encode()))
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    if engine != "public" and all(map(frequent.frequent_positions, leaves)):
        # Asked only where a segment holds the word.
        held = [(f, t) for leaf in leaves for f, t in words if (f, t.encode()) in leaf]
        assert sorted(asked) == sorted(held)

@pytest.mark.parametrize("start", ["mu", "vi", "ga", "spar", "tw", "o"])
def test_prefixes_expand_and_match_as_whoosh(engine: str, reader: IndexReader, start: str) -> None:
    segments = PostingSources(reader)
    alternatives = compile_term(Term(start, "prefix"), segments)
    assert alternatives is not None
    for fieldname in WORD_FIELDS:
        chosen = {q.text for q in alternatives if q.fieldname == fieldname}
        frequency = {t.decode(): i.doc_frequency() for t, i in reader.iter_prefix(fieldname, start)}
        if len(frequency) <= MAX_EXPANSIONS:
            assert chosen == set(frequency)
        else:  # the most frequent
            assert len(chosen) == MAX_EXPANSIONS and chosen <= set(frequency)
            left = max(f for t, f in frequency.items() if t not in chosen)
            assert min(frequency[t] for t in chosen) >= left
    words = [(q.fieldname, q.text) for q in alternatives]
    found = np.unique(np.concatenate([d for d, _ in segments.postings_of(words)]))
    wanted = Searcher(reader).docs_for_query(wq.Or([wq.Term(f, t) for f, t in words]))
    assert found.tolist() == sorted(wanted)
    if all(len(list(reader.iter_prefix(f, start))) <= MAX_EXPANSIONS for f in WORD_FIELDS):
        every = wq.Or([wq.Prefix(f, start) for f in WORD_FIELDS])
        assert found.tolist() == sorted(Searcher(reader).docs_for_query(every))


def test_field_lengths_as_whoosh_reads_them(reader: IndexReader) -> None:
    from vidbrowse.core.engine import whoosh_formats

    for fieldname in FIELDS:
        for leaf, _ in reader.leaf_readers():
            count = leaf.doc_count_all()
            wanted = [leaf.doc_field_length(d, fieldname) or 0 for d in range(count)]
            assert whoosh_formats.field_lengths(leaf, fieldname).tolist() == wanted
            assert whoosh_formats.public.field_lengths(leaf, fieldname).tolist() == wanted
        assert any(leaf.doc_field_length(0, fieldname) for leaf, _ in reader.leaf_readers())

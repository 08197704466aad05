"""bulkwriter builds the same index as Whoosh's own writer: compared posting by posting, term
info by term info, byte by byte, and by hit counts. It leans on whoosh3 internals: an upgrade
that changes them must fail here."""

import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest
import whoosh.index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser
from whoosh.reading import IndexReader

from helpers.indexes import generated_documents
from vidbrowse.core.archive.post import Post
from vidbrowse.core.engine import bulkwriter, index
from vidbrowse.core.engine.builders import BuildError, Builders, build_parallel
from vidbrowse.core.engine.whoosh_formats import segments
from vidbrowse.core.library import writing
from vidbrowse.core.library.library import Library
from vidbrowse.generate import generate_archive

FIELDS = ("title", "channel", "tags", "text")
# What tokenizing, folding, stop words and position numbering must get right.
ODD_POSTS = [
    Post(path="odd/1.md", vid_id="a", title="The the THE", text="the cat sat on the mat"),
    Post(path="odd/2.md", vid_id="b", title="Café crème à İstanbul", channel="Ünïcode"),
    Post(path="odd/3.md", vid_id="c", title="a.b.c x*y 3.14 foo..bar", tags=("a", "b c")),
    Post(path="odd/4.md", vid_id="d", title="", text="", tags=()),
    Post(path="odd/5.md", vid_id="e", title="running runs ran 🎵 音楽 músic", text="I a an"),
    Post(path="odd/6.md", vid_id="f", title="x" * 300, text="repeat " * 200 + "end"),
]
QUERIES = [
    "video",
    "music OR cat",
    "running",
    "cafe",
    '"cat sat"',
    '"the mat"',
    "title:repeat",
    "tags:c",
    "mus*",
    "muzic~",
    "istanbul",
    "3.14",
]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return generated_documents(tmp_path_factory.mktemp("archive"), 240, seed=3, extra=ODD_POSTS)


def build_plain(folder: Path, documents: list[dict[str, Any]]) -> whoosh.index.FileIndex:
    ix = index.create(folder)
    writer = ix.writer()
    for document in documents:
        writer.add_document(**document)
    writer.commit()
    return ix


def build_fast(
    folder: Path, documents: list[dict[str, Any]], *, procs: int, max_docs: int
) -> whoosh.index.FileIndex:
    ix = index.create(folder)
    writer = ix.writer()
    with Builders(bulkwriter.as_document, procs) as builders:
        _, segments = build_parallel(ix, documents, builders, max_docs=max_docs)
    bulkwriter.commit(writer, segments)
    return ix


def contents(reader: IndexReader) -> dict[str, object]:
    postings = {}
    for fieldname, text in reader.all_terms():
        m = reader.postings(fieldname, text)
        found = []
        while m.is_active():
            found.append((m.id(), m.weight(), m.value()))
            m.next()
        info = reader.term_info(fieldname, text)
        postings[fieldname, text] = (
            found,
            info.doc_frequency(),
            info.min_length(),
            info.max_length(),
            info.max_weight(),
            info.min_id(),
            info.max_id(),
            round(info.weight(), 3),  # summed per segment: float rounding may differ
        )
    count = reader.doc_count_all()
    return {
        "postings": postings,
        "lengths": [[reader.doc_field_length(d, f) for f in FIELDS] for d in range(count)],
        "field lengths": [reader.field_length(f) for f in FIELDS],
        "rowids": list(reader.column_reader("rowid")),
    }


def test_the_schema_is_supported() -> None:
    assert bulkwriter.supports(index.SCHEMA)
    assert not bulkwriter.supports(Schema(path=ID(stored=True), text=TEXT))


@pytest.mark.parametrize(("procs", "max_docs"), [(1, 10_000), (2, 50)])
def test_same_postings_as_whoosh(
    tmp_path: Path, documents: list[dict[str, Any]], procs: int, max_docs: int
) -> None:
    plain = build_plain(tmp_path / "plain", documents)
    fast = build_fast(tmp_path / "fast", documents, procs=procs, max_docs=max_docs)
    with plain.reader() as r1, fast.reader() as r2:
        share = -(-len(documents) // procs)
        assert len(r2.leaf_readers()) == procs * -(-share // max_docs)
        expected, got = contents(r1), contents(r2)
        assert len(expected["postings"]) > 2000  # type: ignore[arg-type]
        for key in expected:
            assert got[key] == expected[key], key
    parser = MultifieldParser(list(FIELDS), index.SCHEMA)
    with plain.searcher() as s1, fast.searcher() as s2:
        for text in QUERIES:
            q = parser.parse(text)
            hits = len(s1.search(q, limit=None))
            assert len(s2.search(q, limit=None)) == hits, text
        assert len(s1.search(parser.parse("video"), limit=None)) > 10


@pytest.mark.parametrize("flush_terms", [None, 3], ids=["terms written in bulk", "3 at a time"])
def test_same_bytes_as_whoosh(
    tmp_path: Path,
    documents: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    flush_terms: int | None,
) -> None:
    """One segment each; with one-position values not shared (sharing only lets pickle write
    a back-reference for a repeated value), every file of the segment is the same."""
    monkeypatch.setattr(bulkwriter._SegmentBuilder, "_one", lambda _self, pos, enc: enc([pos]))
    if flush_terms is not None:
        monkeypatch.setattr(segments, "FLUSH_TERMS", flush_terms)
    files = []
    for ix in (
        build_plain(tmp_path / "plain", documents),
        build_fast(tmp_path / "fast", documents, procs=1, max_docs=10_000),
    ):
        (segment,) = ix._segments()
        compound = segment.open_compound_file(ix.storage)
        files.append(
            {f.replace(segment.segid, ""): compound.open_file(f).read() for f in compound.list()}
        )
    assert files[0].keys() == files[1].keys()
    assert any(f.endswith(".pst") for f in files[0])
    for name in files[0]:
        assert files[0][name] == files[1][name], name


def test_a_failing_builder_process_is_reported(
    tmp_path: Path, documents: list[dict[str, Any]]
) -> None:
    ix = index.create(tmp_path / "ix")
    writer = ix.writer()
    broken = [*documents[:10], {"rowid": 99, "text": 12345}]  # not text: the child fails
    with (
        Builders(bulkwriter.as_document, 2) as builders,
        pytest.raises(BuildError, match="TypeError"),
    ):
        build_parallel(ix, broken, builders, max_docs=100)
    writer.cancel()


def test_a_failing_builder_stops_the_others(
    tmp_path: Path, documents: list[dict[str, Any]]
) -> None:
    ix = index.create(tmp_path / "ix")
    writer = ix.writer()
    broken = [{"rowid": 99, "text": 12345}, *documents]  # the first share fails at once
    with (
        Builders(bulkwriter.as_document, 3) as builders,
        pytest.raises(BuildError, match="TypeError"),
    ):
        build_parallel(ix, broken, builders, max_docs=100)
    assert multiprocessing.active_children() == []
    writer.cancel()


def numbered(item: int) -> tuple[int, dict[str, object] | None]:
    """A `prepare` for plain numbers: every third one is a problem (no document)."""
    post = Post(path=str(item), vid_id=str(item), title=f"video w{item}")
    return -item, None if item % 3 == 0 else index.document(item, post)


def test_every_builder_takes_a_share_and_reports_progress(tmp_path: Path) -> None:
    ix = index.create(tmp_path / "ix")
    writer = ix.writer()
    items = list(range(1, 1201))
    seen: list[int] = []
    with Builders(numbered, 3) as builders:
        assert len(multiprocessing.active_children()) == 3
        results, segments = build_parallel(ix, items, builders, max_docs=150, progress=seen.append)
    assert results == [-i for i in items]  # every item once, in order
    assert len(segments) == 3 * 2  # 400 items a share: 267 documents, two segments each
    # Each share reports every 250 of its items, then all 400: the sum growing to all.
    assert len(seen) == 6 and seen == sorted(seen) and seen[-1] == 1200
    bulkwriter.commit(writer, segments)
    with ix.searcher() as searcher:
        rowids = sorted(index.docnum_rowids(searcher).tolist())
    assert rowids == [i for i in items if i % 3]


def test_bulk_writer_deletes_and_builds_in_one_commit(engine: str, tmp_path: Path) -> None:
    ix = index.create(tmp_path / "ix")
    first = index.writer(ix)
    first.add_document(**index.document(1, Post(path="a", vid_id="a", title="old words")))
    first.commit()
    bulk = index.writer(ix, bulk=True)
    bulk.delete_by_term("rowid", 1)
    items = [(1, "new words"), (2, "more words"), (3, "")]

    def prepare(item: tuple[int, str]) -> tuple[str, dict[str, object] | None]:
        rowid, title = item
        post = Post(path=str(rowid), vid_id=str(rowid), title=title)
        return f"parsed {rowid}", index.document(rowid, post) if title else None

    with Builders(prepare, 2) as builders:
        assert bulk.build(items, builders) == ["parsed 1", "parsed 2", "parsed 3"]
    bulk.commit()
    parser = MultifieldParser(list(FIELDS), index.SCHEMA)
    with ix.searcher() as s:
        assert s.doc_count() == 2
        assert len(s.search(parser.parse("words"), limit=None)) == 2
        assert len(s.search(parser.parse("old"), limit=None)) == 0


def test_library_bulk_batches_with_problems_and_changes(
    engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    generate_archive(archive, 60, seed=5)
    posts = sorted((archive / "_posts").iterdir())
    posts[3].write_bytes(b"no front matter")
    monkeypatch.setattr(writing, "FIRST_BATCH", 10)
    monkeypatch.setattr(writing, "BULK_MIN", 5)
    cache = tmp_path / "cache"
    with Library.open(archive, cache_dir=cache) as lib:
        summary = lib.update()
        assert (summary.posts, summary.problems) == (59, 1)
        assert lib.search("").total == 59
        changed = posts[10:16]
        for path in changed:
            path.write_bytes(path.read_bytes().replace(b"title:", b"title: zebracorn", 1))
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        posts[20].write_bytes(b"---\n[broken\n---\n")
        summary = lib.update()
        assert (summary.changed, summary.posts, summary.problems) == (7, 58, 2)
        assert lib.search("zebracorn").total == 6
        assert lib.search("").total == 58
        reader = lib._home.need_view().searcher.reader()
        assert reader.doc_count() == 58  # old versions deleted


def test_cold_batches_grow_up_to_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writing, "FIRST_BATCH", 10)
    monkeypatch.setattr(writing, "BATCH_GROWTH", 4)
    monkeypatch.setattr(writing, "MAX_BATCH", 10_000)

    def sizes(count: int) -> list[int]:
        return [len(b) for b in writing.batches([str(i) for i in range(count)], cold=True)]

    assert sizes(1000) == [10, 40, 160, 790]
    assert sizes(30) == [10, 20]
    assert sizes(1) == [1, 0]
    monkeypatch.setattr(writing, "MAX_BATCH", 100)
    assert sizes(1000) == [10, 40, 100, 100, 100, 100, 100, 100, 100, 100, 150]

"""The capability probe: a tiny index in memory, read (and written) both ways, once per process.

Each check says why the fast way disagrees with Whoosh's public API, or None when it agrees.
The reading verdict is kept in the index cache (`remembered`), for the installed whoosh3 and
the seam's code as they are: a search process then reads it instead of probing (~15 ms).
Reading: two segments by Whoosh's own writer, one with a deleted document, terms found once
(their postings inlined in the term table) and in every document (a compressed block). Writing:
the same documents as a bulk segment and by Whoosh's writer, compared through the public API.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import whoosh
from whoosh.fields import NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.index import FileIndex
from whoosh.reading import IndexReader

from vidbrowse.core.engine.whoosh_formats import docs, positions, public
from vidbrowse.core.engine.whoosh_formats.blocks import read_matcher
from vidbrowse.core.engine.whoosh_formats.terms import term_table

_WORDS = ["alpha", "beta", "gamma", "alpha", "delta", "beta", "epsilon"]
_SCHEMA = Schema(
    rowid=NUMERIC(int, bits=64, signed=False, unique=True, sortable=True),
    text=TEXT(),
)


def _texts(count: int) -> Iterator[str]:
    """Texts sharing some words, each with a word of its own."""
    for i in range(count):
        yield " ".join([*_WORDS[i % 3 : i % 3 + 4], f"only{i}", *_WORDS[:i]])


def remembered(folder: Path, verb: str, check: Callable[[], str | None]) -> str | None:
    """`check()`, or its verdict noted in `folder` by an earlier process for this very whoosh3,
    Python and seam (a cache: failing to read or write it only costs the probe)."""
    path = folder / f"probe-{verb}-{_key()}"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        verdict, _, noted = path.read_text(encoding="utf-8").partition("\n")
        if verdict == "agrees":
            return None
        if verdict == "differs" and noted:
            return noted
    why = check()
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(f"differs\n{why}" if why is not None else "agrees\n", "utf-8")
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()
    return why


def _key() -> str:
    """Names what the verdict depends on: whoosh3 (its version, where and when installed),
    Python's version, and every file of this seam as it is now."""
    here = Path(__file__).parent
    parts = [whoosh.versionstring(), whoosh.__file__, sys.version]
    with contextlib.suppress(OSError):
        parts.append(str(os.stat(whoosh.__file__).st_mtime_ns))
        for entry in sorted(os.scandir(here), key=lambda e: e.name):
            if entry.name.endswith(".py"):
                st = entry.stat()
                parts.append(f"{entry.name} {st.st_size} {st.st_mtime_ns}")
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=8).hexdigest()


def reading() -> str | None:
    """Why reading whoosh3's files directly disagrees with Whoosh's public API, or None."""
    try:
        ix = RamStorage().create_index(_SCHEMA)
        texts = list(_texts(6))
        writer = ix.writer()
        for i, text in enumerate(texts[:4], 1):
            writer.add_document(rowid=i, text=text)
        writer.commit(merge=False)
        writer = ix.writer()
        for i, text in enumerate(texts[4:], 5):
            writer.add_document(rowid=i, text=text)
        writer.delete_by_term("rowid", 2)
        writer.commit(merge=False)
        with ix.reader() as reader:
            return _read_both_ways(reader)
    except Exception as exc:  # whatever a changed whoosh3 trips on is a difference
        return f"{type(exc).__name__}: {exc}"


def _read_both_ways(reader: IndexReader) -> str | None:
    leaves = reader.leaf_readers()
    if len(leaves) != 2 or not reader.has_deletions():
        return "the probe's index is not as written"
    for leaf, _ in leaves:
        table = term_table(leaf)
        if table is None:
            return "a segment without whoosh3's term table"
        deleted = docs.deleted_ids(leaf)
        if sorted(deleted.tolist()) != public.deleted_ids(leaf).tolist():
            return "deleted documents differ"
        if not np.array_equal(docs.column_int64(leaf, "rowid"), public.column_int64(leaf, "rowid")):
            return "the rowid column differs"
        for start in ("", "a", "only", "z"):
            if table.scan("text", start, 50, None) != public.scan(leaf, "text", start, 50):
                return f"term lists differ ({start!r})"
        terms = [("text", term) for term in leaf.lexicon("text")]
        counts = dict(table.documents_of([*terms, ("text", b"absent")]))
        for i, (_, term) in enumerate([*terms, ("text", b"absent")]):
            if counts.get(i, 0) != public.documents(leaf, "text", term):
                return f"document counts differ ({term!r})"
        read = dict(table.postings_of(terms))
        for i, (_, term) in enumerate(terms):
            found = read.get(i)
            if found is None:
                return f"postings unreadable ({term!r})"
            if (why := _same_postings(leaf, term, found, deleted)) is not None:
                return why
    return None


def _same_postings(
    leaf: IndexReader, term: bytes, found: tuple[np.ndarray, np.ndarray], deleted: np.ndarray
) -> str | None:
    ids, weights, read = public.read_slowly(leaf.postings("text", term), True)
    values: list[bytes] = [] if read is None else read.tolist()
    live = ~np.isin(found[0], deleted)
    if found[0][live].tolist() != ids.tolist() or found[1][live].tolist() != weights.tolist():
        return f"postings differ ({term!r})"
    fast = read_matcher(leaf.postings("text", term), True)
    if fast[0].tolist() != ids.tolist() or fast[2] is None or fast[2].tolist() != values:
        return f"posting values differ ({term!r})"
    sizes = np.array([len(v) for v in values], dtype=np.int64)
    counts, flat = positions.decode_positions(b"".join(values), sizes)
    want = public.decode_positions(values)
    if counts.tolist() != want[0].tolist() or flat.tolist() != want[1].tolist():
        return f"positions differ ({term!r})"
    return None


def writing(schema: Schema) -> str | None:
    """Why segments bulkwriter builds for `schema` differ from Whoosh's writer's, or None."""
    from vidbrowse.core.engine import bulkwriter  # the write side: only when building

    if not bulkwriter.supports(schema):
        return "the bulk writer cannot build this schema"
    try:
        documents = list(_documents(schema))
        plain = RamStorage().create_index(schema)
        with plain.writer() as writer:
            for document in documents:
                writer.add_document(**document)
        fast = RamStorage().create_index(schema)
        writer = fast.writer()
        _, segments = bulkwriter.build_segments(
            fast, documents, bulkwriter.as_document, max_docs=len(documents)
        )
        bulkwriter.commit(writer, segments)
        if _contents(plain) != _contents(fast):
            return "a bulk segment reads otherwise than Whoosh's writer's"
        return None
    except Exception as exc:  # whatever a changed whoosh3 trips on is a difference
        return f"{type(exc).__name__}: {exc}"


def _documents(schema: Schema) -> Iterator[dict[str, Any]]:
    for i, text in enumerate(_texts(9), 1):
        yield {
            name: i if isinstance(schema[name], NUMERIC) else text[: 12 * (1 + j)]
            for j, name in enumerate(schema.names())
        }


def _contents(ix: FileIndex) -> object:
    """Every posting and term statistic, field length and rowid, through the public API."""
    with ix.reader() as reader:
        found = []
        for fieldname, term in reader.all_terms():
            info = reader.term_info(fieldname, term)
            m = reader.postings(fieldname, term)
            postings = []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value()))
                m.next()
            stats = (info.doc_frequency(), info.min_length(), info.max_length(), info.max_id())
            found.append((fieldname, term, postings, stats))
        lengths = [
            [reader.doc_field_length(d, f) for f in reader.schema.names()]
            for d in range(reader.doc_count_all())
        ]
        numeric = [n for n in reader.schema.names() if reader.schema[n].column_type]
        columns = [list(reader.column_reader(n)) for n in numeric]
        return found, lengths, columns

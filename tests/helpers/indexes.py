"""Helpers for tests that build Whoosh indexes: the documents of a generated archive, and an
index written both ways vidbrowse writes (bulk segments, then Whoosh's own writer)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from whoosh.index import FileIndex
from whoosh.writing import IndexWriter

from vidbrowse.core.archive.parse import load_post
from vidbrowse.core.archive.post import Post
from vidbrowse.core.archive.scan import scan
from vidbrowse.core.engine import bulkwriter, index
from vidbrowse.generate import generate_archive


def generated_documents(
    root: Path, count: int, seed: int, extra: Sequence[Post] = ()
) -> list[dict[str, Any]]:
    """The index documents of a generated archive's posts, then of `extra`, rowids from 1."""
    generate_archive(root, count, seed=seed)
    loaded = [load_post(root, path) for path in sorted(scan(root).files)]
    posts = [p for p in loaded if isinstance(p, Post)] + list(extra)
    return [index.document(rowid, post) for rowid, post in enumerate(posts, 1)]


def bulk_then_writer(
    folder: Path, documents: list[dict[str, Any]], *, bulk: int, max_docs: int
) -> tuple[FileIndex, IndexWriter]:
    """`documents[:bulk]` committed as bulk segments of at most `max_docs`, then Whoosh's writer
    holding the rest, left open for the caller's updates, deletions and commit."""
    ix = index.create(folder)
    writer = ix.writer()
    _, segments = bulkwriter.build_segments(
        ix, documents[:bulk], bulkwriter.as_document, max_docs=max_docs
    )
    bulkwriter.commit(writer, segments)
    writer = ix.writer()
    for document in documents[bulk:]:
        writer.add_document(**document)
    return ix, writer

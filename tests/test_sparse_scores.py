"""A word in few documents has its fields' BM25F frequencies summed over its documents alone
(search.SPARSE_SUM), not over an array of every document: the scores and the order are the same
to the last bit as the pass over every document gives (a prefix or a typo stands for dozens of
such words: at a million posts each pass cost ~3 ms)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from vidbrowse.core.library.library import Library
from vidbrowse.core.query import search
from vidbrowse.generate import generate_archive

QUERIES = ["mus*", "vid*", "muzic~", "gome~", "music video", "love song", "the*", "title:love"]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("sparse")
    generate_archive(root / "archive", 600, seed=11)
    with Library.open(root / "archive", cache_dir=root / "cache") as lib:
        lib.update()
        yield lib


def answers(library: Library, sparse_sum: int, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setattr(search, "SPARSE_SUM", sparse_sum)
    monkeypatch.setattr(search, "_CACHE", search.SearcherCache())  # nothing kept from the other way
    found = []
    for query in QUERIES:
        results = library.search(query)
        assert results.scores is not None
        found.append((results.positions.tolist(), results.scores.tolist()))
    return found


def test_sums_over_the_documents_alone_equal_the_pass_over_every_document(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = answers(library, 10**9, monkeypatch)  # every word: a pass over every document
    sorted_calls: list[int] = []
    real = np.unique

    def unique(values: np.ndarray, **kwargs: Any) -> Any:
        sorted_calls.append(len(values))
        return real(values, **kwargs)

    monkeypatch.setattr(np, "unique", unique)
    alone = answers(library, 0, monkeypatch)  # every word: over its documents alone
    assert sorted_calls  # the words of several fields were summed so
    assert alone == every
    assert all(positions for positions, _ in every[:6])

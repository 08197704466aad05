"""A query matching a few posts (search.FEW_SHARE) is ordered, scored and counted from the list
of its matches: the same positions, scores (to the last bit), facet counts and rows as the pass
over every post gives, on an index of several segments with deleted documents, both engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers.posts import post_text, touch_later
from vidbrowse.core.library.library import Library
from vidbrowse.core.query import search
from vidbrowse.core.query.search import _Evaluator
from vidbrowse.generate import generate_archive, vocabulary

WORDS = vocabulary()
QUERIES = [
    WORDS[300],  # a rare word
    f"{WORDS[300]} OR {WORDS[301]}",
    f"{WORDS[302]} {WORDS[302]}",  # a word of two terms counts twice
    f"{WORDS[303]} title:{WORDS[303]}",
    f"{WORDS[304]} -{WORDS[305]}",
    '"love song"',
    '"love song" OR love',
    '"the who"',
    "tag:music tag:song",
    "(tag:guitar OR tag:piano) love",
    "channel:tv music",
    f"{WORDS[306]}* ",
    "muzic~ tag:music",
    f"{WORDS[307]} uploaded:2015..2020",
    "bossa nova",  # the edited posts' words
    "zzzunknown",
]
SORTS = [(None, False), (None, True), ("views", False), ("title", True), ("uploaded", True)]


def answers(library: Library, few_share: int, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setattr(search, "FEW_SHARE", few_share)
    monkeypatch.setattr(search, "_CACHE", search.SearcherCache())  # nothing kept from the other way
    found = []
    for query in QUERIES:
        for sort, reverse in SORTS:
            results = library.search(query, sort=sort, reverse=reverse)
            scores = results.scores
            found.append(
                (
                    results.positions.tolist(),
                    None if scores is None else scores.tolist(),
                    results.facets,
                    results.alternatives,
                    results.rows(0, 50),
                )
            )
    return found


def test_a_few_matches_are_ordered_scored_and_counted_as_every_post_would_be(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    generate_archive(archive, 700, seed=5)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        # A second segment, and an edited post's old version deleted in the first.
        edited = sorted(archive.rglob("*.md"))[3]
        edited.write_text(post_text(1, title="bossa nova love song", body="bossa nova"))
        touch_later(edited)
        (edited.parent / "new-post.md").write_text(post_text(2, title="bossa", body="love song"))
        library.update()
        every = answers(library, 10**9, monkeypatch)  # never few: passes over every post
        calls: list[int] = []
        real = _Evaluator.scores_at

        def scores_at(self: _Evaluator, *args: Any) -> np.ndarray:
            calls.append(1)
            return real(self, *args)

        monkeypatch.setattr(_Evaluator, "scores_at", scores_at)
        alone = answers(library, 0, monkeypatch)  # always few: from the list of matches
    assert calls  # the ranked ones were scored at their matches alone
    assert alone == every
    assert sum(1 for positions, *_ in every if positions) > len(every) // 2

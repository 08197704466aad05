"""More like this: the posts most like one post (`similar:VID_ID`, `M` in the app, `vidbrowse
similar`).

As Lucene's MoreLikeThis does, the post's own words become a weighted OR query: each word of its
title, tags and text weighs by its frequency there (saturated, the title above the tags above the
text) times its idf in the archive (document counts from the term tables, no postings read); the
SIGNIFICANT heaviest are scored through the same BM25F as typed words (search.py), each times its
weight. Posts sharing an exact tag or the channel gain that value's idf times TAG_WEIGHT or
CHANNEL_WEIGHT. Posts scoring less than MIN_SHARE of the post's own score (what a copy of it
would score) share too little to list. Whoosh's `more_like_this` needs term vectors or stored
text, which the index does not keep, and scores through Whoosh's own matchers: compared in
scripts/bench_similar.py (BENCHMARKS.md).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from vidbrowse.core.engine.analysis import words_of
from vidbrowse.core.query.columns import Columns
from vidbrowse.core.query.facets import Facet

# How much a word of the post weighs by the field it is in (the channel counts as a whole).
# These and the constants below were chosen on scripts/bench_similar.py (BENCHMARKS.md).
SOURCE_WEIGHTS = {"title": 2.0, "tags": 1.5, "text": 1.0}
# Where other posts are searched for the words: not in channel names ("Bill and Ted" is no
# TED talk); a shared channel counts as a whole (CHANNEL_WEIGHT).
MATCHED = ("title", "tags", "text")
SATURATION = 1.2  # BM25's k1: the 5th "subscribe" of a description adds little
SIGNIFICANT = 40  # words kept (Lucene's maxQueryTerms is 25: 40 measured better here)
TEXT_LIMIT = 20_000  # characters of the post's text read: a 16 MB post is no slower
TAG_WEIGHT = 3.0
CHANNEL_WEIGHT = 2.0
MIN_SHARE = 0.05


class Scorer(Protocol):
    """What a search's evaluator lends: word statistics and BM25F scores over the columns."""

    columns: Columns

    def documents(self) -> int:
        """Documents in the index."""
        ...

    def document_counts(self, words: Sequence[tuple[str, str]]) -> list[int]:
        """Documents holding each (field, word)."""
        ...

    def word_scores(self, weights: dict[str, float], fields: Sequence[str]) -> np.ndarray:
        """BM25F of each position for these index words (stems) in `fields`, each times its
        weight."""
        ...


@dataclass(frozen=True, slots=True)
class Source:
    """The post others are compared with: where it is (with its copies: left out) and its words."""

    position: int
    copies: np.ndarray  # positions of the posts sharing its vid_id (itself included)
    title: str
    channel: str
    tags: tuple[str, ...]
    text: str


def find_source(columns: Columns, target: str, text_of: Callable[[int], str]) -> Source | None:
    """The post `target` names (a vid_id, else a path); None when no post has it.
    `text_of(rowid)`: the post's clean text (its first TEXT_LIMIT characters are enough)."""
    found = np.flatnonzero(columns.exact("id", target))
    if not len(found):
        paths = np.fromiter((p == target for p in columns.paths), bool, count=len(columns))
        found = np.flatnonzero(paths)
        if not len(found):
            return None
    # Copies of a video share its vid_id: the one first by path speaks for them.
    position = min(found.tolist(), key=columns.paths.__getitem__)
    return Source(
        position=position,
        copies=found,
        title=columns.titles[position],
        channel=columns.channels[position],
        tags=columns.tags[position],
        text=text_of(int(columns.rowids[position])),
    )


def significant_words(source: Source, scorer: Scorer) -> dict[str, float]:
    """The post's SIGNIFICANT heaviest index words (stems) → their weight in it (frequency by
    field, saturated); words no other post holds are left out."""
    texts = {"title": source.title, "tags": " ".join(source.tags), "text": source.text}
    weights: dict[str, float] = {}
    pairs: list[tuple[str, str]] = []
    for field, text in texts.items():
        for word, count in Counter(words_of(text[:TEXT_LIMIT])).items():
            share = SOURCE_WEIGHTS[field] * count * (SATURATION + 1) / (count + SATURATION)
            weights[word] = weights.get(word, 0.0) + share
            pairs.append((field, word))
    # How common a word is where the post has it (the scorer counts every field, for the few
    # words kept): a look-up per segment and pair, the costliest step (BENCHMARKS.md).
    held: Counter[str] = Counter()
    for (_, word), found in zip(pairs, scorer.document_counts(pairs), strict=True):
        held[word] = max(held[word], found)
    documents = scorer.documents()
    rank = {
        word: weight * math.log(1 + (documents - held[word] + 0.5) / (held[word] + 0.5))
        for word, weight in weights.items()
        if held[word] >= 2  # the post alone (or with its copies, left out anyway): no one shares it
    }
    best = sorted(rank, key=lambda word: (-rank[word], word))[:SIGNIFICANT]
    return {word: weights[word] for word in best}


def likeness(source: Source, scorer: Scorer) -> np.ndarray:
    """How much each position is like `source` (0: not enough to list; the post and its copies
    are 0)."""
    columns = scorer.columns
    scores = scorer.word_scores(significant_words(source, scorer), MATCHED)
    scores += _shared(columns.facets["tag"], source.position, TAG_WEIGHT, len(columns))
    scores += _shared(columns.facets["channel"], source.position, CHANNEL_WEIGHT, len(columns))
    own = scores[source.position]
    scores[source.copies] = 0.0
    scores[scores < MIN_SHARE * own] = 0.0
    return scores


def _shared(facet: Facet, position: int, weight: float, size: int) -> np.ndarray:
    """`weight` times the idf of each value of `facet` the post at `position` holds, summed per
    position over the values it shares (case- and accent-insensitive, as `tag:` matches)."""
    rows, ids = facet.rows, facet.ids
    start, stop = np.searchsorted(rows, [position, position + 1])  # rows are in order
    values = np.unique(ids[start:stop])
    if not len(values):
        return np.zeros(size, dtype=np.float64)
    holding = np.isin(ids, values)
    ids_held, rows_held = ids[holding], rows[holding]
    found = np.bincount(ids_held, minlength=int(values.max()) + 1).astype(np.float64)
    idf = np.log(1 + (size - found + 0.5) / (found + 0.5))
    return np.bincount(rows_held, weights=weight * idf[ids_held], minlength=size)

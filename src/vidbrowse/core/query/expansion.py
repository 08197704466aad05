"""Term expansion: the Whoosh queries a query term compiles to, and the index terms a prefix
(`mus*`) or fuzzy (`muzic~`) term stands for, read from the term tables (engine/postings.py:
the index's vocabulary, or segment by segment)."""

from __future__ import annotations

import heapq

import whoosh.query as wq
from whoosh.support.levenshtein import distance

from vidbrowse.core.engine.analysis import plain_words, words_of
from vidbrowse.core.engine.postings import PostingSources
from vidbrowse.core.query.nodes import Term

# The index fields a Term without a field searches (the schema boosts title).
WORD_FIELDS = ("title", "channel", "tags", "text")
# Index terms a prefix or fuzzy term may stand for, per field: the most frequent of the first
# SCAN_LIMIT candidates per segment. Unbounded expansion is what made `a*` cost over a second
# (docs/measurements.md); reading a term's infos costs ~10 µs and its postings ≥ 50 µs.
SCAN_LIMIT = 1000
MAX_EXPANSIONS = 64


def compile_term(term: Term, segments: PostingSources) -> list[wq.Query] | None:
    fields = WORD_FIELDS if term.field is None else (term.field,)
    stems = words_of(term.text)
    if term.kind in ("word", "phrase"):
        if not stems:
            return None
        if len(stems) == 1:
            return [wq.Term(f, stems[0]) for f in fields]
        # Every word is indexed at its own position: `don't`, `e-mail` and `東京タワー` are
        # phrases of their words, as in the posts.
        return [wq.Phrase(f, stems) for f in fields]
    # Prefixes are matched against index terms before stemming would have cut them too.
    plain = plain_words(term.text)
    if not plain:
        return None
    if term.kind == "prefix":
        # Both spellings: "happy*" must find the stem "happi", "runn*" the unstemmed "runner".
        starts = list(dict.fromkeys([plain[-1], *stems[-1:]]))
        expand = (prefix_terms(segments, f, starts) for f in fields)
    elif term.kind == "fuzzy":
        # Index terms are stems: compare the stem of what was typed.
        target = stems[-1] if stems else plain[-1]
        close: dict[bytes, bool] = {}  # the same words come up in every segment and field
        expand = (fuzzy_terms(segments, f, target, term.distance, close) for f in fields)
    else:
        raise ValueError(f"unknown term kind {term.kind!r}")
    return [wq.Term(f, text) for f, texts in zip(fields, expand, strict=True) for text in texts]


def prefix_terms(segments: PostingSources, fieldname: str, starts: list[str]) -> list[str]:
    # Not through a multi-segment reader: it merges term infos at ~300 µs a term.
    return _most_frequent(segments.scan(fieldname, starts, SCAN_LIMIT))


def fuzzy_terms(
    segments: PostingSources, fieldname: str, text: str, maxdist: int, close: dict[bytes, bool]
) -> list[str]:
    """`close` remembers which index terms are within `maxdist` of `text`."""
    # Typos rarely touch the first letters; a shared prefix keeps the scan of the term list
    # short (one letter for short words, two for longer ones).
    start = text[: 1 if len(text) <= 4 else 2]
    lengths = (len(text) - maxdist, len(text) + maxdist)

    def near(raw: bytes) -> bool:
        if raw not in close:
            word = raw.decode("utf-8")
            close[raw] = abs(len(word) - len(text)) <= maxdist and (
                distance(word, text, maxdist) <= maxdist
            )
        return close[raw]

    # `scan` lists each term once, its documents over every segment already added up.
    found = segments.scan(fieldname, [start], SCAN_LIMIT, lengths)
    return _most_frequent({raw: documents for raw, documents in found.items() if near(raw)})


def _most_frequent(frequency: dict[bytes, int]) -> list[str]:
    best = heapq.nlargest(MAX_EXPANSIONS, frequency, key=frequency.__getitem__)
    return [raw.decode("utf-8") for raw in best]

"""One entry point from a query to results: which posts, in what order, with facet counts.

Whoosh only answers "which documents hold these words" (postings read straight into numpy, see
`postings.py`); everything else, relevance scores included, is numpy over those postings and the
columns. A query is evaluated to a boolean mask over column positions, then ordered, then counted
for facets.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import whoosh.query as wq
from whoosh.searching import Searcher

from vidbrowse.core.engine.index import LINKS_FIELD, field_lengths
from vidbrowse.core.engine.phrases import phrase_docnums
from vidbrowse.core.engine.postings import PostingSources, SearcherCache
from vidbrowse.core.links import query_parts
from vidbrowse.core.options import FACET_FIELDS, SORT_KEYS
from vidbrowse.core.query import similar
from vidbrowse.core.query.columns import Columns
from vidbrowse.core.query.editing import facet_selections, top_items
from vidbrowse.core.query.expansion import compile_term, prefix_terms
from vidbrowse.core.query.language import ParsedQuery
from vidbrowse.core.query.nodes import (
    And,
    Everything,
    Exact,
    Link,
    MarkTest,
    Node,
    Not,
    NoteMatch,
    Or,
    Range,
    Similar,
    Term,
)
from vidbrowse.core.query.ranking import Listed, Ranking

if TYPE_CHECKING:
    from vidbrowse.core.review.marks import Marks

__all__ = ["FACET_FIELDS", "SORT_KEYS", "Results", "Row", "execute"]

# Relevance is BM25F (Robertson & Zaragoza, "The Probabilistic Relevance Framework", 2009): a
# word's frequency in each field is normalised by the field's length against its average (b,
# LENGTH_NORM) and weighted (FIELD_WEIGHTS), summed over the fields, then saturated once (K1);
# its idf counts the posts holding it in any field. Tuned on scripts/bench_relevance.py.
K1 = 1.2
FIELD_WEIGHTS = {"title": 3.0, "channel": 1.5, "tags": 1.5, "text": 1.0}
LENGTH_NORM = {"title": 0.5, "channel": 0.5, "tags": 0.5, "text": 0.75}
# A word's fields are summed over its postings alone while it is in fewer than 1/SPARSE_SUM of
# the documents (sorting their postings costs more than a pass over every document beyond).
SPARSE_SUM = 32
# A query matching at most 1/FEW_SHARE of the posts is ordered, scored and counted from the list
# of its matches (see execute).
FEW_SHARE = 64
_CACHE = SearcherCache()


@dataclass(frozen=True, slots=True)
class Row:
    """What the results list shows for one post (from the columns; no disk access)."""

    rowid: int
    path: str
    vid_id: str
    title: str
    channel: str
    uploaded: int | None  # POSIX seconds
    posted: int | None
    duration: int | None
    views: int | None
    likes: int | None
    dislikes: int | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    score: float | None = None


def _no_matches() -> Listed:
    return Listed(np.empty(0, dtype=np.int64))


@dataclass
class Results:
    """The answer to one query. `rows(start, stop)` materialises only the rows asked for."""

    query: ParsedQuery  # what was searched: the highlighter and the facet pane read it too
    sort: str
    reverse: bool
    total: int
    facets: dict[str, list[tuple[str, int]]]  # field → [(value, count)], most frequent first
    # For each facet field the query selects values of (editing.facet_selections): the counts
    # over the results of the query without that selection, i.e. what each value finds in its
    # place. The facet pane shows them where a tick adds an alternative (`channel="A" OR …`).
    alternatives: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # stage → seconds
    # Column positions of the matches in display order, and their relevance scores when ranked;
    # with the columns they are all `rows()` needs.
    order: Listed | Ranking = field(default_factory=_no_matches, repr=False, compare=False)
    columns: Columns | None = field(default=None, repr=False, compare=False)

    @property
    def positions(self) -> np.ndarray:
        """Column positions of the matches, in display order."""
        return self.order.all()[0]

    @property
    def scores(self) -> np.ndarray | None:
        """Relevance scores of `positions`; None unless sorted by relevance."""
        return self.order.all()[1]

    def rows(self, start: int, stop: int) -> list[Row]:
        if self.columns is None:
            return []
        start, stop, _ = slice(start, stop).indices(self.total)
        positions, scores = self.order.first(stop)
        # Column by column, in bulk: a page of 50 rows in ~0.3 ms, against ~0.7 ms row by row.
        page = positions[start:stop]
        at = page.tolist()
        cols = self.columns
        n = cols.numeric
        return list(
            map(
                Row,
                cols.rowids[page].tolist(),
                cols.paths.take(at),
                cols.vid_ids.take(at),
                cols.titles.take(at),
                cols.channels.take(at),
                n["uploaded"].take(page),
                n["posted"].take(page),
                n["duration"].take(page),
                n["views"].take(page),
                n["likes"].take(page),
                n["dislikes"].take(page),
                cols.tags.take(at),
                cols.categories.take(at),
                [None] * len(at) if scores is None else scores[start:stop].tolist(),
            )
        )

    def __len__(self) -> int:
        return self.total

    def counts_for(self, field_name: str, mode: str) -> list[tuple[str, int]]:
        """The counts the facet pane shows for `field_name` when a tick there writes `mode`
        (editing.tick_mode): what a value finds once ticked ("and"), or in place of the
        field's selection ("or"; with no selection, the same)."""
        if mode == "or" and field_name in self.alternatives:
            return self.alternatives[field_name]
        return self.facets.get(field_name, [])


def execute(
    query: ParsedQuery,
    columns: Columns,
    searcher: Searcher,
    docnum_rowids: np.ndarray,
    *,
    sort: str | None,
    reverse: bool,
    facet_limit: int | None,
    marks: Marks | None = None,
    text_of: Callable[[int], str] | None = None,
) -> Results:
    """Evaluate `query` over `columns` (words through `searcher`) into ordered Results.
    `docnum_rowids`: the rowid of each docnum of `searcher`, -1 for deleted documents (an
    updated post keeps its old version, with the same rowid, until segments merge) and for
    documents the columns do not hold (see library.view.open_view, which masks them once).

    `sort=None` means the query's default (ParsedQuery.default_sort). Relevance is
    BM25F (see FIELD_WEIGHTS), summed over the positive terms and computed with numpy from the
    postings already read to match: Whoosh's own scorer costs ~3 µs per posting (~120 ms for a
    word in all of 30k posts).
    Equal scores (e.g. posts matched only through `OR tag:x`) follow newest upload first.
    `reverse` flips the whole order, except that posts with an unknown sort value stay last.
    `marks` answers `is:`, `has:` and `note:`; None means no marks (every post unread).
    `text_of(rowid)`: a post's clean text, for `similar:` (None: its title and tags only).
    """
    if sort is None:
        sort = query.default_sort()
    if sort not in SORT_KEYS:
        raise ValueError(f"unknown sort {sort!r}: use one of {', '.join(SORT_KEYS)}")
    started = time.perf_counter()
    doc_positions, position_docnums = columns.docnum_positions(docnum_rowids)
    evaluator = _Evaluator(columns, searcher, doc_positions, marks, text_of or (lambda _: ""))
    # The items the whole query requires, each evaluated once: a facet field's alternatives are
    # counted over all of them but those holding its selection.
    items = top_items(query.tree)
    item_masks = [evaluator.mask(item) for item in items]
    mask = _all_of(item_masks, len(columns))
    # A few matches are listed once: ordering, scoring and counting them then costs in
    # proportion to them, not to the posts.
    few = np.flatnonzero(mask) if np.count_nonzero(mask) * FEW_SHARE <= len(mask) else None
    evaluated = time.perf_counter()

    order: Listed | Ranking
    if sort == "relevance" and query.ranked:
        # Equal scores stay in upload order.
        positions = columns.in_order("uploaded", False, mask, few)
        if few is None or query.similar:
            scores = evaluator.scores(query.terms, query.similar)[positions]
        else:
            scores = evaluator.scores_at(query.terms, position_docnums[positions])
        order = Ranking(positions, scores, reverse)
    else:  # relevance without words means nothing: upload order
        key = "uploaded" if sort == "relevance" else sort
        positions = columns.in_order(key, reverse, mask, few)
        order = Listed(positions)
    sorted_at = time.perf_counter()

    # facet_limit 0: the caller shows no facets (a CLI search), so none are counted.
    facets: dict[str, list[tuple[str, int]]] = {}
    alternatives: dict[str, list[tuple[str, int]]] = {}
    if facet_limit != 0:
        # No constraint counts every post: the facets keep those counts (an empty query's, and
        # the alternatives of a query holding only its facet selections).
        everything = all(m is None for m in item_masks)
        facets = {
            name: columns.facets[name].counts(None if everything else mask, facet_limit, few)
            for name in FACET_FIELDS
        }
        for name, (_, held) in facet_selections(query.tree).items():
            others = [m for k, m in enumerate(item_masks) if k not in held and m is not None]
            alternatives[name] = columns.facets[name].counts(
                _all_of(others, len(columns)) if others else None, facet_limit
            )
    done = time.perf_counter()
    return Results(
        query=query,
        sort=sort,
        reverse=reverse,
        total=len(positions),
        facets=facets,
        alternatives=alternatives,
        timings={
            "match": evaluator.word_seconds,
            "filter": evaluated - started - evaluator.word_seconds,
            "sort": sorted_at - evaluated,
            "facets": done - sorted_at,
        },
        order=order,
        columns=columns,
    )


def _all_of(masks: Sequence[np.ndarray | None], size: int) -> np.ndarray:
    """The posts every mask holds (None: a mask that constrains nothing)."""
    combined = np.ones(size, dtype=bool)
    for mask in masks:
        if mask is not None:
            combined &= mask
    return combined


class _Evaluator:
    """Turns a query tree into a mask over column positions. A Term whose words all vanish in
    analysis (stop words, single letters) constrains nothing and is left out: `mask` returns None
    for it and its parents ignore it."""

    def __init__(
        self,
        columns: Columns,
        searcher: Searcher,
        doc_positions: np.ndarray,
        marks: Marks | None,
        text_of: Callable[[int], str],
    ) -> None:
        self.columns = columns
        self.text_of = text_of
        self._likeness: dict[Similar, np.ndarray] = {}
        self.marks = marks
        self.searcher = searcher
        self.reader = searcher.reader()
        self.segments = PostingSources(self.reader)
        self.doc_positions = doc_positions
        self.word_seconds = 0.0

    def mask(self, node: Node) -> np.ndarray | None:
        size = len(self.columns)
        if isinstance(node, Everything):
            return np.ones(size, dtype=bool)
        if isinstance(node, Term):
            return self._words(node)
        if isinstance(node, Exact):
            return self.columns.exact(node.field, node.value)
        if isinstance(node, Link):
            return self._links(node)
        if isinstance(node, Range):
            return self.columns.in_range(node.field, node.low, node.high)
        if isinstance(node, MarkTest):
            return self._marked(node.name)
        if isinstance(node, Similar):
            return self.likeness(node) > 0
        if isinstance(node, NoteMatch):
            if self.marks is None:
                return np.zeros(size, dtype=bool)
            return self.marks.note_mask(self.columns, node.text)
        if isinstance(node, Not):
            inner = self.mask(node.item)
            return None if inner is None else ~inner
        if isinstance(node, And | Or):
            masks = [m for m in map(self.mask, node.items) if m is not None]
            if not masks:
                return None
            combined = masks[0].copy()
            for m in masks[1:]:
                if isinstance(node, And):
                    combined &= m
                else:
                    combined |= m
            return combined
        raise TypeError(f"not a query node: {node!r}")

    def _links(self, node: Link) -> np.ndarray:
        """`link:`: every part of the value among a post's link parts (a prefix: any part
        starting so); `has:link`: any site, from the columns."""
        if not node.value:
            return self.columns.holding("site")
        started = time.perf_counter()
        parts = query_parts(node.value)
        if node.prefix:
            parts = prefix_terms(self.segments, LINKS_FIELD, parts[:1])
        mask: np.ndarray | None = None
        for docnums, _ in self._postings_of([(LINKS_FIELD, part) for part in parts]):
            positions = self.doc_positions[docnums]
            found = np.zeros(len(self.columns), dtype=bool)
            found[positions[positions >= 0]] = True
            if node.prefix:
                mask = found if mask is None else mask | found
            else:
                mask = found if mask is None else mask & found
        self.word_seconds += time.perf_counter() - started
        return np.zeros(len(self.columns), dtype=bool) if mask is None else mask

    def _marked(self, name: str) -> np.ndarray:
        if name == "unread":
            return ~self._marked("read")
        if self.marks is None:
            return np.zeros(len(self.columns), dtype=bool)
        # The cached mask is shared: callers (And/Or) copy before combining, Not makes a new one.
        return self.marks.mask(self.columns, name)

    def scores(self, terms: Sequence[Term], likes: Sequence[Similar] = ()) -> np.ndarray:
        """Relevance of every position to `terms` (0 where none of them occurs): BM25F, summed
        over the index words the terms stand for (see FIELD_WEIGHTS); plus the likeness to
        each `similar:` in `likes`."""
        scores = np.zeros(len(self.columns), dtype=np.float64)
        for term in terms:  # a word of two terms counts twice
            self._add_scores(scores, self._term_words(term), None)
        for node in likes:
            scores += self.likeness(node)
        return scores

    def word_scores(self, weights: dict[str, float], fields: Sequence[str]) -> np.ndarray:
        """BM25F of every position for index words (stems) in `fields`, each times its weight
        (similar.Scorer)."""
        scores = np.zeros(len(self.columns), dtype=np.float64)
        self._add_scores(scores, [(f, word) for word in weights for f in fields], weights)
        return scores

    def _add_scores(
        self, scores: np.ndarray, words: list[tuple[str, str]], weights: dict[str, float] | None
    ) -> None:
        """Add to `scores` the BM25F of each word of `words` (fieldname, index word), times
        its weight in `weights` (None: 1)."""
        documents = self.documents()
        for word, fields in self._by_word(words).items():
            docnums, frequency = self._frequency(fields)
            positions = self.doc_positions[docnums]
            live = positions >= 0
            found = int(live.sum())
            idf = math.log(1 + (documents - found + 0.5) / (found + 0.5))
            tf = frequency[live]
            weight = 1.0 if weights is None else weights[word]
            scores[positions[live]] += weight * idf * tf * (K1 + 1) / (tf + K1)

    def scores_at(self, terms: Sequence[Term], docnums: np.ndarray) -> np.ndarray:
        """`scores(terms)` of the documents `docnums` (live, one a position) alone: each
        word's postings searched for them, where `scores` passes over every posting (a common
        word of a phrase: thousands). The same sums in the same order, so the same floats."""
        scores = np.zeros(len(docnums), dtype=np.float64)
        documents = self.documents()
        for word, fields in [
            item for term in terms for item in self._by_word(self._term_words(term)).items()
        ]:
            tf = np.zeros(len(docnums), dtype=np.float64)
            for fieldname, ids, weights in fields:
                if not len(ids):
                    continue
                at = np.minimum(np.searchsorted(ids, docnums), len(ids) - 1)
                held = ids[at] == docnums
                tf[held] += self._weighted(fieldname, docnums[held], weights[at[held]])
            found = self._live_documents(word, fields)
            idf = math.log(1 + (documents - found + 0.5) / (found + 0.5))
            scores += idf * tf * (K1 + 1) / (tf + K1)
        return scores

    def _live_documents(self, word: str, fields: list[tuple[str, np.ndarray, np.ndarray]]) -> int:
        """Live documents holding `word` in any of `fields` (its idf's count). A word in many
        documents (a phrase's common words) is counted once while the index state lasts."""
        live = self.doc_positions >= 0
        if len(fields) == 1:
            return int(np.count_nonzero(live[fields[0][1]]))
        if sum(len(ids) for _, ids, _ in fields) * SPARSE_SUM <= len(live):
            # Sorted, each document's first taken (np.unique's first call imports numpy.ma).
            docs = np.sort(np.concatenate([ids for _, ids, _ in fields]))
            first = np.ones(len(docs), dtype=bool)
            np.not_equal(docs[1:], docs[:-1], out=first[1:])
            return int(np.count_nonzero(live[docs[first]]))

        def count() -> int:  # as `_frequency`: a pass over every document
            held = np.zeros(len(live), dtype=bool)
            for _, ids, _ in fields:
                held[ids] = True
            return int(np.count_nonzero(held & live))

        key = ("live documents", word, tuple(fieldname for fieldname, _, _ in fields))
        return _CACHE.get(self.searcher, key, count)

    def _term_words(self, term: Term) -> list[tuple[str, str]]:
        """(fieldname, index word) of each word `term` stands for, a phrase's one by one."""
        return [
            (q.fieldname, word)
            for q in self.alternatives(term) or []
            for word in (q.words if isinstance(q, wq.Phrase) else [q.text])
        ]

    def _by_word(
        self, words: list[tuple[str, str]]
    ) -> dict[str, list[tuple[str, np.ndarray, np.ndarray]]]:
        """Each index word's (fieldname, docnums, weights) in the fields `words` name it in."""
        by_word: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {}
        for (fieldname, word), (docnums, frequencies) in zip(
            words, self._postings_of(words), strict=True
        ):
            by_word.setdefault(word, []).append((fieldname, docnums, frequencies))
        return by_word

    def documents(self) -> int:
        """Documents in the index (similar.Scorer)."""
        # Whoosh sums its segments' counts at each call (~10 µs): kept with the searcher.
        return _CACHE.get(self.searcher, "documents", lambda: max(self.reader.doc_count(), 1))

    def document_counts(self, words: Sequence[tuple[str, str]]) -> list[int]:
        """Documents holding each (fieldname, index word) (similar.Scorer)."""
        return self.segments.documents_of(words)

    def likeness(self, node: Similar) -> np.ndarray:
        """How much each position is like the post `node` names (see similar.py): once per
        search, for its mask and its scores."""
        found = self._likeness.get(node)
        if found is None:
            source = similar.find_source(self.columns, node.target, self.text_of)
            found = np.zeros(len(self.columns))
            if source is not None:
                found = similar.likeness(source, self)
            self._likeness[node] = found
        return found

    def _frequency(
        self, fields: list[tuple[str, np.ndarray, np.ndarray]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, BM25F frequency) of one word from its postings in each field: each
        field's frequency over its length normalisation, times the field's weight, summed."""
        if len(fields) == 1:
            fieldname, docnums, weights = fields[0]
            return docnums, self._weighted(fieldname, docnums, weights)
        postings = sum(len(docnums) for _, docnums, _ in fields)
        if postings * SPARSE_SUM > len(self.doc_positions):
            total = np.zeros(len(self.doc_positions), dtype=np.float64)
            for fieldname, docnums, weights in fields:
                # A document appears once in a field's postings: plain += is safe.
                total[docnums] += self._weighted(fieldname, docnums, weights)
            held = np.flatnonzero(total)
            return held, total[held]
        # A word in few documents (most of a prefix's or a typo's): summed over its documents
        # alone, where a pass over every document per word cost ~3 ms at a million posts. The
        # same sums, each document's fields added in the same order.
        held, where = np.unique(
            np.concatenate([docnums for _, docnums, _ in fields]), return_inverse=True
        )
        total = np.zeros(len(held), dtype=np.float64)
        at = 0
        for fieldname, docnums, weights in fields:
            total[where[at : at + len(docnums)]] += self._weighted(fieldname, docnums, weights)
            at += len(docnums)
        return held, total

    def _weighted(self, fieldname: str, docnums: np.ndarray, weights: np.ndarray) -> np.ndarray:
        # Postings hold frequencies times the schema's field_boost: divided out here.
        boost = self.reader.schema[fieldname].format.field_boost
        b = LENGTH_NORM[fieldname]
        norm = _CACHE.get(self.searcher, ("norm", fieldname, b), lambda: self._norm(fieldname, b))
        tf = weights.astype(np.float64) / boost
        return FIELD_WEIGHTS[fieldname] * tf / norm[docnums]

    def _norm(self, fieldname: str, b: float) -> np.ndarray:
        """1 - b + b x length / average length, per docnum (BM25's length normalisation)."""
        lengths = field_lengths(self.searcher, fieldname).astype(np.float64)
        # The average over live documents: deleted ones (an update's old versions) stay in
        # the segments until they merge, and an index built afresh must rank the same.
        held = lengths[(lengths > 0) & (self.doc_positions >= 0)]
        average = float(held.mean()) if len(held) else 1.0
        return 1 - b + b * np.maximum(lengths, 1) / average

    def _words(self, term: Term) -> np.ndarray | None:
        started = time.perf_counter()
        queries = self.alternatives(term)
        if queries is None:
            return None
        mask = np.zeros(len(self.columns), dtype=bool)
        words = [(q.fieldname, q.text) for q in queries if not isinstance(q, wq.Phrase)]
        phrases = [
            _CACHE.get(self.searcher, q, partial(self._phrase, q))
            for q in queries
            if isinstance(q, wq.Phrase)
        ]
        for docnums, _ in [*self._postings_of(words), *phrases]:
            positions = self.doc_positions[docnums]
            mask[positions[positions >= 0]] = True
        self.word_seconds += time.perf_counter() - started
        return mask

    def _postings_of(self, words: list[tuple[str, str]]) -> list[tuple[np.ndarray, np.ndarray]]:
        """The postings of each (fieldname, text): cached, the missing ones read together."""
        return _CACHE.get_many(self.searcher, words, self.segments.postings_of)  # type: ignore[arg-type]

    def _phrase(self, q: wq.Phrase) -> tuple[np.ndarray, np.ndarray]:
        # The words' postings are read on the way: cached, the scorer finds them there.
        def keep(word: str, postings: tuple[np.ndarray, np.ndarray]) -> None:
            _CACHE.get(self.searcher, (q.fieldname, word), lambda: postings)

        # Its words' postings, when kept (typing the phrase, its words were searched first).
        words = list(dict.fromkeys(q.words))
        found = _CACHE.peek(self.searcher, [(q.fieldname, word) for word in words])
        known = None if found is None else dict(zip(words, found, strict=True))
        docnums = phrase_docnums(self.searcher, q, keep, known)
        return docnums, np.ones(len(docnums), dtype=np.float32)

    def alternatives(self, term: Term) -> list[wq.Query] | None:
        """Whoosh queries any of which matches `term`; None when its analysis leaves no word."""
        # Expanding a prefix or fuzzy term reads the term list: worth keeping too.
        return _CACHE.get(self.searcher, term, lambda: compile_term(term, self.segments))

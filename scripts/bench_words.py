"""CPU time of common words and phrases of them, vidbrowse against SQLite FTS5 on the same posts:
vidbrowse's search + facets + first page, FTS5's page + count + tag facets (bench_tasks.py's),
median of `repeats` runs, the postings cache emptied before each (as for a new query).

    PYTHONPATH=src python scripts/bench_words.py ARCHIVE CACHE_DIR FTS5_DB [repeats] [--mix|--cold]

ARCHIVE, CACHE_DIR and FTS5_DB as scripts/bench.py leaves them under its --root (data/…,
index/…, peers/fts5-….db; copy the index first: opening it may rewrite caches). With `--mix`:
bench.py's query mix instead, p50 and p95 per kind of each query's CPU time (median of
`repeats`), both engines in the same run: wall-clock figures mean little on a busy machine.
With `--cold`: the mix once, in bench.py's order, in this new process (nothing read before but
bench.py's warm-up query, as bench.py's figures are): CPU time per query, both engines.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench_queries import Query, query_mix
from bench_tasks import _fts_query, _open, _timed_query, percentiles

from vidbrowse.core.engine.postings import SearcherCache
from vidbrowse.core.query import search

# (vidbrowse query, FTS5 MATCH or None)
QUERIES = (
    ("the", "the"),
    ("it", "it"),
    ("NOT the", None),
    ('"music video"', '"music video"'),
    ('"love song"', '"love song"'),
    ('"of the"', '"of the"'),
    ('"to be or not to be"', '"to be or not to be"'),
    ('"play the game"', '"play the game"'),
)


def _cpu_ms(run: Callable[[], object], repeats: int, warm: Callable[[], object]) -> float:
    """Median CPU time of `repeats` calls, in ms; before each, the postings cache emptied and
    `warm()` run (a query of another word: what bench.py's queries find cached, such as the
    fields' lengths, is cached again)."""
    times: list[float] = []
    for _ in range(repeats):
        search._CACHE = SearcherCache()
        warm()
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def words(library: Any, con: sqlite3.Connection, repeats: int) -> None:
    warm = partial(_timed_query, library, Query("warm-up", "weather"))
    print(f"{'query':24} {'vb ms':>8} {'FTS5 ms':>8}  hits vb/FTS5")
    for text, match in QUERIES:
        query = Query("words", text, fts_match=match)
        hits = _timed_query(library, query)[1]
        ours = _cpu_ms(lambda q=query: _timed_query(library, q), repeats, warm)
        found: int | str = _fts_query(con, query) if match else "-"
        theirs = _cpu_ms(lambda q=query: _fts_query(con, q), repeats, warm) if match else None
        fts = "n/a" if theirs is None else f"{theirs:8.1f}"
        print(f"{text:24} {ours:8.1f} {fts:>8}  {hits}/{found}")


def mix(library: Any, con: sqlite3.Connection, repeats: int) -> None:
    warm = partial(_timed_query, library, Query("warm-up", "weather"))
    ours: dict[str, list[float]] = {}
    theirs: dict[str, list[float]] = {}
    for query in query_mix():
        ours.setdefault(query.kind, []).append(
            _cpu_ms(lambda q=query: _timed_query(library, q), repeats, warm) / 1000
        )
        if query.fts_match is not None or query.fts_rowids is not None:
            theirs.setdefault(query.kind, []).append(
                _cpu_ms(lambda q=query: _fts_query(con, q), repeats, warm) / 1000
            )
    _print_kinds(ours, theirs)


def cold(library: Any, con: sqlite3.Connection, _repeats: int) -> None:
    _timed_query(library, Query("warm-up", "weather"))
    _fts_query(con, Query("warm-up", "weather", fts_match="weather"))
    ours: dict[str, list[float]] = {}
    theirs: dict[str, list[float]] = {}
    for query in query_mix():
        started = time.process_time()
        _timed_query(library, query)
        ours.setdefault(query.kind, []).append(time.process_time() - started)
        if query.fts_match is not None or query.fts_rowids is not None:
            started = time.process_time()
            _fts_query(con, query)
            theirs.setdefault(query.kind, []).append(time.process_time() - started)
    _print_kinds(ours, theirs)


def _print_kinds(ours: dict[str, list[float]], theirs: dict[str, list[float]]) -> None:
    print(f"{'kind':16} {'vb p50':>7} {'vb p95':>7} {'FTS5 p50':>8} {'FTS5 p95':>8}  (CPU ms)")
    for kind, samples in ours.items():
        vb = percentiles(samples)
        fts = percentiles(theirs[kind]) if kind in theirs else None
        peer = f"{fts['p50']:8.1f} {fts['p95']:8.1f}" if fts else f"{'n/a':>8} {'n/a':>8}"
        print(f"{kind:16} {vb['p50']:7.1f} {vb['p95']:7.1f} {peer}")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    archive, cache, db = (Path(arg) for arg in args[:3])
    repeats = int(args[3]) if len(args) > 3 else 5
    library = _open(archive, cache)
    con = sqlite3.connect(db)
    run = cold if "--cold" in sys.argv else mix if "--mix" in sys.argv else words
    run(library, con, repeats)
    library.close()


if __name__ == "__main__":
    main()

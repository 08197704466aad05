"""CPU time of common words and phrases of them, vidbrowse against SQLite FTS5 on the same posts:
vidbrowse's search + facets + first page, FTS5's page + count + tag facets (bench_tasks.py's),
median of `repeats` runs, the postings cache emptied before each (as for a new query).

    PYTHONPATH=src python scripts/bench_words.py ARCHIVE CACHE_DIR FTS5_DB [repeats]

ARCHIVE, CACHE_DIR and FTS5_DB as scripts/bench.py leaves them under its --root (data/…,
index/…, peers/fts5-….db; copy the index first: opening it may rewrite caches).
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import time
from pathlib import Path

from bench_queries import Query
from bench_tasks import _fts_query, _open, _timed_query

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


def main() -> None:
    archive, cache, db = (Path(arg) for arg in sys.argv[1:4])
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    library = _open(archive, cache)
    con = sqlite3.connect(db)
    _timed_query(library, Query("warm-up", "weather"))
    print(f"{'query':24} {'vb ms':>8} {'FTS5 ms':>8}  hits vb/FTS5")
    for text, match in QUERIES:
        ours: list[float] = []
        for _ in range(repeats):
            search._CACHE = SearcherCache()
            started = time.process_time()
            _, hits = _timed_query(library, Query("words", text))
            ours.append(time.process_time() - started)
        theirs: list[float] = []
        found: int | str = "-"
        for _ in range(repeats if match else 0):
            started = time.process_time()
            found = _fts_query(con, Query("words", text, fts_match=match))
            theirs.append(time.process_time() - started)
        fts = f"{statistics.median(theirs) * 1000:8.1f}" if theirs else f"{'n/a':>8}"
        print(f"{text:24} {statistics.median(ours) * 1000:8.1f} {fts}  {hits}/{found}")
    library.close()


if __name__ == "__main__":
    main()

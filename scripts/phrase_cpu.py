"""CPU time of phrase matching alone (`phrases.phrase_docnums`, no cache), per phrase over the
four word fields, as a query for it reads them: the benchmark's phrases (two common words) and
phrases of a rare and a common word. Prints the best of `repeats` runs per phrase, in ms.

    PYTHONPATH=src python scripts/phrase_cpu.py CACHE_DIR [repeats]

CACHE_DIR is an index folder as `vidbrowse index --index-dir` makes (copy it first: opening it
may rewrite caches)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import whoosh.query as wq
from bench_queries import PAIRS, vocabulary

from vidbrowse.core.engine.index import open_searcher
from vidbrowse.core.engine.phrases import phrase_docnums
from vidbrowse.core.query.expansion import WORD_FIELDS


def main() -> None:
    cache = Path(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    (folder,) = cache.glob("indexes/*/text")
    _, searcher = open_searcher(folder)
    words = vocabulary()
    rare = [("music", words[8000]), (words[8001], "video"), ("game", words[3000])]
    for title, pairs in (("two common words", PAIRS), ("a rare and a common word", rare)):
        total = 0.0
        print(title)
        for a, b in pairs:
            best, found = float("inf"), 0
            for _ in range(repeats):
                started = time.process_time()
                found = sum(
                    len(phrase_docnums(searcher, wq.Phrase(f, [a, b]), lambda *_: None))
                    for f in WORD_FIELDS
                )
                best = min(best, (time.process_time() - started) * 1000)
            total += best
            print(f"  {a} {b}: {found} documents, {best:.1f} ms")
        print(f"  sum {total:.1f} ms")


if __name__ == "__main__":
    main()

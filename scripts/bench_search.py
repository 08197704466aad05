"""Micro-benchmark of `search.execute`: p50/p95 per query kind on synthetic posts.

    python scripts/bench_search.py [--posts 30000] [--index DIR] [--runs 20]

The synthetic Whoosh index is built into DIR (a temporary folder if not given) unless DIR
already holds one built by this script for the same --posts; the columns are rebuilt each run
from the same seeded generator. Prints build times, then one line per query kind.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import whoosh.index

from vidbrowse.core.engine.index import SCHEMA, deleted_docnums
from vidbrowse.core.query.columns import ColumnRow, Columns
from vidbrowse.core.query.language import ParsedQuery
from vidbrowse.core.query.nodes import And, Everything, Exact, Node, Not, Or, Range, Term
from vidbrowse.core.query.search import execute

QUERIES: dict[str, Node] = {
    "empty (uploaded)": Everything(),
    "empty by views": Everything(),
    "common word": Term("music"),
    "rare word": Term("zebra"),
    "two words": And((Term("music"), Term("live"))),
    "phrase": Term("live music", "phrase"),
    "prefix": Term("mu", "prefix"),
    "prefix, 1k terms": Term("w1", "prefix"),
    "fuzzy": Term("musik", "fuzzy"),
    "fuzzy, rare": Term("w1234y", "fuzzy", distance=2),
    "title:word": Term("music", field="title"),
    "tag": Exact("tag", "tag7"),
    "tag OR tag": Or((Exact("tag", "tag7"), Exact("tag", "tag8"))),
    "word NOT tag": And((Term("music"), Not(Exact("tag", "tag1")))),
    "range": Range("views", 1000, 100_000),
    "word + range": And((Term("live"), Range("duration", 60, 600))),
}
SORTS = {"empty by views": "views"}
COMMON = ["music", "live", "video", "official", "news", "game", "best", "world", "new", "show"]


def synthetic(count: int) -> list[tuple[ColumnRow, str]]:
    """Posts with a Zipf-like vocabulary, so some words are everywhere and most are rare."""
    rnd = random.Random(42)
    vocab = COMMON + [f"w{i}x" for i in range(20_000)] + ["zebra", "musique", "muse"]
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    tags = [f"Tag{i}" for i in range(5_000)]
    channels = [f"Channel {i}" for i in range(2_000)]
    posts = []
    for i in range(count):
        words = rnd.choices(vocab, weights, k=70)
        row = ColumnRow(
            rowid=i + 1,
            path=f"_posts/{i:06d}.md",
            vid_id=f"v{i}",
            title=" ".join(words[:7]),
            channel=rnd.choice(channels),
            tags=tuple(rnd.choices(tags, k=rnd.randint(0, 12))),
            categories=(rnd.choice(["Music", "Sport", "News", "Gaming"]),),
            posted=rnd.randint(1_500_000_000, 1_700_000_000),
            uploaded=rnd.choice([None, rnd.randint(1_200_000_000, 1_700_000_000)]),
            duration=rnd.choice([None, rnd.randint(1, 7_200)]),
            views=rnd.choice([None, rnd.randint(0, 10_000_000)]),
            likes=rnd.randint(0, 100_000),
            dislikes=None,
        )
        posts.append((row, " ".join(words[7:])))
    return posts


def build_index(folder: Path, posts: list[tuple[ColumnRow, str]]) -> None:
    ix = whoosh.index.create_in(str(folder), SCHEMA)
    writer = ix.writer(limitmb=512, procs=2, multisegment=True)
    for row, text in posts:
        writer.add_document(
            rowid=row.rowid,
            title=row.title,
            channel=row.channel,
            tags=" ".join(row.tags),
            text=text,
        )
    writer.commit()
    (folder / "bench-posts.txt").write_text(str(len(posts)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=30_000)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    folder = args.index or Path(tempfile.mkdtemp(prefix="vidbrowse-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    posts = synthetic(args.posts)
    marker = folder / "bench-posts.txt"
    if not marker.exists() or marker.read_text() != str(args.posts):
        started = time.perf_counter()
        build_index(folder, posts)
        print(f"index build: {time.perf_counter() - started:.1f} s ({folder})")
    started = time.perf_counter()
    columns = Columns.build([row for row, _ in posts])
    print(f"Columns.build: {(time.perf_counter() - started) * 1000:.0f} ms for {len(columns)} rows")

    ix = whoosh.index.open_dir(str(folder))
    with ix.searcher() as searcher:
        started = time.perf_counter()
        rowids = np.full(searcher.doc_count_all(), -1, dtype=np.int64)
        for docnum, rowid in enumerate(searcher.reader().column_reader("rowid")):
            rowids[docnum] = rowid
        rowids[deleted_docnums(searcher)] = -1  # as a library's view hands them to execute
        print(f"docnum → rowid map: {(time.perf_counter() - started) * 1000:.0f} ms")
        print(f"{'query':<18} {'hits':>6} {'cold ms':>7} {'p50 ms':>7} {'p95 ms':>7}  warm stages")
        for name, node in QUERIES.items():
            times: list[float] = []
            stages: dict[str, list[float]] = {}
            total = 0
            for _ in range(args.runs):
                started = time.perf_counter()
                results = execute(
                    ParsedQuery.of(node, name), columns, searcher, rowids,
                    sort=SORTS.get(name), reverse=False, facet_limit=50,
                )  # fmt: skip
                results.rows(0, 50)
                times.append((time.perf_counter() - started) * 1000)
                total = results.total
                for stage, seconds in results.timings.items():
                    stages.setdefault(stage, []).append(seconds * 1000)
            # The first run reads postings from disk; later ones find them cached.
            warm = times[1:] or times
            p50 = statistics.median(warm)
            p95 = statistics.quantiles(warm, n=20)[-1] if len(warm) > 1 else warm[0]
            detail = " ".join(f"{s}={statistics.median(v[1:] or v):.1f}" for s, v in stages.items())
            print(f"{name:<18} {total:>6} {times[0]:>7.1f} {p50:>7.1f} {p95:>7.1f}  {detail}")


if __name__ == "__main__":
    main()

"""Benchmark of the review features: loading marks, mark masks, exports, stats, health.

    python scripts/bench_review.py [--marks 100000] [--posts 30000] [--work DIR]

Marks: a review file with --marks marked posts (a third starred, a tenth with a note) is written
into DIR, then opened (all marks loaded) and turned into masks over --marks columns. Exports: a
generated archive of --posts posts is indexed in DIR (reused when present), then every result is
exported in each format to /dev/null-like sinks. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from vidbrowse.core.archive.post import Post
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.columns import ColumnRow, Columns
from vidbrowse.core.reports.export import FORMATS, export
from vidbrowse.core.reports.health import check
from vidbrowse.core.reports.stats import result_stats
from vidbrowse.core.review.marks import post_key
from vidbrowse.core.review.state import Review
from vidbrowse.generate import generate_archive


def best(fn: object, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def bench_marks(work: Path, count: int) -> None:
    archive = work / "marks-archive"
    archive.mkdir(exist_ok=True)
    posts = [Post(path=f"p{i}.md", vid_id=f"vid{i:07}", title="t") for i in range(count)]
    review = Review.open(archive, data_dir=work / "data")
    if len(review.marks) < count:
        start = time.perf_counter()
        review.marks.set_many(posts, read=True)
        review.marks.set_many(posts[::3], starred=True)
        for post in posts[:200]:
            review.marks.set_note(post, f"note about {post.vid_id}, café")
        print(f"write {count:,} marks in 2 batches + 200 notes: "
              f"{time.perf_counter() - start:.2f} s")  # fmt: skip
    review.close()
    size = sum(f.stat().st_size for f in review.path.parent.iterdir())
    print(f"review file: {size / 1e6:.1f} MB")

    def load() -> None:
        Review.open(archive, data_dir=work / "data").close()

    print(f"open + load {count:,} marks: {best(load) * 1000:.0f} ms")
    rows = [
        ColumnRow(i, p.path, p.vid_id, "t", "", (), (), None, None, None, None, None, None)
        for i, p in enumerate(posts)
    ]
    columns = Columns.build(rows)
    with Review.open(archive, data_dir=work / "data") as review:
        marks = review.marks
        assert post_key(posts[0]) == ("id", "vid0000000")
        first = time.perf_counter()
        starred = marks.mask(columns, "starred")
        print(f"is:starred mask over {count:,} posts, first: "
              f"{(time.perf_counter() - first) * 1000:.1f} ms ({int(starred.sum()):,} starred); "
              f"cached: {best(lambda: marks.mask(columns, 'starred')) * 1e6:.0f} µs")  # fmt: skip
        print(f"note:cafe mask: {best(lambda: marks.note_mask(columns, 'cafe')) * 1000:.1f} ms")
        print(f"toggle one star (one fsynced commit): "
              f"{best(lambda: marks.toggle_star(posts[5]), 5) * 1000:.1f} ms")  # fmt: skip


def bench_exports(work: Path, count: int) -> None:
    archive = work / f"archive-{count}"
    if not archive.exists():
        generate_archive(archive, count, seed=0)
    with Library.open(archive, cache_dir=work / "cache") as library:
        if library.needs_update():
            start = time.perf_counter()
            library.update()
            print(f"index {count:,} posts: {time.perf_counter() - start:.1f} s")
        results = library.search("", facet_limit=0)
        for fmt in FORMATS:
            sink = io.StringIO()
            start = time.perf_counter()
            written = export(library, results, fmt, sink)
            seconds = time.perf_counter() - start
            rate = written / seconds
            size = len(sink.getvalue()) / 1e6
            print(f"export {fmt:>4}: {written:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s, "
                  f"{size:.1f} MB")  # fmt: skip
        posts = [row.path for row in results.rows(0, results.total)]
        lookups = best(lambda: [library.post(p) for p in posts], 1)
        print(f"  of which store lookups alone: {lookups:.2f} s "
              f"({lookups / len(posts) * 1e6:.0f} µs/post)")  # fmt: skip
        stats = best(lambda: result_stats(results))
        print(f"stats over {results.total:,} results: {stats * 1000:.1f} ms")
        print(f"health check: {best(lambda: check(library), 1) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marks", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=30_000)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-review-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder: {work}")
    bench_marks(work, args.marks)
    bench_exports(work, args.posts)


if __name__ == "__main__":
    main()

"""How fast vidbrowse builds its Whoosh index, next to a plain one-writer Whoosh build.

    python scripts/bench_build.py /tmp/speed/30k [--rounds 2] [--growth 4]
    python scripts/bench_build.py ../shared/corpus --stages --rounds 3   # where the CPU goes

Generate archives first (never in the repository), e.g.
    python -c "from pathlib import Path; from vidbrowse.generate import generate_archive as g; \
g(Path('/tmp/speed/30k'), 30_000, seed=0)"

Each measurement runs in its own process (fresh caches, its own peak memory). Printed per round:
- plain: one writer, limitmb=256, vidbrowse's schema and analyzer, one commit (parsing excluded,
  then included);
- fast: the same parsed posts through build_parallel (parsing excluded);
- cold: `Library.open` + `update()` on an empty cache (scan, parse, index, store, columns), with
  the time each batch became searchable and the time a search for "video" first had hits;
- re-run with nothing changed, and 30 changes (10 added, 10 rewritten, 10 deleted; put back after).
Memory: peak RSS of the main process and of the largest worker (fork: a worker's RSS counts the
pages it shares with its parent), and the peak of main + workers' PSS (shared pages counted once)
sampled every 0.5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median
from typing import Any

MARKER = "BUILD_RESULT "


class MemorySampler:
    """Peak PSS of this process plus its children, read from /proc every half second (reading
    smaps_rollup costs ~10 ms per 500 MB process: every 50 ms it took half a core)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _pss_kb(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _pids(self) -> list[int]:
        pids = [os.getpid()]
        for task in Path(f"/proc/{os.getpid()}/task").iterdir():
            with contextlib.suppress(OSError):
                pids += [int(p) for p in (task / "children").read_text().split()]
        return pids

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            total = sum(self._pss_kb(pid) for pid in self._pids()) / 1024
            self.peak_mb = max(self.peak_mb, total)


def _usage() -> dict[str, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "main_rss_mb": me.ru_maxrss / 1024,
        "worker_rss_mb": workers.ru_maxrss / 1024,
        # CPU seconds of the whole task, workers included: far less sensitive than wall time
        # to other jobs sharing the machine.
        "cpu_s": me.ru_utime + me.ru_stime + workers.ru_utime + workers.ru_stime,
    }


def _parse(archive: Path) -> tuple[list[Any], float]:
    from vidbrowse.core.archive.parse import load_post
    from vidbrowse.core.archive.post import Post
    from vidbrowse.core.archive.scan import scan

    start = time.perf_counter()
    files = sorted(scan(archive).files)
    posts = [p for p in (load_post(archive, f) for f in files) if isinstance(p, Post)]
    return posts, time.perf_counter() - start


def task_plain(archive: Path, work: Path) -> dict[str, Any]:
    from vidbrowse.core.engine import index

    posts, parse_s = _parse(archive)
    with MemorySampler() as memory:
        start = time.perf_counter()
        ix = index.create(work / "plain")
        writer = ix.writer(limitmb=256)
        for rowid, post in enumerate(posts, 1):
            writer.add_document(**index.document(rowid, post))
        writer.commit()
        index_s = time.perf_counter() - start
    return {"posts": len(posts), "parse_s": parse_s, "index_s": index_s, "pss_mb": memory.peak_mb}


def task_fast(archive: Path, work: Path) -> dict[str, Any]:
    from vidbrowse.core.engine import bulkwriter, index
    from vidbrowse.core.engine.builders import Builders, build_parallel

    posts, parse_s = _parse(archive)
    with MemorySampler() as memory:
        start = time.perf_counter()
        ix = index.create(work / "fast")
        writer = ix.writer()
        documents = [index.document(rowid, post) for rowid, post in enumerate(posts, 1)]
        with Builders(bulkwriter.as_document, index.BULK_PROCS) as builders:
            _, segments = build_parallel(ix, documents, builders, max_docs=index.SEGMENT_DOCS)
        bulkwriter.commit(writer, segments)
        index_s = time.perf_counter() - start
    return {
        "posts": len(posts),
        "parse_s": parse_s,
        "index_s": index_s,
        "segments": len(segments),
        "pss_mb": memory.peak_mb,
    }


def task_cold(archive: Path, work: Path, growth: int | None) -> dict[str, Any]:
    from vidbrowse.core.library import writing
    from vidbrowse.core.library.library import Library, Progress

    if growth is not None:
        writing.BATCH_GROWTH = growth
    commits: list[tuple[float, int]] = []
    first_hits: list[float] = []
    start = time.perf_counter()
    with MemorySampler() as memory:
        lib = Library.open(archive, cache_dir=work / "cold")

        def progress(p: Progress) -> None:
            if p.phase == "commit":
                commits.append((time.perf_counter() - start, p.done))

        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                if lib.search("video").total:
                    first_hits.append(time.perf_counter() - start)
                    return
                time.sleep(0.02)

        poller = threading.Thread(target=poll)
        poller.start()
        summary = lib.update(progress=progress)
        total_s = time.perf_counter() - start
        done.set()
        poller.join()
        segments = len(lib._home.need_view().searcher.reader().leaf_readers())
        lib.close()
    return {
        "posts": summary.posts,
        "total_s": total_s,
        "commits": commits,
        "first_hits_s": first_hits[0] if first_hits else None,
        "segments": segments,
        "pss_mb": memory.peak_mb,
    }


def task_rerun(archive: Path, work: Path) -> dict[str, Any]:
    from vidbrowse.core.library.library import Library

    start = time.perf_counter()
    with Library.open(archive, cache_dir=work / "cold") as lib:
        summary = lib.update()
    return {"total_s": time.perf_counter() - start, "added": summary.added}


def task_stages(archive: Path, work: Path) -> dict[str, Any]:
    """Where a build's CPU goes, one process, each stage alone (process time, seconds): what a
    cold build's builder processes and its main process do together, and FTS5 doing its part
    (same posts, parsing excluded)."""
    import pickle
    import sqlite3

    from bench_tasks import FTS_INDEXES, FTS_SCHEMA

    from vidbrowse.core.archive.parse import load_post
    from vidbrowse.core.archive.post import Post
    from vidbrowse.core.archive.scan import scan
    from vidbrowse.core.engine import analysis, index
    from vidbrowse.core.engine.bulkwriter import _SegmentBuilder
    from vidbrowse.core.library.store import Store

    clock = time.process_time
    out: dict[str, float] = {}
    start = clock()
    found = scan(archive)
    files = sorted(found.files)
    posts = [p for p in (load_post(archive, f) for f in files) if isinstance(p, Post)]
    out["read + parse + clean (load_post)"] = clock() - start
    start = clock()
    for post in posts:
        pickle.loads(pickle.dumps(post, pickle.HIGHEST_PROTOCOL))
    out["posts pickled to the main process"] = clock() - start
    documents = [index.document(rowid, post) for rowid, post in enumerate(posts, 1)]
    texts = [v for d in documents for k, v in d.items() if k != "rowid" and isinstance(v, str)]
    start = clock()
    for text in texts:
        analysis.ANALYZER.positions(text)
    out["analysis (words, folding, stems; caches cold)"] = clock() - start
    start = clock()
    for text in texts:
        analysis.ANALYZER.positions(text)
    warm = clock() - start
    builder = _SegmentBuilder(index.create(work / "stages"))
    start = clock()
    for document in documents:
        builder.add(document)
    out["postings grouped, per-document data (Whoosh format)"] = clock() - start - warm
    start = clock()
    builder.finish()
    out["postings and term table written (Whoosh format)"] = clock() - start
    stats = found.stats(files)
    store = Store(work / "store.sqlite3", str(archive), index.SCHEMA_VERSION)
    start = clock()
    store.apply((rowid, post, stats[post.path]) for rowid, post in enumerate(posts, 1))
    out["store (SQLite rows)"] = clock() - start
    start = clock()
    store.columns()
    out["columns (read back from the store)"] = clock() - start
    store.close()
    out["vidbrowse total"] = sum(out.values())
    con = sqlite3.connect(work / "fts5.db")
    con.executescript(FTS_SCHEMA)
    start = clock()
    with con:
        for rowid, post in enumerate(posts, 1):
            con.execute(
                "INSERT INTO fts(rowid, title, channel, tags, text) VALUES (?, ?, ?, ?, ?)",
                (rowid, post.title, post.channel, " ".join(post.tags), post.text),
            )
            con.execute(
                "INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (rowid, post.path, post.title, post.channel, post.duration, post.views, 0, 0),
            )
            con.executemany(
                "INSERT INTO tags VALUES (?, ?)", [(rowid, t.lower()) for t in set(post.tags)]
            )
        con.executescript(FTS_INDEXES)
    out["FTS5: words, columns and tags inserted (parsing excluded)"] = clock() - start
    con.close()
    return {"posts": len(posts), "stages": out}


TASKS = {
    "plain": task_plain,
    "fast": task_fast,
    "cold": task_cold,
    "rerun": task_rerun,
    "stages": task_stages,
}


def run_task(name: str, archive: Path, work: Path, **kwargs: Any) -> dict[str, Any]:
    args = json.dumps({"archive": str(archive), "work": str(work), **kwargs})
    out = subprocess.run(
        [sys.executable, __file__, "--task", name, args], capture_output=True, text=True
    )
    for line in out.stdout.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    raise SystemExit(f"task {name} failed:\n{out.stderr}")


def _change_30(archive: Path, stash: Path) -> list[Path]:
    """10 added (copies), 10 rewritten, 10 deleted (moved to `stash`); returns what to undo."""
    posts = sorted((archive / "_posts").iterdir())
    created = []
    for i, path in enumerate(posts[:10]):
        copy = path.with_name(f"zz-bench-{i}{path.suffix}")
        copy.write_bytes(path.read_bytes().replace(b"title:", b"title: extra", 1))
        created.append(copy)
    for path in posts[10:20]:
        path.write_bytes(path.read_bytes() + b"\nrewritten\n")
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    stash.mkdir(parents=True, exist_ok=True)
    for path in posts[20:30]:
        shutil.move(path, stash / path.name)
    return created


def _undo_30(archive: Path, stash: Path, created: list[Path]) -> None:
    for path in created:
        path.unlink()
    posts = sorted((archive / "_posts").iterdir())
    for path in posts[10:20]:
        data = path.read_bytes()
        if data.endswith(b"\nrewritten\n"):
            path.write_bytes(data[: -len(b"\nrewritten\n")])
    for path in stash.iterdir():
        shutil.move(path, archive / "_posts" / path.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--growth", type=int, help="writing.BATCH_GROWTH for the cold build")
    parser.add_argument("--skip-plain", action="store_true", help="leave the slow baseline out")
    parser.add_argument("--changes", action="store_true", help="30 changes (edits the archive)")
    parser.add_argument(
        "--stages", action="store_true", help="only where the CPU goes, stage by stage (a table)"
    )
    args = parser.parse_args()
    archive = args.archive.resolve()
    if args.stages:
        with tempfile.TemporaryDirectory(prefix="bench-stages-") as tmp:
            runs = [run_task("stages", archive, Path(tmp) / str(r)) for r in range(args.rounds)]
        print(f"{archive}: {runs[0]['posts']:,} posts, CPU seconds, one process, median of "
              f"{args.rounds} (load average {os.getloadavg()[0]:.1f})\n")  # fmt: skip
        total = median(r["stages"]["vidbrowse total"] for r in runs)
        print("| stage | CPU s | share |\n|---|---|---|")
        for key in runs[0]["stages"]:
            value = median(r["stages"][key] for r in runs)
            share = f"{100 * value / total:.0f}%" if not key.startswith("FTS5") else ""
            print(f"| {key} | {value:.2f} | {share} |")
        return
    rows: dict[str, list[float]] = {}

    def note(key: str, value: float) -> None:
        rows.setdefault(key, []).append(value)

    for round_ in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
            work = Path(tmp)
            plain = None if args.skip_plain else run_task("plain", archive, work)
            fast = run_task("fast", archive, work)
            cold = run_task("cold", archive, work, growth=args.growth)
            reruns = [run_task("rerun", archive, work) for _ in range(3)]
            print(f"round {round_}: {json.dumps({'plain': plain, 'fast': fast, 'cold': cold})}")
            n = fast["posts"]
            if plain:
                note("plain posts/s, parsing excluded", n / plain["index_s"])
                note("plain posts/s, parsing included", n / (plain["index_s"] + plain["parse_s"]))
                note("plain peak PSS main+workers MB", plain["pss_mb"])
                note("plain peak RSS MB", plain["main_rss_mb"])
                note("plain task CPU s (parse + index)", plain["cpu_s"])
            note("fast posts/s, parsing excluded", n / fast["index_s"])
            note("fast task CPU s (parse + index, all processes)", fast["cpu_s"])
            note("fast peak PSS main+workers MB", fast["pss_mb"])
            note("cold build posts/s (scan+parse+index+store)", cold["posts"] / cold["total_s"])
            note("cold build seconds", cold["total_s"])
            note("cold build CPU s (all processes)", cold["cpu_s"])
            note("first 'video' hits after (s)", cold["first_hits_s"] or float("nan"))
            note("first commit after (s)", cold["commits"][0][0])
            note("cold build peak RSS main MB", cold["main_rss_mb"])
            note("cold build peak RSS largest worker MB", cold["worker_rss_mb"])
            note("cold build peak PSS main+workers MB", cold["pss_mb"])
            note("segments after cold build", cold["segments"])
            note("no-change re-run s (median of 3)", median(r["total_s"] for r in reruns))
            note("no-change re-run CPU s (median of 3)", median(r["cpu_s"] for r in reruns))
            if plain:
                note("speed-up, parsing excluded (fast/plain)", plain["index_s"] / fast["index_s"])
                note(
                    "speed-up, parsing included (cold/plain+parse)",
                    (plain["index_s"] + plain["parse_s"]) / cold["total_s"],
                )
            timeline = [(round(t, 2), d) for t, d in cold["commits"]]
            print("  commits (s, posts searchable):", timeline)
            if args.changes:
                stash = work / "stash"
                created = _change_30(archive, stash)
                try:
                    changes = run_task("rerun", archive, work)
                    note("30 changes s", changes["total_s"])
                    note("30 changes CPU s", changes["cpu_s"])
                finally:
                    _undo_30(archive, stash, created)
                note("putting them back s", run_task("rerun", archive, work)["total_s"])
    print(f"\n{archive} ({args.rounds} round(s); load average {os.getloadavg()[0]:.1f})")
    for key, values in rows.items():
        shown = " | ".join(f"{v:,.2f}" for v in values)
        print(f"  {key:48} {shown}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--task":
        spec = json.loads(sys.argv[3])
        result = TASKS[sys.argv[2]](Path(spec.pop("archive")), Path(spec.pop("work")), **spec)
        print(MARKER + json.dumps({**result, **_usage()}))
    else:
        main()

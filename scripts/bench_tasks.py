"""One benchmark measurement per process: `python bench_tasks.py TASK JSON-ARGS`.

Each task prints one line `BENCH_RESULT {json}` holding its numbers and the process's peak RSS,
so memory is measured per job and one job's caches never help another.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from statistics import median, quantiles
from typing import Any

from bench_queries import PAGE, Query, query_mix

MARKER = "BENCH_RESULT "
POST_SUFFIXES = (".md", ".html")


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process, or of its largest finished child (Whoosh's
    parallel writer indexes in worker processes)."""
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


class ChildPeaks:
    """The largest peak RSS (VmHWM) among this process's descendants, read from /proc while
    they run. RUSAGE_CHILDREN cannot tell it: a child forked from a large process and then
    exec'd keeps the parent's size as its maximum, and the builders' figures merge into one."""

    def __init__(self, every: float = 0.05) -> None:
        self.peaks: dict[int, float] = {}
        # The whole process group at once (this process and its descendants): the largest sum
        # of their resident sizes (counts pages forked children share twice: an upper bound)
        # and of their proportional sizes (Pss: shared pages split between their users).
        self.group_rss_mb = self.group_pss_mb = 0.0
        self._samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(every,), daemon=True)
        self._thread.start()

    def _watch(self, every: float) -> None:
        while not self._stop.wait(every):
            rss = pss = 0.0
            pids = _descendants(os.getpid())
            for pid in pids:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue  # it ended meanwhile
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        kib = int(line.split()[1])
                        self.peaks[pid] = max(self.peaks.get(pid, 0.0), kib / 1024)
                    elif line.startswith("VmRSS:"):
                        rss += int(line.split()[1]) / 1024
            rss += _field_mb(Path("/proc/self/status"), "VmRSS:")
            self.group_rss_mb = max(self.group_rss_mb, rss)
            self._samples += 1
            if self._samples % 4 == 0:  # Pss costs the kernel a walk of the pages: every 0.2 s
                for pid in [os.getpid(), *pids]:
                    pss += _field_mb(Path(f"/proc/{pid}/smaps_rollup"), "Pss:")
                self.group_pss_mb = max(self.group_pss_mb, pss)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peaks.values(), default=0.0)


def _field_mb(path: Path, key: str) -> float:
    """A `key: N kB` line of a /proc file, in MB (0 when the process is gone)."""
    try:
        text = path.read_text()
    except OSError:
        return 0.0
    return next((int(x.split()[1]) / 1024 for x in text.splitlines() if x.startswith(key)), 0.0)


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rpartition(")")[2].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: unlike wall time, barely moved by
    other processes competing for the cores."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/max in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    p95 = quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return {"p50": median(ms), "p95": p95, "max": ms[-1], "n": len(ms)}


def post_paths(archive: Path) -> list[str]:
    return sorted(
        p.relative_to(archive).as_posix()
        for p in archive.rglob("*")
        if p.suffix in POST_SUFFIXES and p.is_file()
    )


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# --------------------------------------------------------------------------- vidbrowse


def _open(archive: Path, cache: Path) -> Any:
    from vidbrowse.core.library.library import Library

    return Library.open(archive, cache_dir=cache)


def vb_build(archive: Path, cache: Path) -> dict[str, Any]:
    """Cold build: an empty cache folder, open, update until done."""
    shutil.rmtree(cache, ignore_errors=True)
    phases: dict[str, float] = {}
    start = time.perf_counter()

    def progress(p: Any) -> None:
        phases.setdefault(p.phase, time.perf_counter() - start)

    children = ChildPeaks()
    library = _open(archive, cache)
    summary = library.update(progress=progress)
    seconds = time.perf_counter() - start
    library.close()
    return {
        "child_rss_mb": children.stop(),
        "group_rss_mb": children.group_rss_mb,
        "group_pss_mb": children.group_pss_mb,
        "seconds": seconds,
        "posts": summary.posts,
        "problems": summary.problems,
        "posts_per_s": summary.posts / seconds,
        "phase_starts": phases,
        "index_mb": dir_size_mb(cache),
    }


def vb_first(archive: Path, cache: Path, word: str, timeout: float = 120) -> dict[str, Any]:
    """From opening an unindexed archive to the first hits for `word` (the update runs in a
    thread, as in the app; searches poll every 20 ms). The process ends there."""
    shutil.rmtree(cache, ignore_errors=True)
    start = time.perf_counter()
    library = _open(archive, cache)
    error: list[BaseException] = []

    def update() -> None:
        try:
            library.update()
        except BaseException as e:  # reported in the result, not as a traceback
            error.append(e)

    threading.Thread(target=update, daemon=True).start()
    found: dict[str, float] = {}
    while time.perf_counter() - start < timeout and len(found) < 2 and not error:
        for name, query in (("browsable", ""), ("searchable", word)):
            if name in found:
                continue
            try:
                if library.search(query).total > 0:
                    found[name] = time.perf_counter() - start
            except Exception:  # not ready yet: keep polling
                pass
        time.sleep(0.02)
    result: dict[str, Any] = {f"{k}_s": v for k, v in found.items()}
    if error:
        result["error"] = repr(error[0])
    return result


def vb_update(archive: Path, cache: Path) -> dict[str, Any]:
    """Open an indexed archive and bring it up to date (nothing or a few posts changed)."""
    start = time.perf_counter()
    library = _open(archive, cache)
    opened = time.perf_counter() - start
    summary = library.update()
    seconds = time.perf_counter() - start
    library.close()
    return {
        "seconds": seconds,
        "open_s": opened,
        "added": summary.added,
        "changed": summary.changed,
        "removed": summary.removed,
        "posts": summary.posts,
    }


def _timed_query(library: Any, query: Query) -> tuple[float, int]:
    start = time.perf_counter()
    results = library.search(query.text, sort=query.sort, reverse=False)
    _ = results.facets
    results.rows(0, PAGE)
    return time.perf_counter() - start, results.total


def vb_queries(archive: Path, cache: Path) -> dict[str, Any]:
    """The query mix (search + facets + first page), then scrolling the full list."""
    start = time.perf_counter()
    library = _open(archive, cache)
    opened = time.perf_counter() - start
    first_s, _ = _timed_query(library, Query("warm-up", "weather"))
    samples: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    for query in query_mix():
        seconds, total = _timed_query(library, query)
        samples.setdefault(query.kind, []).append(seconds)
        counts.setdefault(query.kind, []).append(total)
    everything = [s for kind in samples.values() for s in kind]
    scroll = _scroll(library)
    library.close()
    return {
        "open_s": opened,
        "first_query_ms": first_s * 1000,
        "kinds": {k: percentiles(v) for k, v in samples.items()},
        "counts": counts,
        "all": percentiles(everything),
        "scroll": scroll,
    }


def _scroll(library: Any) -> dict[str, Any]:
    results = library.search("", sort="views")
    pages: list[float] = []
    for first in range(0, results.total, PAGE):
        t = time.perf_counter()
        results.rows(first, first + PAGE)
        pages.append(time.perf_counter() - t)
    return {"rows": results.total, "pages": len(pages), "total_s": sum(pages), **percentiles(pages)}


def vb_app(archive: Path, cache: Path, query: str, unindexed: bool = False) -> dict[str, Any]:
    """The Textual app, headless (`run_test`, 120x40), until its first screen shows what it
    counted: the overview's lines (no query) or a non-empty result list.
    `ready_at` is wall-clock time: the parent subtracts the moment it spawned this process, so
    interpreter start and imports count. `unindexed`: start on an empty cache, indexing.
    `idle_at`: later, when the process has then gone quiet (Textual's `wait_for_idle`: a 20 ms
    sleep using under 1 ms of CPU, at most 1 s): the facets and the detail drawn too, unless the
    background update keeps a core busy, as it does all through a first build."""
    if unindexed:
        shutil.rmtree(cache, ignore_errors=True)
    from vidbrowse.tui.app import make_app
    from vidbrowse.tui.screens.overview import OverviewScreen

    library = _open(archive, cache)
    # As `vidbrowse ARCHIVE [QUERY]` does: with no query the overview is the first screen, and
    # the app brings the index up to date in the background.
    app = make_app(library, query=query)
    ready: dict[str, float] = {}

    def shown() -> bool:
        if isinstance(app.screen, OverviewScreen):
            return app.screen.overview is not None and app.screen.overview.posts > 0
        return app.main_screen.results is not None and app.main_screen.results.total > 0

    async def drive() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = time.perf_counter() + 120
            while time.perf_counter() < deadline:
                if shown():
                    # The queued messages handled, then the pending refresh painted: the rows
                    # are on screen.
                    await pilot.pause(0)
                    ready["at"], ready["cpu"] = time.time(), time.process_time()
                    await pilot.pause()
                    ready["idle"] = time.time()
                    return
                await pilot.pause(0.01)

    asyncio.run(drive())
    return {
        "ready_at": ready.get("at"),
        "ready_cpu_s": ready.get("cpu"),  # this process's CPU time until then
        "idle_at": ready.get("idle"),
    }


# --------------------------------------------------------------------------- peers


def _posts(archive: Path) -> Iterator[Any]:
    from vidbrowse.core.archive.parse import load_post
    from vidbrowse.core.archive.post import Post

    for rel in post_paths(archive):
        post = load_post(archive, rel)
        if isinstance(post, Post):
            yield post


def _ts(value: Any) -> int | None:
    return None if value is None else int(value.timestamp())


FTS_SCHEMA = """
CREATE VIRTUAL TABLE fts USING fts5(title, channel, tags, text,
    tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE meta(rowid INTEGER PRIMARY KEY, path TEXT, title TEXT, channel TEXT,
    duration INTEGER, views INTEGER, uploaded INTEGER, posted INTEGER);
CREATE TABLE tags(rowid INTEGER, tag TEXT);
"""
FTS_INDEXES = """
CREATE INDEX tags_tag ON tags(tag, rowid);
CREATE INDEX tags_rowid ON tags(rowid);
CREATE INDEX meta_duration ON meta(duration);
CREATE INDEX meta_views ON meta(views);
CREATE INDEX meta_uploaded ON meta(uploaded);
CREATE INDEX meta_posted ON meta(posted);
"""


def fts5(archive: Path, db: Path, queries: bool = True) -> dict[str, Any]:
    """SQLite FTS5 doing the same job: parse every post with vidbrowse's own parser, index the
    words and the columns (one writer, one transaction, as a user would write it), then run the
    query mix: count, first page, tag facets (unless `queries` is false)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    cpu_start = cpu_seconds()
    con = sqlite3.connect(db)
    con.executescript(FTS_SCHEMA)
    posts = 0
    with con:
        for rowid, post in enumerate(_posts(archive), 1):
            posts += 1
            tags = " ".join(post.tags)
            con.execute(
                "INSERT INTO fts(rowid, title, channel, tags, text) VALUES (?, ?, ?, ?, ?)",
                (rowid, post.title, post.channel, tags, post.text),
            )
            con.execute(
                "INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rowid,
                    post.path,
                    post.title,
                    post.channel,
                    post.duration,
                    post.views,
                    _ts(post.uploaded),
                    _ts(post.posted),
                ),
            )
            con.executemany(
                "INSERT INTO tags VALUES (?, ?)", [(rowid, t.lower()) for t in set(post.tags)]
            )
        con.executescript(FTS_INDEXES)
    build = time.perf_counter() - start
    build_cpu = cpu_seconds() - cpu_start
    con.close()
    if not queries:
        return {"build_s": build, "build_cpu_s": build_cpu, "posts": posts}

    con = sqlite3.connect(db)
    _fts_query(con, query_mix()[0])  # warm-up
    samples: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    for query in query_mix():
        if query.fts_match is None and query.fts_rowids is None:
            continue
        t = time.perf_counter()
        total = _fts_query(con, query)
        samples.setdefault(query.kind, []).append(time.perf_counter() - t)
        counts.setdefault(query.kind, []).append(total)
    con.close()
    everything = [s for kind in samples.values() for s in kind]
    return {
        "build_s": build,
        "build_cpu_s": build_cpu,
        "posts": posts,
        "posts_per_s": posts / build,
        "db_mb": db.stat().st_size / 1e6,
        "kinds": {k: percentiles(v) for k, v in samples.items()},
        "counts": counts,
        "all": percentiles(everything),
    }


def _fts_query(con: sqlite3.Connection, query: Query) -> int:
    if query.fts_match is not None:
        rowids, params = "SELECT rowid FROM fts WHERE fts MATCH ?", (query.fts_match,)
        page = con.execute(f"{rowids} ORDER BY rank LIMIT {PAGE}", params)
    else:
        assert query.fts_rowids is not None
        rowids, params = query.fts_rowids
        page = con.execute(
            f"SELECT rowid, title, channel, views FROM meta WHERE rowid IN ({rowids}) "
            f"ORDER BY {query.fts_order} LIMIT {PAGE}",
            params,
        )
    page.fetchall()
    (total,) = con.execute(f"SELECT count(*) FROM ({rowids})", params).fetchone()
    con.execute(
        f"SELECT tag, count(*) AS n FROM tags WHERE rowid IN ({rowids}) "
        "GROUP BY tag ORDER BY n DESC LIMIT 50",
        params,
    ).fetchall()
    return int(total)


def whoosh_baseline(archive: Path, folder: Path) -> dict[str, Any]:
    """A plain Whoosh build: one writer, limitmb=256, StemmingAnalyzer on title and body,
    tags as keywords, one commit. Parsing is timed apart from indexing."""
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, KEYWORD, TEXT, Schema

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    posts = list(_posts(archive))
    parsed = time.perf_counter() - start
    schema = Schema(
        path=ID(stored=True, unique=True),
        title=TEXT(analyzer=StemmingAnalyzer()),
        text=TEXT(analyzer=StemmingAnalyzer()),
        tags=KEYWORD(lowercase=True, commas=True),
        channel=TEXT(),
    )
    ix = index.create_in(folder, schema)
    writer = ix.writer(limitmb=256)
    for post in posts:
        writer.add_document(
            path=post.path,
            title=post.title,
            text=post.text,
            tags=",".join(post.tags),
            channel=post.channel,
        )
    writer.commit()
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "parse_s": parsed,
        "index_s": seconds - parsed,
        "posts": len(posts),
        "posts_per_s": len(posts) / seconds,
        "index_mb": dir_size_mb(folder),
    }


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "vb_build": vb_build,
    "vb_first": vb_first,
    "vb_update": vb_update,
    "vb_queries": vb_queries,
    "vb_app": vb_app,
    "fts5": fts5,
    "whoosh_baseline": whoosh_baseline,
}


def main() -> None:
    task, raw = sys.argv[1], json.loads(sys.argv[2])
    args = {k: Path(v) if k in ("archive", "cache", "db", "folder") else v for k, v in raw.items()}
    try:
        result = TASKS[task](**args)
    except Exception as e:  # the parent prints it as an "n/a" cell with the reason
        result = {"error": f"{type(e).__name__}: {e}"}
    result["rss_mb"] = peak_rss_mb()
    result.setdefault("child_rss_mb", peak_rss_mb(resource.RUSAGE_CHILDREN))
    result["cpu_s"] = cpu_seconds()
    print(MARKER + json.dumps(result), flush=True)
    # Threads left running (vb_first stops mid-build on purpose) must not hold the exit.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

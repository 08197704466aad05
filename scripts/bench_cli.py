"""Whole `vidbrowse search` processes against an `rg` scan of the same archive, per query kind.

    python scripts/bench_cli.py                           # 30k generated posts + ../shared/corpus
    python scripts/bench_cli.py --size 10k --repeat 3 --no-corpus

Each query runs as a user runs it: a fresh `vidbrowse search ARCHIVE QUERY` process on an indexed
archive (its table to a pipe), and `rg -l -i` with the query's patterns (one scan, then a scan
of the survivors per extra pattern, as `rg -l a | xargs rg -l b`). Runs alternate between the
two; each figure is the median over the kind's queries x --repeat runs of wall time and of CPU
time (user + system, the process and its children: rg's threads count). Also measured: the same
search when the quick up-to-date check must fall back to a full scan (as once a minute).
Data sets live under --root (default /tmp/vidbrowse-bench), never in the repo.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from bench import dataset, parse_size
from bench_queries import query_mix

from vidbrowse.core import locations
from vidbrowse.core.archive import freshness

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"


@dataclass(frozen=True, slots=True)
class Case:
    kind: str
    query: str
    patterns: tuple[str, ...]  # rg: every one must match (case-insensitive)
    note: str = ""  # how the rg stand-in differs, when it does


def _fuzzy(word: str) -> str:
    """One substitution anywhere (what `word~` finds most of), as one regex."""
    subs = [word[:i] + "." + word[i + 1 :] for i in range(len(word))]
    return rf"\b(?:{'|'.join(subs)})\b"


def cases(per_kind: int) -> list[Case]:
    """`per_kind` queries of each kind of the benchmark's mix, with an rg stand-in for the kinds
    that have none there (a scan for the field's line: rg cannot compare numbers or dates)."""
    out: list[Case] = []
    seen: dict[str, int] = {}
    for q in query_mix():
        if seen.get(q.kind, 0) >= per_kind:
            continue
        seen[q.kind] = seen.get(q.kind, 0) + 1
        text = q.text
        if q.scan is not None:
            out.append(Case(q.kind, text, q.scan))
        elif q.kind == "fuzzy":
            out.append(Case(q.kind, text, (_fuzzy(text.rstrip("~")),), "one substitution"))
        elif q.kind == "tag AND tag":
            a, b = (part.split(":", 1)[1] for part in text.split())
            out.append(Case(q.kind, text, (rf'^tags:.*"{a}"', rf'^tags:.*"{b}"')))
        elif text:
            field = {"duration": "duration", "views": "viewcount", "uploaded": "vid_date",
                     "posted": "date"}[text.split(":", 1)[0]]  # fmt: skip
            out.append(Case(q.kind, text, (rf"^{field}:",), "finds the field, no range test"))
        else:
            out.append(Case(q.kind, text, (r"^title:",), "every post, unsorted"))
    return out


def _run(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the process and its children, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)}: exit {done.returncode}: {done.stderr[-300:]!r}")
    return wall, cpu, done.returncode


def _rg(patterns: tuple[str, ...], root: Path) -> tuple[float, float]:
    """The scan: `rg -l -i` for the first pattern, then over the survivors for each next one."""
    wall = cpu = 0.0
    targets = [str(root)]
    for pattern in patterns:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        found: list[str] = []
        for k in range(0, len(targets), 2000):  # under the argument-length limit
            out = subprocess.run(["rg", "-l", "-i", "--", pattern, *targets[k : k + 2000]],
                                 capture_output=True, text=True)  # fmt: skip
            found += out.stdout.splitlines()
        wall += time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        targets = found
        if not targets:
            break
    return wall, cpu


def bench_archive(name: str, archive: Path, cache: Path, args: argparse.Namespace) -> list[str]:
    exe = Path(sys.executable).with_name("vidbrowse")
    vb = [str(exe)] if exe.exists() else [sys.executable, "-m", "vidbrowse"]
    subprocess.run([*vb, "index", str(archive), "--index-dir", str(cache), "--quiet"], check=True)
    check = locations.archive_home(archive, cache) / freshness.CHECK_FILE

    def search(query: str) -> list[str]:
        return [*vb, "search", str(archive), query, "--index-dir", str(cache)]

    _run(search("warm"))  # the first process after a build loads its columns
    time.sleep(freshness.RACY_S)  # folders just written are not trusted: let them settle
    _run(search("warm"))
    rows = []
    for kind in dict.fromkeys(c.kind for c in cases(args.per_kind)):
        vb_runs: list[tuple[float, float]] = []
        rg_runs: list[tuple[float, float]] = []
        notes = {c.note for c in cases(args.per_kind) if c.kind == kind} - {""}
        for case in [c for c in cases(args.per_kind) if c.kind == kind]:
            for _ in range(args.repeat):
                vb_runs.append(_run(search(case.query))[:2])
                rg_runs.append(_rg(case.patterns, archive))
        rows.append(_row(kind + (f" (rg: {', '.join(notes)})" if notes else ""), vb_runs, rg_runs))
    # The same searches when the quick check cannot vouch: a full scan first (once a minute).
    full: list[tuple[float, float]] = []
    rg_runs = []
    for case in cases(1)[:5]:
        for _ in range(args.repeat):
            check.unlink(missing_ok=True)
            full.append(_run(search(case.query))[:2])
            rg_runs.append(_rg(case.patterns, archive))
    rows.append(_row("after a minute: full scan", full, rg_runs))
    load = os.getloadavg()[0]
    print(f"\n{name}: {archive} (load {load:.1f} at the end)")
    return rows


def _row(kind: str, vb: list[tuple[float, float]], rg: list[tuple[float, float]]) -> str:
    vw, vc = median(w for w, _ in vb) * 1000, median(c for _, c in vb) * 1000
    rw, rc = median(w for w, _ in rg) * 1000, median(c for _, c in rg) * 1000
    return f"| {kind} | {vw:.0f} | {vc:.0f} | {rw:.0f} | {rc:.0f} | {vw / rw:.2f} | {vc / rc:.2f} |"


HEADER = ("| query kind | vidbrowse wall ms | vidbrowse CPU ms | rg wall ms | rg CPU ms "
          "| wall ratio | CPU ratio |\n|---|---:|---:|---:|---:|---:|---:|")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", default="30k", help="generated posts (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query")
    parser.add_argument("--per-kind", type=int, default=3, help="queries of each kind")
    parser.add_argument("--root", type=Path, default=Path("/tmp/vidbrowse-bench"))
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--no-corpus", action="store_true")
    args = parser.parse_args(argv)
    print(f"load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores; medians of "
          f"{args.per_kind} queries x {args.repeat} runs per kind")  # fmt: skip
    archives: list[tuple[str, Path, Path]] = []
    count = parse_size(args.size)
    if count:
        archive, _ = dataset(args.root, count, args.seed)
        archives.append((f"{count:,} generated posts", archive, args.root / "index" / "cli"))
    if not args.no_corpus and args.corpus.is_dir():
        archives.append(("shared corpus", args.corpus, args.root / "index" / "cli-corpus"))
    for name, archive, cache in archives:
        rows = bench_archive(name, archive, cache, args)
        print(HEADER)
        print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

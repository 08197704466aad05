"""Updates of an indexed archive, measured as bench.py does (one process each, `vb_update`):
no-change re-runs, then 10 added / 10 changed / 10 removed, then those put back, several rounds.
With --phases: one update of those 30 changes in this process, wall and CPU time per phase.

    python scripts/bench_update.py ARCHIVE CACHE [--rounds 3]
    python scripts/bench_update.py ARCHIVE CACHE --phases

It WRITES INTO ARCHIVE (adds, rewrites and removes posts, then puts them back): give it a copy,
never the benchmark's shared data set (bench.py's own run does the same on its data set).
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

from bench import Mutation, run_task


def _line(label: str, result: dict) -> tuple[float, float]:
    if "error" in result:
        raise SystemExit(f"{label}: {result['error']}")
    wall, cpu = result["seconds"], result["cpu_s"]
    print(
        f"{label:<10} wall {wall:6.3f} s  cpu {cpu:6.3f} s  open {result['open_s']:.3f} s  "
        f"+{result['added']} ~{result['changed']} -{result['removed']}  "
        f"load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    return wall, cpu


# (owner, attribute) of each phase timed by --phases; nested phases are part of their caller's.
PHASES = [
    ("core.library.library:Library", "open"),
    ("core.library.update:Updater", "scan"),
    ("core.archive.scan:Scan", "fingerprint"),
    ("core.library.update:Updater", "plan"),
    ("core.library.update:Updater", "diff"),
    ("core.library:writing", "write"),
    ("core.library.store:Store", "apply"),
    ("core.library.home:Home", "reload_view"),
    ("core.query.columns:Columns", "patched"),
    ("core.library.store:Store", "columns"),
    ("core.query.columns:Columns", "order"),
    ("core.query.columns:Columns", "save"),
    ("core.library.update:Updater", "record"),
]


def _timed(
    spent: dict[str, list[float]], name: str, call: Callable[..., Any]
) -> Callable[..., Any]:
    @functools.wraps(call)
    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return call(*args, **kwargs)
        finally:
            totals = spent.setdefault(name, [0.0, 0.0])
            totals[0] += time.perf_counter() - wall
            totals[1] += time.process_time() - cpu

    return timed


def phases(archive: Path, cache: Path, count: int) -> None:
    import importlib

    from vidbrowse.core.library.library import Library

    Library.open(archive, cache_dir=cache).update()
    spent: dict[str, list[float]] = {}
    for owner, attribute in PHASES:
        module, _, name = owner.partition(":")
        cls = getattr(importlib.import_module(f"vidbrowse.{module}"), name)
        if attribute not in cls.__dict__:  # an older version, measured for comparison
            continue
        call = getattr(cls, attribute)
        if isinstance(cls.__dict__[attribute], classmethod):
            call = classmethod(_timed(spent, f"{name}.{attribute}", call.__func__))
        else:
            call = _timed(spent, f"{name}.{attribute}", call)
        setattr(cls, attribute, call)
    mutation = Mutation(archive, count, seed=0)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        library = Library.open(archive, cache_dir=cache)
        summary = library.update()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        library.close()
    finally:
        mutation.undo()
    print(
        f"open + update: wall {wall:.3f} s, cpu {cpu:.3f} s "
        f"(+{summary.added} ~{summary.changed} -{summary.removed}), load {os.getloadavg()[0]:.2f}"
    )
    for name, (phase_wall, phase_cpu) in spent.items():
        print(f"  {name:<24} wall {phase_wall:6.3f} s  cpu {phase_cpu:6.3f} s")
    Library.open(archive, cache_dir=cache).update()  # the archive put back, indexed again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("cache", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--phases", action="store_true")
    args = parser.parse_args()
    count = sum(1 for _ in (args.archive / "_posts").iterdir())
    if args.phases:
        phases(args.archive, args.cache, count)
        return
    times: dict[str, list[tuple[float, float]]] = {"nochange": [], "changes": [], "revert": []}
    task = {"archive": args.archive, "cache": args.cache}
    _line("settle", run_task("vb_update", **task))  # whatever an earlier run left to do
    for _ in range(args.rounds):
        times["nochange"].append(_line("nochange", run_task("vb_update", **task)))
        mutation = Mutation(args.archive, count, seed=0)
        try:
            times["changes"].append(_line("changes", run_task("vb_update", **task)))
        finally:
            mutation.undo()
        times["revert"].append(_line("revert", run_task("vb_update", **task)))
    for label, runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(
            f"{label:<10} median wall {median(walls):.3f} s (runs "
            f"{', '.join(f'{w:.2f}' for w in walls)}), median cpu {median(cpus):.3f} s"
        )


if __name__ == "__main__":
    main()

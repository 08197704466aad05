"""Updates of an indexed archive, measured as bench.py does (one process each, `vb_update`):
no-change re-runs, then 10 added / 10 changed / 10 removed, then those put back, several rounds.

    python scripts/bench_update.py ARCHIVE CACHE [--rounds 3]

It WRITES INTO ARCHIVE (adds, rewrites and removes posts, then puts them back): give it a copy,
never the benchmark's shared data set (bench.py's own run does the same on its data set).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from statistics import median

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("cache", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    count = sum(1 for _ in (args.archive / "_posts").iterdir())
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

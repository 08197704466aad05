"""The query mix (bench_queries.py) on an indexed archive, each kind's wall and CPU time.

    python scripts/bench_query_cpu.py ARCHIVE --index-dir DIR [--kinds 'common word,prefix']
    PYTHONPATH=/other/checkout/src python scripts/bench_query_cpu.py …   # the same, other code

On a machine others share, wall times say little: the process's CPU time per query (search,
facets, the first page, as bench_tasks.vb_queries times them) is what compares two versions;
run them alternately and take medians. The index must already be built (`vidbrowse index`).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from statistics import median, quantiles

from bench_queries import PAGE, query_mix

from vidbrowse.core.library.library import Library


def p95(values: list[float]) -> float:
    return quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    args = parser.parse_args()
    kinds = set(filter(None, args.kinds.split(",")))
    library = Library.open(args.archive, cache_dir=args.index_dir)
    library.search("weather")  # the first search reads what every later one shares
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for query in query_mix():
        if kinds and query.kind not in kinds:
            continue
        started, used = time.perf_counter(), time.process_time()
        results = library.search(query.text, sort=query.sort, reverse=False)
        _ = results.facets
        results.rows(0, PAGE)
        wall.setdefault(query.kind, []).append((time.perf_counter() - started) * 1000)
        cpu.setdefault(query.kind, []).append((time.process_time() - used) * 1000)
    library.close()
    print(f"load {os.getloadavg()[0]:.1f}; ms per query: wall p50 / p95, CPU p50 / p95")
    for kind, times in wall.items():
        print(
            f"{kind:24s} {median(times):6.1f} {p95(times):6.1f}   "
            f"{median(cpu[kind]):6.1f} {p95(cpu[kind]):6.1f}"
        )


if __name__ == "__main__":
    main()

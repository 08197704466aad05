"""Growth you can watch: the timeline of a cold start on an unindexed archive.

    python scripts/bench_growth.py /tmp/vidbrowse-bench/data/n30000-s0 [--word music]

A fresh process (its imports counted, as a user's launch pays them) opens the library on an empty
cache, searches for the word once (the app's first screen), then updates in a thread as the app
does; each progress report is noted, and after each commit the word is searched again with its
facets (as the app's screen does on the update row's Committed). Printed: the timeline (seconds
since launch, stage, % read, hits, the top tag's count), then:
- first hits: seconds from launch to the first search with hits;
- longest wait for more hits: the largest gap between two searches finding more (first hits to
  the end);
- longest still stage: the largest gap between two progress reports that changed what the bar
  shows (stage or count), from the first post read to the end.
The archive is never written; the cache is a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

MARKER = "GROWTH_RESULT "


def task(archive: Path, cache: Path, word: str, launched: float) -> dict[str, Any]:
    """In the fresh process: the timeline, times in seconds since `launched` (wall clock)."""
    from vidbrowse.core.library.library import Library, Progress

    def now() -> float:
        return time.time() - launched

    events: list[dict[str, Any]] = []
    lib = Library.open(archive, cache_dir=cache)
    first = lib.search(word)
    events.append({"t": now(), "stage": "first search", "done": 0, "total": 0, "hits": first.total})
    lock = threading.Lock()

    def progress(p: Progress) -> None:
        event: dict[str, Any] = {"t": now(), "stage": p.phase, "done": p.done, "total": p.total}
        if p.phase == "commit":
            results = lib.search(word)
            tags = results.facets.get("tag") or [("", 0)]
            event |= {"hits": results.total, "top_tag": tags[0]}
        with lock:
            events.append(event)

    summary = lib.update(progress=progress)
    end = now()
    lib.close()
    return {"events": events, "end_s": end, "posts": summary.posts}


def analyse(events: list[dict[str, Any]], end: float) -> dict[str, Any]:
    hits = [(e["t"], e["hits"]) for e in events if "hits" in e]
    first = next((t for t, n in hits if n > 0), None)
    growth = [t for (t, n), (_, before) in zip(hits[1:], hits, strict=False) if n > before]
    waits = [b - a for a, b in zip([first or 0.0, *growth], [*growth, end], strict=False)]
    shown = [(e["t"], e["stage"], e["done"]) for e in events if e["stage"] not in ("first search",)]
    reading = [t for t, stage, _ in shown if stage in ("index", "parse")]
    start = reading[0] if reading else (shown[0][0] if shown else 0.0)
    changes = [
        t for (t, s, d), (_, s0, d0) in zip(shown[1:], shown, strict=False) if (s, d) != (s0, d0)
    ]
    changes = [t for t in changes if t >= start]
    still = [b - a for a, b in zip([start, *changes], [*changes, end], strict=False)]
    return {
        "first_hits_s": first,
        "longest_wait_for_more_hits_s": max(waits) if first is not None else None,
        "longest_still_stage_s": max(still) if still else None,
        "commits": sum(1 for e in events if e["stage"] == "commit"),
        "end_s": end,
    }


def run(archive: Path, word: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as cache:
        launched = time.time()
        spec = json.dumps({"archive": str(archive), "cache": cache, "word": word, "at": launched})
        proc = subprocess.run(
            [sys.executable, __file__, "--task", spec], capture_output=True, text=True
        )
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            result = json.loads(line[len(MARKER) :])
            result["cpu_s"] = children.ru_utime + children.ru_stime  # the whole process group
            result |= analyse(result["events"], result["end_s"])
            return result
    raise SystemExit(f"the timeline task failed:\n{proc.stderr[-2000:]}")


def print_timeline(result: dict[str, Any]) -> None:
    print("| s | stage | read | hits | top tag |")
    print("|---|---|---|---|---|")
    shown_at = -1.0
    for e in result["events"]:
        if "hits" not in e and e["t"] - shown_at < 1.0:
            continue  # progress: one row a second at most; every commit
        shown_at = e["t"]
        read = f"{100 * e['done'] / e['total']:.0f}%" if e["total"] else ""
        tag = e.get("top_tag")
        top = f"{tag[0]} {tag[1]:,}" if tag and tag[0] else ""
        hits = f"{e['hits']:,}" if "hits" in e else ""
        print(f"| {e['t']:.1f} | {e['stage']} | {read} | {hits} | {top} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--word", default="music")
    parser.add_argument("--json", type=Path, help="write the timeline here")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    result = run(args.archive.resolve(), args.word)
    result["load_at_start"] = round(load, 1)
    result["load_at_end"] = round(os.getloadavg()[0], 1)
    print_timeline(result)
    print(
        f"\n{result['posts']:,} posts, word {args.word!r}: first hits at "
        f"{result['first_hits_s']:.1f} s; longest wait for more hits "
        f"{result['longest_wait_for_more_hits_s']:.1f} s; longest still stage "
        f"{result['longest_still_stage_s']:.1f} s; {result['commits']} commits; done at "
        f"{result['end_s']:.1f} s; CPU {result['cpu_s']:.1f} s (all processes); load average "
        f"{result['load_at_start']} → {result['load_at_end']}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--task":
        spec = json.loads(sys.argv[2])
        out = task(Path(spec["archive"]), Path(spec["cache"]), spec["word"], spec["at"])
        print(MARKER + json.dumps(out), flush=True)
        os._exit(0)  # no thread may hold the exit
    main()

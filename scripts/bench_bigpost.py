"""Open one very big post in the app: how long until it shows, how much memory, how fast `q` acts.

    python scripts/bench_bigpost.py               # a ~15.9 MB body (the parser takes up to 16 MB)
    python scripts/bench_bigpost.py --mb 4

A temporary archive holds the big post and a few small ones; a child process indexes it, so the
peak RSS reported is the app's alone (plus the library it opens). Headless, 120x40 (`run_test`):
  detail_s  the big post highlighted in the list → its text painted in the detail pane
  reader_s  Enter → the full-screen reader painted
  end_s     End pressed in the reader → painted (the reader reads on to later text)
  quit_s    `q` → the app has exited
  peak_mb   the process's peak RSS (ru_maxrss) over all of the above
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

QUERY = "music"
WORDS = [
    "the",
    "a",
    "of",
    "video",
    "channel",
    "live",
    "song",
    "guitar",
    "piano",
    "night",
    "city",
    "river",
    "light",
    "music",
    "story",
]


def write_archive(archive: Path, megabytes: float) -> None:
    from vidbrowse.generate import generate_archive

    generate_archive(archive, 20, seed=3)
    rng = random.Random(1)
    lines: list[str] = []
    size, target = 0, int(megabytes * 1024 * 1024)
    while size < target:
        line = " ".join(rng.choice(WORDS) for _ in range(14))
        lines.append(line)
        size += len(line) + 1
    body = "\n".join(lines)
    front = (
        '---\ntitle: "A very long music post"\nvid_id: "b1gp0st0001"\nviewcount: "99999999"\n---\n'
    )
    (archive / "_posts" / "2022-01-01-big.md").write_text(front + body, encoding="utf-8")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def build(archive: Path, cache: Path) -> None:
    from vidbrowse.core.library.library import Library

    with Library.open(archive, cache_dir=cache) as library:
        library.update()


def drive(archive: Path, cache: Path) -> dict[str, Any]:
    from vidbrowse.core.library.library import Library
    from vidbrowse.tui.app import make_app
    from vidbrowse.tui.screens.reader import ReaderScreen

    library = Library.open(archive, cache_dir=cache)
    app = make_app(library, query=QUERY, needs_update=False)
    out: dict[str, Any] = {"rss_before_mb": peak_mb()}

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.main_screen
            while screen.results is None or not screen.results.total:
                await pilot.pause(0.01)
            current = screen.results_list.current
            assert current is not None and current.vid_id == "b1gp0st0001", current
            start = time.perf_counter()
            while screen.post is None:
                await pilot.pause(0.005)
            await pilot.pause(0)  # the pending refresh painted
            out["detail_s"] = time.perf_counter() - start
            start = time.perf_counter()
            await pilot.press("enter")
            while not isinstance(app.screen, ReaderScreen):
                await pilot.pause(0.005)
            await pilot.pause(0)
            out["reader_s"] = time.perf_counter() - start
            start = time.perf_counter()
            await pilot.press("end")
            await pilot.pause(0)
            out["end_s"] = time.perf_counter() - start
            out["quit_at"] = time.perf_counter()
            await pilot.press("q")
            while app.is_running:
                await pilot.pause(0.005)

    began = time.perf_counter()
    try:
        asyncio.run(run())
    except Exception as error:  # the app exiting under the pilot ends run_test early
        out["note"] = repr(error)
    out["total_s"] = time.perf_counter() - began
    out["quit_s"] = time.perf_counter() - out.pop("quit_at", began)
    out["peak_mb"] = peak_mb()
    library.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=15.9, help="body size in MiB (default 15.9)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        build(Path(args.child[0]), Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        archive, cache = Path(tmp) / "archive", Path(tmp) / "cache"
        write_archive(archive, args.mb)
        began = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--child", str(archive), str(cache)], check=True)
        built = time.perf_counter() - began
        result = {"body_mb": args.mb, "build_s": round(built, 1), **drive(archive, cache)}
        began = time.perf_counter()
        command = ["show", str(archive), "b1gp0st0001", "--index-dir", str(cache)]
        shown = subprocess.run(
            [sys.executable, "-m", "vidbrowse", *command], capture_output=True, check=False
        )
        result["cli_show_s"] = time.perf_counter() - began
        result["cli_show_bytes"] = len(shown.stdout)
        rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}
        print(json.dumps(rounded))


if __name__ == "__main__":
    main()

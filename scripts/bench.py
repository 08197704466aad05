"""The vidbrowse benchmark suite: prints a table, writes JSON. See BENCHMARKS.md.

    python scripts/bench.py                      # 10k and 30k posts (about 10 minutes)
    python scripts/bench.py --sizes 100k         # the big one, opt-in
    python scripts/bench.py --sizes 200 --quick  # smoke run: no app start, no Whoosh baseline

Data sets and indexes live under --root (default /tmp/vidbrowse-bench), never in the repo; a data
set is generated once per (size, seed, generator source) and reused. Every measurement where
time or memory matters runs in its own process (scripts/bench_tasks.py).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

from bench_queries import KINDS, query_mix
from bench_report import print_report, targets

import vidbrowse.generate as generate

HERE = Path(__file__).resolve().parent
MARKER = "BENCH_RESULT "
CHANGES = 10  # posts added, changed and removed each


def parse_size(text: str) -> int:
    text = text.strip().lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def run_task(task: str, timeout: float = 1800, **args: Any) -> dict[str, Any]:
    """Run one measurement in a fresh process; its result, or {"error": why}.

    The process gets its own session and files for its output: a task that stops mid-build
    (vb_first) may leave index workers behind, which must neither hold a pipe open nor
    outlive the task (the whole group is killed afterwards)."""
    payload = json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in args.items()})
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        spawned = time.time()
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "bench_tasks.py"), task, payload],
            stdout=out,
            stderr=err,
            text=True,
            cwd=HERE,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f} s"}
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARKER):
            result = json.loads(line[len(MARKER) :])
            result["spawned_at"] = spawned
            return result
    tail = (stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail[:200]}"}


# --------------------------------------------------------------------------- data sets


def dataset(root: Path, count: int, seed: int) -> tuple[Path, float]:
    """The archive for (count, seed), generated unless already there; (path, seconds spent)."""
    source = b"".join(p.read_bytes() for p in sorted(Path(generate.__file__).parent.glob("*.py")))
    stamp = f"{count} {seed} {hashlib.sha256(source).hexdigest()[:16]}"
    archive = root / "data" / f"n{count}-s{seed}"
    marker = archive / ".bench-stamp"
    if marker.exists() and marker.read_text() == stamp:
        return archive, 0.0
    shutil.rmtree(archive, ignore_errors=True)
    start = time.perf_counter()
    generate.generate_archive(archive, count, seed=seed)
    marker.write_text(stamp)
    return archive, time.perf_counter() - start


class Mutation:
    """Ten posts added, ten changed and ten removed; `undo` puts the archive back."""

    def __init__(self, archive: Path, count: int, seed: int) -> None:
        posts = archive / "_posts"
        names = sorted(p.name for p in posts.iterdir())
        step = max(1, len(names) // (2 * CHANGES + 1))
        picked = [posts / n for n in names[::step][: 2 * CHANGES]]
        self.changed, self.removed = picked[:CHANGES], picked[CHANGES:]
        self.saved = {p: p.read_bytes() for p in picked}
        taken = set(names)
        self.added: list[Path] = []
        for k in range(count, count + CHANGES):
            name, data = generate.render_post(k, generate.post_rng(seed, k), seed=seed)
            path = posts / generate.unique_name(name, taken)
            path.write_bytes(data)
            self.added.append(path)
        for i, path in enumerate(self.changed):
            # Another generator for the same post: same vid_id, edited text and counts.
            _, data = generate.render_post(i, random.Random(f"edit/{i}"), seed=seed)
            path.write_bytes(data)
        for path in self.removed:
            path.unlink()

    def undo(self) -> None:
        for path in self.added:
            path.unlink()
        for path, data in self.saved.items():
            path.write_bytes(data)


# --------------------------------------------------------------------------- peers


def scan_tool() -> list[str]:
    rg = shutil.which("rg")
    return [rg, "-l", "-i"] if rg else ["grep", "-r", "-l", "-i", "-E"]


def scan(tool: list[str], patterns: tuple[str, ...], posts: Path) -> tuple[float, int]:
    """Files matching every pattern (one scan, then a scan of the survivors per extra
    pattern), like a user piping `rg -l`. (seconds, matching files)"""
    start = time.perf_counter()
    found = _scan(tool, patterns[0], [str(posts)])
    for pattern in patterns[1:]:
        survivors: list[str] = []
        for k in range(0, len(found), 2000):  # stay under the argument-length limit
            survivors += _scan(tool, pattern, found[k : k + 2000])
        found = survivors
    return time.perf_counter() - start, len(found)


def _scan(tool: list[str], pattern: str, targets_: list[str]) -> list[str]:
    if not targets_:
        return []
    out = subprocess.run([*tool, "--", pattern, *targets_], capture_output=True, text=True)
    return out.stdout.splitlines()


def scan_peer(posts: Path, per_kind: int) -> dict[str, Any]:
    tool = scan_tool()
    samples: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    by_text: dict[str, float] = {}
    seen: dict[str, int] = {}
    for query in query_mix():
        if query.scan is None or seen.get(query.kind, 0) >= per_kind:
            continue
        seen[query.kind] = seen.get(query.kind, 0) + 1
        seconds, total = scan(tool, query.scan, posts)
        samples.setdefault(query.kind, []).append(seconds)
        counts.setdefault(query.kind, []).append(total)
        by_text[query.text] = seconds
    return {
        "tool": Path(tool[0]).name,
        "kinds": {k: {"p50": median(v) * 1000, "n": len(v)} for k, v in samples.items()},
        "counts": counts,
        "by_text_ms": {k: v * 1000 for k, v in by_text.items()},
    }


def cli_search(archive: Path, cache: Path, words: list[str], repeat: int) -> dict[str, Any]:
    """Whole `vidbrowse search` processes on an indexed archive: wall time, median of runs."""
    exe = Path(sys.executable).with_name("vidbrowse")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "vidbrowse"]
    out: dict[str, Any] = {}
    for word in words:
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            proc = subprocess.run(
                [*command, "search", str(archive), word, "--index-dir", str(cache)],
                capture_output=True,
                text=True,
            )
            runs.append(time.perf_counter() - start)
            if proc.returncode not in (0, 1):
                return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-200:]}"}
        out[word] = median(runs) * 1000
    return {"ms": out}


# --------------------------------------------------------------------------- one size


def bench_size(count: int, args: argparse.Namespace) -> dict[str, Any]:
    root: Path = args.root
    say = lambda text: print(f"[{count:,}] {text}", file=sys.stderr, flush=True)  # noqa: E731
    archive, gen_s = dataset(root, count, args.seed)
    say(f"data set {archive} ({f'generated in {gen_s:.1f} s' if gen_s else 'reused'})")
    cache = root / "index" / f"n{count}"
    out: dict[str, Any] = {"posts": count, "generate_s": gen_s}

    say("cold build")
    out["build"] = run_task("vb_build", archive=archive, cache=cache)
    say("re-run with nothing changed (x3)")
    runs = [run_task("vb_update", archive=archive, cache=cache) for _ in range(3)]
    out["nochange"] = runs[0] | {"runs_s": [r.get("seconds") for r in runs]}
    say(f"{CHANGES} added, {CHANGES} changed, {CHANGES} removed")
    mutation = Mutation(archive, count, args.seed)
    out["changes"] = run_task("vb_update", archive=archive, cache=cache)
    mutation.undo()
    out["revert"] = run_task("vb_update", archive=archive, cache=cache)
    out["index_mb"] = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) / 1e6

    say("query mix and scrolling")
    out["queries"] = run_task("vb_queries", archive=archive, cache=cache)
    common, rare = query_mix()[0].text, next(q.text for q in query_mix() if q.kind == "rare word")
    say("vidbrowse search processes")
    out["cli"] = cli_search(archive, cache, [common, rare], repeat=1 if args.quick else 5)

    if not args.quick:
        say("app start, indexed (x3)")
        starts = [run_task("vb_app", archive=archive, cache=cache, query="") for _ in range(3)]
        out["app"] = _app_times(starts)
        say("app start on an unindexed archive, until hits for a word")
        first_cache = root / "index" / f"n{count}-first"
        out["app_unindexed"] = _app_times(
            [run_task("vb_app", archive=archive, cache=first_cache, query=common, unindexed=True)]
        )
    say("first results searchable (library, unindexed)")
    out["first"] = run_task(
        "vb_first", archive=archive, cache=root / "index" / f"n{count}-first", word=common
    )

    say("peer: SQLite FTS5")
    out["fts5"] = run_task("fts5", archive=archive, db=root / "peers" / f"fts5-n{count}.db")
    say(f"peer: {Path(scan_tool()[0]).name} scan")
    out["scan"] = scan_peer(archive / "_posts", per_kind=2 if args.quick else 5)
    if not (args.quick or args.skip_baseline):
        say("baseline: plain one-writer Whoosh build")
        out["whoosh"] = run_task(
            "whoosh_baseline", archive=archive, folder=root / "peers" / f"whoosh-n{count}"
        )
    return out


def _app_times(runs: list[dict[str, Any]]) -> dict[str, Any]:
    errors = [r["error"] for r in runs if "error" in r]
    times = [r["ready_at"] - r["spawned_at"] for r in runs if r.get("ready_at")]
    if not times:
        return {"error": errors[0] if errors else "no results shown within 120 s"}
    idle = [r["idle_at"] - r["spawned_at"] for r in runs if r.get("idle_at")]
    return {
        "seconds": median(times),
        "runs_s": times,
        "idle_runs_s": idle,
        "rss_mb": max(r["rss_mb"] for r in runs),
    }


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scan_tool": Path(scan_tool()[0]).name,
        "load_at_start": round(os.getloadavg()[0], 1),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def _git(*args: str) -> str:
    """The repo state the numbers belong to (other work may be in progress in the tree)."""
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, cwd=HERE)
    except OSError:
        return ""
    return out.stdout.strip()


def merge_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """One report from several runs: the sizes of all (a later run wins a size), the first
    run's machine with every run's date and load, targets checked again."""
    merged = dict(reports[0]) | {"sizes": {}}
    merged["machine"] = dict(reports[0]["machine"])
    for key in ("date", "load_at_start", "load_at_end", "commit"):
        values = [str(r["machine"].get(key, "")) for r in reports]
        merged["machine"][key] = " / ".join(dict.fromkeys(values))
    for report in reports:
        merged["sizes"].update(report["sizes"])
    merged["targets"] = targets(merged)
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="10k,30k", help="post counts, e.g. 10k,30k,100k")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--root", type=Path, default=Path("/tmp/vidbrowse-bench"))
    parser.add_argument("--json", type=Path, help="write results here (default ROOT/results.json)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip the slow parts: app start, Whoosh baseline, repeated CLI runs",
    )
    parser.add_argument("--skip-baseline", action="store_true", help="no plain Whoosh build")
    parser.add_argument(
        "--report",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="only print the tables of earlier runs (their sizes merged)",
    )
    args = parser.parse_args(argv)
    if args.report:
        print_report(merge_reports([json.loads(p.read_text()) for p in args.report]))
        return 0
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    # Measure what an installed vidbrowse runs: pip compiles the sources, an editable checkout
    # with PYTHONDONTWRITEBYTECODE set would compile them again in every measured process.
    compileall.compile_dir(Path(generate.__file__).parent.parent, quiet=1)  # all of vidbrowse
    started = time.perf_counter()
    report: dict[str, Any] = {
        "machine": machine(),
        "command": " ".join(sys.argv),
        "kinds": list(KINDS),
        "sizes": {},
    }
    for count in sizes:
        report["sizes"][str(count)] = bench_size(count, args)
    report["seconds"] = time.perf_counter() - started
    report["machine"]["load_at_end"] = round(os.getloadavg()[0], 1)
    report["targets"] = targets(report)
    path = args.json or args.root / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1))
    print_report(report)
    print(f"\nJSON: {path}  ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

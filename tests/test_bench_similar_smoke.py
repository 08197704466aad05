"""The "more like this" benchmark runs end to end on a tiny archive and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "scripts" / "bench_similar.py"


def test_similar_bench_prints_speed_and_quality(tmp_path: Path) -> None:
    options = ["--posts", "200", "--samples", "8", "--whoosh-samples", "4", "--no-corpus"]
    proc = subprocess.run(
        [sys.executable, str(BENCH), *options, "--root", str(tmp_path), "--show", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {line.split(" | ")[0]: line for line in proc.stdout.splitlines() if "|" in line}
    assert {"| vidbrowse similar:", "| Whoosh more_like", "| 10 random posts"} <= set(rows)
    assert "| vidbrowse similar: | 8 |" in rows["| vidbrowse similar:"]

"""The benchmark suite runs end to end on a tiny archive: it prints its tables and valid JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "scripts" / "bench.py"


def test_bench_quick_run_prints_tables_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--sizes",
            "150",
            "--quick",
            "--root",
            str(tmp_path),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for heading in ("| measure", "cold build speed", "| kind", "common word", "Targets"):
        assert heading in proc.stdout
    report = json.loads(out.read_text())
    size = report["sizes"]["150"]
    assert size["build"]["posts"] == 150, size["build"]
    assert size["changes"]["added"] == size["changes"]["changed"] == 10, size["changes"]
    assert size["changes"]["removed"] == 10
    assert size["nochange"]["added"] == size["nochange"]["changed"] == 0
    assert set(size["queries"]["kinds"]) == set(report["kinds"])
    assert size["fts5"]["posts"] == 150
    # The peer answers the same questions: filters match the same posts in both engines (word
    # counts may differ with stemming and tokenizing, which the table shows).
    for kind in ("tag AND tag", "duration range", "views range", "date range", "empty, by views"):
        assert size["fts5"]["counts"][kind] == size["queries"]["counts"][kind], kind
    assert {t["target"] for t in report["targets"]} >= {"no-change re-run (s)", "30 changes (s)"}
    # Data and indexes stay under --root: the archive is put back as it was.
    posts = tmp_path / "data" / "n150-s0" / "_posts"
    assert len(list(posts.iterdir())) == 150

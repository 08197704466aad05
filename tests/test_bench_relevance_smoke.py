"""The relevance benchmark runs end to end on a tiny archive: its table and valid JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "scripts" / "bench_relevance.py"
KINDS = {"title", "description", "typo", "channel"}


def test_relevance_bench_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "relevance.json"
    options = ["--size", "300", "--per-kind", "15", "--no-corpus", "--root", str(tmp_path)]
    options += ["--weights", "3,1.5,1.5,1", "--misses", "3"]  # a grid point: the default one
    proc = subprocess.run(
        [sys.executable, str(BENCH), *options, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| kind | queries | vb s@1 | FTS5 s@1" in proc.stdout
    assert "s@1 wins vb:FTS5 (p)" in proc.stdout and "FTS5 first, vidbrowse not" in proc.stderr
    report = json.loads(out.read_text())
    assert report["ranking"]["weights"]["title"] == 3.0
    (archive,) = report["archives"].values()
    assert archive["posts"] == 300
    assert set(archive["kinds"]) == KINDS
    for kind in KINDS:
        for engine in ("vidbrowse", "fts5"):
            numbers = archive["kinds"][kind][engine]
            assert numbers["queries"] > 0, (kind, engine)
            assert 0 <= numbers["success@1"] <= numbers["success@10"] <= 1
        paired = archive["kinds"][kind]["paired"]  # wins, losses and the sign test's p
        assert paired["s1_wins"] + paired["s1_losses"] <= numbers["queries"]
        assert 0 < paired["s1_p"] <= 1
    # Title words find their post in both engines: the queries are built right.
    assert archive["kinds"]["title"]["fts5"]["success@10"] > 0.5
    assert archive["kinds"]["title"]["vidbrowse"]["success@10"] > 0.5

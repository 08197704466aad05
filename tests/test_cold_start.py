"""A cold build's first hits: its first job starts before the scan ends, and shares the cores
with one other builder, not two (the first commit is the first hits)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vidbrowse.core.archive import scan as archive_scan
from vidbrowse.core.engine import index
from vidbrowse.core.engine.builders import Builders
from vidbrowse.core.library import writing
from vidbrowse.core.library.library import Library
from vidbrowse.generate import generate_archive


@pytest.fixture
def archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """60 posts, built in jobs of 5, 10, 15…, by three builders."""
    root = tmp_path / "archive"
    generate_archive(root, 60, seed=2)
    monkeypatch.setattr(writing, "FIRST_JOB", 5)
    monkeypatch.setattr(writing, "BULK_MIN", 10)
    monkeypatch.setattr(index, "BULK_PROCS", 3)
    return root


def test_the_first_job_starts_before_the_scan_ends(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handed out once BULK_MIN posts are found; its posts keep the rowids they were given
    and none is read twice."""
    monkeypatch.setattr(archive_scan, "PLAIN_CHUNK", 10)  # the scan tells what it found so far
    events: list[str] = []
    real_send, real_scan = Builders.send, archive_scan.scan

    def send(self: Builders, worker: int, job: Any) -> None:
        events.append(f"sent {len(job[1])}")
        real_send(self, worker, job)

    def scan(root: Path, found: Any = None) -> archive_scan.Scan:
        done = real_scan(root, found)
        events.append("scanned")
        return done

    monkeypatch.setattr(Builders, "send", send)
    monkeypatch.setattr(archive_scan, "scan", scan)
    with Library.open(archive, cache_dir=tmp_path / "cache") as lib:
        summary = lib.update()
        assert (summary.posts, summary.added) == (60, 60)
        assert lib.search("").total == 60
        rowids = lib._home.need_view().columns.rowids.tolist()
    assert events[:2] == ["sent 5", "scanned"]
    assert sorted(rowids) == list(range(1, 61))


def test_the_first_job_shares_the_cores_with_one_builder_not_two(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until the first job is done, the last builder waits."""
    events: list[tuple[str, int]] = []
    real_send, real_receive = Builders.send, Builders.receive

    def send(self: Builders, worker: int, job: Any) -> None:
        events.append(("sent", worker))
        real_send(self, worker, job)

    def receive(self: Builders, busy: Any) -> list[tuple[int, str, Any]]:
        got = real_receive(self, busy)
        events.extend(("done", worker) for worker, status, _ in got if status == "ok")
        return got

    monkeypatch.setattr(Builders, "send", send)
    monkeypatch.setattr(Builders, "receive", receive)
    with Library.open(archive, cache_dir=tmp_path / "cache") as lib:
        assert lib.update().posts == 60
    first_done = next(i for i, (kind, _) in enumerate(events) if kind == "done")
    assert sorted(worker for _, worker in events[:first_done]) == [0, 1]  # two jobs sent
    assert any(kind == "sent" for kind, _ in events[first_done:])  # the third, after

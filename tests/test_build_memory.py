"""The builder processes of a large build stay small: what they inherit from the updating
process stays shared with it (frozen from their collections), and past MANY_POSTS an update
uses fewer of them, with smaller jobs, so the whole process group stays within its budget."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from vidbrowse import generate
from vidbrowse.core.engine import index
from vidbrowse.core.engine.builders import Builders
from vidbrowse.core.library import writing
from vidbrowse.core.library.library import Library


def frozen_objects(_item: Any) -> tuple[int, None]:
    return gc.get_freeze_count(), None


def test_a_builder_never_collects_what_it_inherited(tmp_path: Path) -> None:
    inherited = [[i] for i in range(10_000)]  # objects a collection would walk
    ix = index.create(tmp_path / "ix")
    builders = Builders(frozen_objects, 1)
    try:
        [(results, segments)] = builders.build([(ix, [0, 1], 10)], None)
    finally:
        builders.close()
    assert segments == [] and len(results) == 2
    assert min(results) >= len(inherited)


@pytest.mark.parametrize("big", [True, False])
def test_a_big_build_runs_fewer_builders_with_smaller_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, big: bool
) -> None:
    archive = tmp_path / "archive"
    generate.generate_archive(archive, 3 * writing.BULK_MIN, seed=2)
    monkeypatch.setattr(writing, "BIG_BUILD", 2 * writing.BULK_MIN if big else 10**9)
    monkeypatch.setattr(writing, "BIG_JOB", 300)
    monkeypatch.setattr(writing, "MAX_BATCH", 400)
    monkeypatch.setattr(writing, "FIRST_JOB", 100)  # then 200 (second builder), 300 (third)
    monkeypatch.setattr(writing, "JOB_SECONDS", 1e9)  # sizes double up to the cap, any pace
    monkeypatch.setattr(index, "BULK_PROCS", 3)
    procs: list[int] = []  # the builders running as each job is handed out
    jobs: list[int] = []
    real_send = Builders.send

    def send(self: Builders, worker: int, job: tuple[Any, Any, int]) -> None:
        procs.append(self.procs)
        jobs.append(len(job[1]))
        real_send(self, worker, job)

    monkeypatch.setattr(Builders, "send", send)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        assert library.update().posts == 3 * writing.BULK_MIN
        assert library.search("").total == 3 * writing.BULK_MIN
    # The first job goes out amid the scan, before the build's size is known (three builders
    # forked); the idle third is stopped once a big build is seen.
    assert set(procs[1:]) == {2 if big else 3}
    assert sum(jobs) == 3 * writing.BULK_MIN and max(jobs) == (300 if big else 400)

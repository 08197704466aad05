"""The builder processes of a large build stay small: what they inherit from the updating
process stays shared with it (frozen from their collections), and past MANY_POSTS an update
uses fewer of them, with smaller jobs, so the whole process group stays within its budget."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from vidbrowse.core.engine import index
from vidbrowse.core.engine.builders import Builders


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

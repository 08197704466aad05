"""The demo archive: generated once into the cache folder, so `vidbrowse demo` needs no data."""

from __future__ import annotations

import shutil
from pathlib import Path

from vidbrowse.core.locations import cache_dir
from vidbrowse.generate import generate_archive

SEED = 2014


def demo_archive(count: int, cache: Path | None = None) -> Path:
    """The folder of a generated demo archive of `count` posts, made on first use."""
    folder = cache_dir(cache) / "demo" / f"archive-{count}"
    done = folder / ".complete"  # a run killed half-way leaves no marker and is redone
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate_archive(folder, count, seed=SEED)
        done.touch()
    return folder

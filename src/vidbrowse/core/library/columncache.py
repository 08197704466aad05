"""The columns saved beside the store (`columns.pickle-<store generation>`), built in this
process or, for a large store, in a fresh one.

Building the columns of 100k posts takes ~100 MB at its peak (each field's values as Python
objects before they are packed) and leaves the heap fragmented; loading the saved copy takes the
~40 MB the columns hold, at once. An update reloads the columns after every batch, and a 100k
build's peak was that reload (the old columns still live, for searches). Built in a fresh
interpreter (~30 MB and 0.2 s of CPU to start), that peak never reaches this process.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from vidbrowse.core.library.store import Store
from vidbrowse.core.query.columns import Columns

COLUMNS_FILE = "columns.pickle"  # + "-<store generation>"
# From this many posts on the columns are built in a fresh process: below, building them here
# costs less than starting one (1k posts: a few ms, a few MB).
CHILD_MIN_POSTS = 10_000
# The child sets its import path from the first argument (isolated: no current folder, no
# PYTHON* variables), then runs `_main` with the rest.
_CHILD_CODE = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from vidbrowse.core.library.columncache import _main; _main(sys.argv[2:])"
)


def saved_path(home: Path, generation: int) -> Path:
    return home / f"{COLUMNS_FILE}-{generation}"


def build(store: Store, home: Path) -> Columns:
    """Build the columns of the store as it is and save them for its generation (replacing the
    copies of older ones)."""
    generation = store.generation()
    columns = store.columns()
    # Unless another process committed meanwhile: these may then be of either state.
    if store.generation() == generation:
        save(columns, home, generation)
    return columns


def save(columns: Columns, home: Path, generation: int) -> None:
    """Save `columns` as those of the store's `generation`, replacing the copies of older ones."""
    # The default order (and the title ranks behind it) of every first search, saved with the
    # columns so no start pays for it (~15 ms at 30k posts).
    columns.order("uploaded", False)
    with contextlib.suppress(OSError):  # a cache: a full or read-only disk only costs speed
        for old in home.glob(f"{COLUMNS_FILE}-*"):
            old.unlink(missing_ok=True)
        columns.save(saved_path(home, generation))


def load(store: Store, home: Path) -> Columns:
    """The columns of the store as it is: the saved copy when it is of the store's generation
    (10x faster than building them), else built and saved, in a fresh process when the store is
    large (its copy then loaded here)."""
    saved = saved_path(home, store.generation())
    columns = Columns.load(saved)
    if columns is None and store.count_posts() >= CHILD_MIN_POSTS:
        _build_in_child(store, home)
        columns = Columns.load(saved)
    if columns is None:  # no child could do it, or another process committed meanwhile
        columns = build(store, home)
    return columns


def _build_in_child(store: Store, home: Path) -> None:
    """`build` in a fresh interpreter; any failure only means building them here."""
    if not sys.executable:
        return
    import json  # here: a search that loads saved columns never starts a process
    import subprocess

    meta = store.meta()  # what the child's Store checks, as this one did
    args = [str(store.path), meta["archive"], meta["index_version"], str(home)]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            [sys.executable, "-I", "-c", _CHILD_CODE, json.dumps(sys.path), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )


def _main(argv: list[str]) -> None:
    store_path, archive, index_version, home = argv
    store = Store(Path(store_path), archive, int(index_version))
    try:
        build(store, Path(home))
    finally:
        store.close()

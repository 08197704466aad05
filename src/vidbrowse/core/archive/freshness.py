"""The quick up-to-date check: whether the archive can have changed since a full scan, from the
stats of its folders alone (a handful of stats where a full scan stats every post).

A folder's listing changes only with its mtime and ctime: adding, removing or renaming a file
in it, or saving a file the usual way (a new file renamed over the old one), touches the folder.
Editing a file in place (appending to it, an editor that writes over the same file) or changing
its permissions does not: only a full scan sees that. So the check trusts the folders for
FULL_SCAN_EVERY_S seconds after a full scan, then asks for a full scan again: an edit in place
is seen within that time, any other change at once. `vidbrowse index` always scans in full.

A folder stat taken within RACY_S of the scan's start is not trusted (as git does with its
index): a change in the same clock tick as the listing would leave the same mtime, and a file
system's clock (a network one's) may differ a little from ours. The ctime cannot be set back
(`touch -d`, `rsync -t` set mtimes only), and device and inode catch a folder replaced.

The state is written in the archive's home (CHECK_FILE, never in the archive) by every full
scan that computes a fingerprint, and read back before a command decides to scan.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import time
from pathlib import Path

from vidbrowse.core.archive.scan import FolderStat, Scan, folder_stat

CHECK_FILE = "folders.pickle"
FULL_SCAN_EVERY_S = 60.0
RACY_S = 2.0
_VERSION = 1


def save(path: Path, scan: Scan, fingerprint: str) -> None:
    """Note `scan`'s folders for `recent_fingerprint` (a cache: failing to write costs speed)."""
    if scan.folders is None:
        return
    state = (_VERSION, fingerprint, scan.started_ns, scan.folders)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


def recent_fingerprint(path: Path, *, now_ns: int | None = None) -> str | None:
    """The fingerprint of the last full scan noted at `path` while it still stands for the
    archive (every folder as it was, the scan recent enough), else None: scan in full."""
    try:
        with path.open("rb") as f:
            version, fingerprint, started_ns, folders = pickle.load(f)
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
        return None
    if version != _VERSION or not isinstance(fingerprint, str) or not isinstance(started_ns, int):
        return None
    now_ns = time.time_ns() if now_ns is None else now_ns
    if not 0 <= now_ns - started_ns <= FULL_SCAN_EVERY_S * 1e9:
        return None
    racy = started_ns - RACY_S * 1e9
    return fingerprint if _unchanged(folders, racy) else None


def folders_changed(path: Path) -> bool:
    """Whether a folder noted at `path` by the last full scan changed since (a post added,
    removed, renamed or saved the usual way), from a handful of stats, whatever the scan's age:
    what the app asks every few seconds while it runs. Nothing noted: False (no way to tell)."""
    try:
        with path.open("rb") as f:
            version, _fingerprint, _started_ns, folders = pickle.load(f)
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
        return False
    return version == _VERSION and not _unchanged(folders, racy=float("inf"))


def _unchanged(folders: list[tuple[bytes, FolderStat]], racy: float) -> bool:
    for folder, was in folders:
        if was[2] >= racy or was[3] >= racy:
            return False
        try:
            if folder_stat(os.stat(folder)) != was:
                return False
        except OSError:
            return False
    return True

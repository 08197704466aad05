"""A folder's post files are stat'ed on worker threads, by name relative to the folder's
descriptor (archive/statting.py), while the scan lists on: the scan finds the same files, stats
and order as one thread would, handles files that change under it as before, and leaves no thread
behind (BackgroundFingerprint forks only a process holding one thread)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from helpers.posts import post_files, write_posts
from vidbrowse.core.archive import scan as archive_scan
from vidbrowse.core.archive import statting


def stats_on_record(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Record each stat relative to a folder's descriptor: (thread name, the descriptor). (`os`
    is one module: the scan's own stats of folders go through the patched function too.)"""
    calls: list[tuple[str, Any]] = []
    real = os.stat

    def stat(path: Any, *, dir_fd: Any = None, follow_symlinks: bool = True) -> os.stat_result:
        if dir_fd is not None:
            calls.append((threading.current_thread().name, dir_fd))
        return real(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)

    monkeypatch.setattr(statting.os, "stat", stat)
    return calls


def test_chunks_are_stated_on_worker_threads_relative_to_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "archive"
    paths = write_posts(root, range(50))
    monkeypatch.setattr(archive_scan, "PLAIN_CHUNK", 4)
    calls = stats_on_record(monkeypatch)
    found = archive_scan.scan(root)
    assert len(calls) == 50
    assert all(name.startswith("vidbrowse-stat") for name, _ in calls)
    listed = [entry.name for entry in os.scandir(root / "_posts")]
    assert found.first(50) == [f"_posts/{name}" for name in listed]  # the listing's order
    assert sorted(found.files) == sorted(paths)
    for path in paths:
        st = os.stat(root / path)
        assert found.files[path] == (st.st_size, st.st_mtime_ns)
    assert threading.active_count() == 1  # joined: a fork after the scan stays safe


@pytest.mark.parametrize("chunk", [1, 4, 4096])
def test_a_threaded_scan_equals_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    root = tmp_path / "archive"
    write_posts(root, range(30))
    write_posts(root, range(30, 45), folder="_posts/2019")
    write_posts(root, range(45, 50), folder="_drafts")
    monkeypatch.setattr(archive_scan, "PLAIN_CHUNK", chunk)
    found = archive_scan.scan(root)
    # One by one, through the slow path: every chunk refused.
    monkeypatch.setattr(archive_scan, "_add_plain", lambda *_: False)
    slow = archive_scan.scan(root)
    assert found.files == slow.files and found.fingerprint() == slow.fingerprint()


def test_a_file_removed_between_listing_and_stat_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listed, then removed before its stat: its chunk goes one file at a time, as a stat that
    failed always did, and the rest of the chunk is found."""
    root = tmp_path / "archive"
    write_posts(root, range(8))
    monkeypatch.setattr(archive_scan, "PLAIN_CHUNK", 4)
    real = statting._stat_all
    removed: list[str] = []

    def removing(fd: int, names: list[bytes]) -> list[os.stat_result]:
        if not removed:
            removed.append(f"_posts/{names[1].decode()}")
            (root / removed[0]).unlink()
        return real(fd, names)

    monkeypatch.setattr(statting, "_stat_all", removing)
    found = archive_scan.scan(root)
    assert sorted(found.files) == sorted(post_files(root)) and len(found) == 7
    assert removed[0] not in found.files and not found.problems

"""The stats of a folder's post files, taken on worker threads while the scan lists on.

A scan of a million files is mostly their stats: ~3 µs each on this VM, ~2.5 of them in the
kernel, where os.stat releases the GIL. So a folder's files are stat'ed a chunk at a time on
THREADS worker threads while the main thread lists, and by name relative to the folder's
descriptor (fstatat: the kernel looks up one name, not the whole path: ~15% less CPU). One
worker: with two, the GIL changes hands at every stat among three threads, and a no-change
re-run of 1M posts on an idle 2-core machine took 6.1 s wall and 8.8 s CPU, against 4.9 s and
6.0 s with one (5.2 s and 5.5 s for the plain scan before). Every file is still
stat'ed, exactly as before: only who does it changed. Chunks come back in the order they were
handed in, so the scan's order (and its fingerprint) stays the listing's.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING

# concurrent.futures is imported where a scan first needs it: it imports logging (~3 ms of a
# search that the quick check spares a scan; tests/test_opening.py).
if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

THREADS = 1
# Chunks handed out ahead of the one the scan adds next: bounds what waits in memory.
AHEAD = 4

Entries = list[os.DirEntry[bytes]]


class Statter:
    """The worker threads of one scan, started at its first chunk and joined when it ends (a
    process about to fork, as BackgroundFingerprint does, must hold no other thread)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> Statter:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def folder(self, path: bytes) -> FolderStats:
        """The stats of files in the folder `path` (raises OSError when it cannot be opened)."""
        return FolderStats(self, os.open(path, os.O_RDONLY | os.O_DIRECTORY))

    def submit(self, fd: int, names: list[bytes]) -> Future[list[os.stat_result]]:
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="vidbrowse-stat")
        return self._pool.submit(_stat_all, fd, names)


def _stat_all(fd: int, names: list[bytes]) -> list[os.stat_result]:
    # Not following links: the listing said these are regular files; a file replaced by a link
    # since then shows as a link, and the scan looks at its chunk one file at a time.
    return [os.stat(name, dir_fd=fd, follow_symlinks=False) for name in names]


class FolderStats:
    """Chunks of one folder's entries handed in (`submit`), handed back with their stats in the
    same order (`taken`); the folder's descriptor stays open until every chunk is done."""

    def __init__(self, statter: Statter, fd: int) -> None:
        self._statter = statter
        self._fd = fd
        self._pending: deque[tuple[Entries, Future[list[os.stat_result]]]] = deque()

    def __enter__(self) -> FolderStats:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, _: BaseException | None, __: TracebackType | None
    ) -> None:
        # A thread may still be statting relative to the descriptor: closing it first could
        # make it read another file opened meanwhile under the same number.
        from concurrent.futures import wait

        futures = [future for _, future in self._pending]
        for future in futures:
            future.cancel()
        wait(futures)
        self._pending.clear()
        os.close(self._fd)

    def submit(self, entries: Entries) -> None:
        names = [entry.name for entry in entries]
        self._pending.append((entries, self._statter.submit(self._fd, names)))

    def taken(self, every: bool = False) -> Iterator[tuple[Entries, list[os.stat_result] | None]]:
        """(entries, their stats, or None when one could not be taken) in the order submitted:
        those done at the head (waiting while more than AHEAD are pending), or with `every` all
        of them."""
        pending = self._pending
        while pending and (every or len(pending) > AHEAD or pending[0][1].done()):
            entries, future = pending.popleft()
            try:
                stats: list[os.stat_result] | None = future.result()
            except OSError:
                stats = None
            yield entries, stats

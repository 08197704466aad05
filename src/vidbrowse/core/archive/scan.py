"""Finding the posts in an archive folder, and what changed since the last look.

File names that are not valid UTF-8 are reported as problems and not indexed: a path with
surrogate escapes cannot be stored in SQLite text, written as JSON or shown safely, and Jekyll
itself expects UTF-8 names. So are names holding control characters or bidi overrides: a path is
written raw into CSV, Markdown and the app, and an ESC in it would act on the terminal. The
problem's path shows such characters as `\\xNN`/`\\uNNNN` escapes.

The scan runs before every search and at every start, so the common case (a folder of plain
post files) is done per folder rather than per file; the stat of each file is most of what is
left (~2 µs each, mostly in the kernel).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import re
import stat
import threading
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

from vidbrowse.core.archive.post import Problem

POST_SUFFIXES = (b".md", b".markdown", b".html", b".htm", b".txt")

Stat = tuple[int, int]  # (size, mtime_ns)


class Scan:
    """Every post file under the archive (relative POSIX path → (size, mtime_ns)) and the
    problems met. `files` is built on first use: a no-change check needs only `fingerprint`."""

    __slots__ = ("_files", "_mtimes", "_paths", "_sizes", "problems")

    def __init__(self) -> None:
        self._paths: list[str] = []
        self._sizes: list[int] = []
        self._mtimes: list[int] = []
        self._files: dict[str, Stat] | None = None
        self.problems: list[Problem] = []

    def add(self, paths: list[str], stats: list[os.stat_result]) -> None:
        self._paths += paths
        self._sizes += [st.st_size for st in stats]
        self._mtimes += [st.st_mtime_ns for st in stats]
        self._files = None

    def __len__(self) -> int:
        return len(self._paths)

    # Pickled: sent by BackgroundFingerprint's child, and saved by the library as the archive
    # its store was last brought up to date with.
    def __getstate__(self) -> tuple[list[str], list[int], list[int], list[Problem]]:
        return self._paths, self._sizes, self._mtimes, self.problems

    def __setstate__(self, state: tuple[list[str], list[int], list[int], list[Problem]]) -> None:
        self._paths, self._sizes, self._mtimes, self.problems = state
        self._files = None

    def stats(self, paths: Iterable[str]) -> dict[str, Stat]:
        """The stats of those of `paths` found: one pass over the scan, without `files`."""
        wanted = set(paths)
        sizes, mtimes = self._sizes, self._mtimes
        return {p: (sizes[i], mtimes[i]) for i, p in enumerate(self._paths) if p in wanted}

    @property
    def files(self) -> dict[str, Stat]:
        if self._files is None:
            stats = zip(self._sizes, self._mtimes, strict=True)
            self._files = dict(zip(self._paths, stats, strict=True))
        return self._files

    def fingerprint(self) -> str:
        """A digest of all that `diff` compares (paths, sizes, mtimes) and of the problems: equal
        digests mean nothing changed. It follows the scan's order, which a folder keeps while
        its entries stay the same; a folder listed in another order costs one full comparison."""
        paths = "\0".join(self._paths).encode()
        digest = hashlib.blake2b(digest_size=16)
        digest.update(array("q", [len(self._paths), len(paths)]).tobytes())  # unambiguous parts
        digest.update(paths)
        for numbers in (self._sizes, self._mtimes):
            try:
                digest.update(array("q", numbers).tobytes())
            except OverflowError:  # an mtime past the year 2262
                digest.update(repr(numbers).encode())
        digest.update(repr(sorted((p.path, p.reason) for p in self.problems)).encode())
        return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Diff:
    added: list[str]
    changed: list[str]
    removed: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


# C0 and C1 controls (ESC, BEL, CSI…), DEL, and the bidi overrides and isolates.
_UNSAFE_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _name(raw: bytes) -> tuple[str | None, str]:
    """(the name, "") or (None, why it cannot be a post's path)."""
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "name is not valid UTF-8"
    if _UNSAFE_NAME.search(name):
        return None, "name holds control characters"
    return name, ""


def _shown(prefix: str, raw: bytes) -> str:
    name = raw.decode("utf-8", "backslashreplace")
    return prefix + _UNSAFE_NAME.sub(lambda m: ascii(m.group())[1:-1], name)


def _add_plain(result: Scan, prefix: str, entries: list[os.DirEntry[bytes]]) -> bool:
    """Add a folder's plain post files (regular files, not links) at once: one decode and one
    check for all their names, their stats in one comprehension. False, with nothing added, when
    any name or stat is odd: the caller then goes one by one and reports each problem."""
    try:
        # "/" cannot be in a name, nor in any UTF-8 sequence of other characters.
        names = b"/".join([entry.name for entry in entries]).decode("utf-8")
        stats = [entry.stat() for entry in entries]
    except (UnicodeDecodeError, OSError):
        return False
    # Every character _UNSAFE_NAME matches is a control or format character: not printable.
    if not names.isprintable() and _UNSAFE_NAME.search(names):
        return False
    if not all([stat.S_ISREG(st.st_mode) for st in stats]):
        return False
    result.add([prefix + name for name in names.split("/")], stats)
    return True


def scan(root: Path) -> Scan:
    """Walk `root` for post files. Hidden entries (`.git`, `.cache`…) are skipped; symlinked files
    are followed; a directory reached twice (a symlink loop, or two links to one folder) is walked
    once. Raises OSError only when `root` itself cannot be listed."""
    result = Scan()
    root_bytes = os.fsencode(root)
    root_stat = os.stat(root_bytes)
    seen = {(root_stat.st_dev, root_stat.st_ino)}
    # bytes paths: names come back undecoded, so a bad name is found here, not in SQLite later.
    stack: list[tuple[bytes, str]] = [(root_bytes, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            if not prefix:  # the archive itself: the caller says what to do
                raise
            result.problems.append(
                Problem(prefix.rstrip("/"), f"cannot read folder: {exc.strerror or exc}")
            )
            continue
        plain: list[os.DirEntry[bytes]] = []
        others: list[os.DirEntry[bytes]] = []
        for entry in entries:
            raw = entry.name
            if raw.startswith(b"."):
                continue
            try:
                is_plain = entry.is_file(follow_symlinks=False)  # the listing's type: no stat
            except OSError:
                is_plain = False
            if not is_plain:
                others.append(entry)
            elif raw.lower().endswith(POST_SUFFIXES):
                plain.append(entry)
        if plain and not _add_plain(result, prefix, plain):
            others += plain
        for entry in others:
            raw = entry.name
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError as exc:  # e.g. a link to itself (ELOOP)
                if raw.lower().endswith(POST_SUFFIXES):
                    result.problems.append(
                        Problem(_shown(prefix, raw), f"cannot read: {exc.strerror or exc}")
                    )
                continue
            if is_dir:
                name, why = _name(raw)
                if name is None:
                    result.problems.append(Problem(_shown(prefix, raw), f"folder {why}: skipped"))
                    continue
                try:
                    st = entry.stat()
                except OSError as exc:
                    result.problems.append(
                        Problem(prefix + name, f"cannot read folder: {exc.strerror or exc}")
                    )
                    continue
                key = (st.st_dev, st.st_ino)
                if key in seen:
                    continue
                seen.add(key)
                stack.append((entry.path, f"{prefix}{name}/"))
            elif is_file:
                if not raw.lower().endswith(POST_SUFFIXES):
                    continue
                name, why = _name(raw)
                if name is None:
                    result.problems.append(
                        Problem(_shown(prefix, raw), f"file {why}: rename it to index this post")
                    )
                    continue
                try:
                    st = entry.stat()
                except FileNotFoundError:
                    continue  # removed while we looked
                except OSError as exc:
                    result.problems.append(Problem(prefix + name, f"cannot stat file: {exc}"))
                    continue
                if stat.S_ISREG(st.st_mode):
                    result.add([prefix + name], [st])
            elif entry.is_symlink() and raw.lower().endswith(POST_SUFFIXES):
                # A link to a device or a FIFO exists but must not be read (it may never end).
                reason = (
                    "not a regular file" if os.path.exists(entry.path) else "broken symbolic link"
                )
                result.problems.append(Problem(_shown(prefix, raw), reason))
    return result


def diff(manifest: Mapping[str, Stat], files: Mapping[str, Stat]) -> Diff:
    """What a scan found against what was indexed: a file changed when its size or mtime did."""
    added = sorted(files.keys() - manifest.keys())
    removed = sorted(manifest.keys() - files.keys())
    known = manifest.get  # an added path gets its own stat back: not changed
    changed = sorted([path for path, st in files.items() if known(path, st) != st])
    return Diff(added, changed, removed)


def diff_scans(old: Scan, new: Scan) -> Diff:
    """`diff(old.files, new.files)`, on arrays: ~5x faster at 100k files (building `files` alone
    takes longer than this whole comparison)."""
    import numpy as np  # here: the fingerprint's child forks before numpy is imported

    where = dict(zip(old._paths, range(len(old)), strict=True))
    found = np.fromiter(map(where.get, new._paths, repeat(-1)), np.int64, len(new))
    seen = found >= 0
    try:
        old_sizes, old_mtimes, sizes, mtimes = (
            np.array(numbers, dtype=np.int64)
            for numbers in (old._sizes, old._mtimes, new._sizes, new._mtimes)
        )
    except OverflowError:  # an mtime past the year 2262
        return diff(old.files, new.files)
    moved = found[seen]
    same = np.zeros(len(new), dtype=bool)
    same[seen] = (old_sizes[moved] == sizes[seen]) & (old_mtimes[moved] == mtimes[seen])
    kept = np.zeros(len(old), dtype=bool)
    kept[moved] = True
    return Diff(
        sorted([new._paths[i] for i in np.flatnonzero(~seen).tolist()]),
        sorted([new._paths[i] for i in np.flatnonzero(seen & ~same).tolist()]),
        sorted([old._paths[i] for i in np.flatnonzero(~kept).tolist()]),
    )


class BackgroundFingerprint:
    """`scan(root).fingerprint()` worked out in a forked child while the caller goes on: a
    command's no-change check then overlaps its imports and the opening of the index, on the
    other core (`vidbrowse search`, in-process: 0.50 → 0.33 s at 30k posts, 1.34 → 0.92 s at
    100k, medians of 4). `result()` is None when the child could not answer; the caller then
    scans by itself, which also reports why. When the fingerprint says that something changed,
    `scan()` has the child send the scan itself, so the update does not walk the archive again
    (the child holds it until asked or `close`d)."""

    def __init__(self, root: Path) -> None:
        self._pid = 0
        self._answers = self._requests = -1
        self._fingerprint: str | None = None
        # A fork copies only the calling thread: with others running, a lock one of them held
        # could stay held in the child. Then there is no head start.
        if threading.active_count() > 1 or not hasattr(os, "fork"):
            return
        answers, answer = os.pipe()
        request, requests = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer, then leave without running any cleanup of the parent's
            try:
                os.close(answers)
                os.close(requests)
                # Everything the scan makes lives until the child ends: collections would only
                # walk it (and the parent's objects) in vain (100k posts: 278 → 247 ms of user CPU).
                gc.disable()
                found = scan(Path(root))
                _write_all(answer, found.fingerprint().encode() + b"\n")
                if os.read(request, 1):  # the scan itself is wanted (else: closed, done)
                    _write_all(answer, pickle.dumps(found, pickle.HIGHEST_PROTOCOL))
            finally:
                os._exit(0)
        os.close(answer)
        os.close(request)
        self._pid, self._answers, self._requests = pid, answers, requests

    def result(self) -> str | None:
        """The fingerprint (waits for the child's scan), or None."""
        if self._fingerprint is None:
            line = _read_all(self._answers, until=b"\n") if self._pid else b""
            self._fingerprint = line.decode().strip()
        return self._fingerprint or None

    def scan(self) -> Scan | None:
        """The scan behind `result()` (None when there is none, or after `close`), then
        `close`."""
        try:
            if self.result() is None or not self._pid:
                return None
            os.write(self._requests, b"s")
            found = pickle.loads(_read_all(self._answers))
            return found if isinstance(found, Scan) else None
        except (OSError, EOFError, pickle.UnpicklingError):  # the child died: scan here
            return None
        finally:
            self.close()

    def close(self) -> None:
        """Let the child go and wait for it (a no-op once done)."""
        if self._pid:
            os.close(self._answers)
            os.close(self._requests)
            os.waitpid(self._pid, 0)
            self._pid = 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(fd: int, until: bytes | None = None) -> bytes:
    """Bytes from `fd` up to its end, or up to and including `until`."""
    chunks: list[bytes] = []
    while chunk := os.read(fd, 1 << 20 if until is None else 64):
        chunks.append(chunk)
        if until is not None and until in chunk:
            break
    return b"".join(chunks)

"""Finding the posts in an archive folder, and what changed since the last look.

File names are bytes: a name that is not valid UTF-8, or holds control characters or bidi
overrides, is indexed under an escaped path (`\\xNN`, see names.py) that reads back to its bytes.

What is walked: symbolic links only while their target stays inside the archive (as Jekyll's safe
mode does); a link out is reported once as a problem and never followed. Hidden entries are
skipped, and so are the folders of a Jekyll site that hold no posts (`_site`, `_layouts`,
`_includes`, `_data`, `_sass`, `assets`…).

The scan runs before every search and at every start, so the common case (a folder of plain
post files) is done per folder rather than per file; the stat of each file is most of what is
left (~2 µs each, mostly in the kernel).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import re
import stat
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidbrowse.core.archive.names import UNSAFE, path_text
from vidbrowse.core.archive.post import Problem
from vidbrowse.core.archive.statting import Entries, Statter

if TYPE_CHECKING:  # imported where used: the fingerprint's child forks before numpy is imported
    import numpy as np

POST_SUFFIXES = (b".md", b".markdown", b".html", b".htm", b".txt")
# A Jekyll site's folders that hold its build, templates and files, never posts.
NOT_POSTS = frozenset(
    [b"_site", b"_layouts", b"_includes", b"_data", b"_sass", b"_plugins", b"assets",
     b"node_modules", b"vendor"]
)

Stat = tuple[int, int]  # (size, mtime_ns)
Numbers = array | list[int]  # an array("q") while every number fits (see _extended)
# A folder's plain post files are added this many at a time (see _add_listing).
PLAIN_CHUNK = 4096
FolderStat = tuple[int, int, int, int]  # (device, inode, mtime_ns, ctime_ns): see freshness.py

# Outside a `_posts` or `_drafts` folder, a file is a post only if its front matter has a video's
# keys: a site's pages, READMEs and build output are not broken posts.
_POST_FOLDERS = frozenset(["_posts", "_drafts"])
_VIDEO_KEY = re.compile(
    rb"^(?:vid_id|vid_date|duration|viewcount|likeCount|dislikeCount)[ \t]*:", re.MULTILINE
)


class Scan:
    """Every post file under the archive (relative POSIX path → (size, mtime_ns)) and the
    problems met. Sizes and mtimes are kept as arrays of 8-byte numbers (a million Python ints in
    a list take 36 MB); `files` is a dict built on demand: an update needs none (`diff_manifest`,
    `diff_scans`, `numbers`), a no-change check only `fingerprint`.
    `folders`: each folder walked (its bytes path) and its stat taken before it was listed, and
    `started_ns` the walk's start (the quick check in freshness.py); `folders` is None when a
    folder could not be stat'ed (no quick check then)."""

    __slots__ = ("_files", "_mtimes", "_paths", "_sizes", "folders", "problems", "started_ns")

    def __init__(self) -> None:
        self._paths: list[str] = []
        self._sizes: Numbers = array("q")
        self._mtimes: Numbers = array("q")
        self._files: dict[str, Stat] | None = None
        self.problems: list[Problem] = []
        self.folders: list[tuple[bytes, FolderStat]] | None = []
        self.started_ns = time.time_ns()

    def add(self, paths: list[str], stats: list[os.stat_result]) -> None:
        self._paths += paths
        self._sizes = _extended(self._sizes, [st.st_size for st in stats])
        self._mtimes = _extended(self._mtimes, [st.st_mtime_ns for st in stats])
        self._files = None

    def __len__(self) -> int:
        return len(self._paths)

    def first(self, count: int) -> list[str]:
        """The first `count` paths found."""
        return self._paths[:count]

    # Pickled: sent by BackgroundFingerprint's child, and saved by the library as the archive
    # its store was last brought up to date with.
    def __getstate__(self) -> tuple[Any, ...]:
        return self._paths, self._sizes, self._mtimes, self.problems, self.folders, self.started_ns

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        paths, sizes, mtimes, problems, *rest = state
        self._paths, self.problems = paths, problems
        # Lists: saved by an older vidbrowse (or an mtime past the year 2262).
        self._sizes = sizes if isinstance(sizes, array) else _extended(array("q"), sizes)
        self._mtimes = mtimes if isinstance(mtimes, array) else _extended(array("q"), mtimes)
        # A scan saved by an older vidbrowse has no folders: it allows no quick check.
        self.folders, self.started_ns = rest if len(rest) == 2 else (None, 0)
        self._files = None

    def stats(self, paths: Iterable[str]) -> dict[str, Stat]:
        """The stats of those of `paths` found: one pass over the scan, without `files`."""
        wanted = set(paths)
        sizes, mtimes = self._sizes, self._mtimes
        return {p: (sizes[i], mtimes[i]) for i, p in enumerate(self._paths) if p in wanted}

    def numbers(self, paths: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The sizes and mtimes of `paths` (each in the scan), in their order, as arrays (of
        objects past the year 2262). One map of every path while it works, none kept."""
        import numpy as np

        where = dict(zip(self._paths, range(len(self._paths)), strict=True))
        at = np.fromiter(map(where.__getitem__, paths), np.int64, len(paths))
        del where
        return _as_array(self._sizes)[at], _as_array(self._mtimes)[at]

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
            if isinstance(numbers, array):
                digest.update(numbers.tobytes())
            else:  # an mtime past the year 2262
                digest.update(repr(numbers).encode())
        digest.update(repr(sorted((p.path, p.reason) for p in self.problems)).encode())
        return digest.hexdigest()


def _extended(numbers: Numbers, more: list[int]) -> Numbers:
    """`numbers` with `more` after them: an array while every number fits in 8 bytes."""
    if isinstance(numbers, array):
        try:
            numbers.extend(array("q", more))  # all converted first: on overflow, nothing added
            return numbers
        except OverflowError:
            numbers = numbers.tolist()
    numbers += more
    return numbers


def _as_array(numbers: Numbers) -> np.ndarray:
    import numpy as np

    # A copy (a memcpy): a view would keep the array from growing.
    return np.array(numbers, dtype=np.int64 if isinstance(numbers, array) else object)


@dataclass(frozen=True, slots=True)
class Diff:
    added: list[str]
    changed: list[str]
    removed: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def _add_plain(
    result: Scan, prefix: str, entries: Entries, stats: list[os.stat_result] | None
) -> bool:
    """Add a folder's plain post files (regular files, not links) at once: one decode and one
    check for all their names and `stats` (None: one could not be taken). False, with nothing
    added, when any name or stat is odd: the caller then goes one by one and reports each
    problem."""
    if stats is None:
        return False
    try:
        # "/" cannot be in a name, nor in any UTF-8 sequence of other characters.
        names = b"/".join([entry.name for entry in entries]).decode("utf-8")
    except UnicodeDecodeError:
        return False
    # Every character UNSAFE matches is a control or format character: not printable.
    if "\\" in names or (not names.isprintable() and UNSAFE.search(names)):
        return False
    if not all([stat.S_ISREG(st.st_mode) for st in stats]):
        return False
    result.add([prefix + name for name in names.split("/")], stats)
    return True


def is_site(root: Path | bytes) -> bool:
    """A Jekyll site's root: it has a `_config.yml` or a `_posts` folder."""
    base = os.fsencode(root)
    return os.path.isdir(base + b"/_posts") or os.path.isfile(base + b"/_config.yml")


def looks_like_post(path: str, data: bytes) -> bool:
    """Whether a file that did not parse is a broken post (reported) or no post at all (ignored):
    every file in a `_posts`/`_drafts` folder is meant as a post; elsewhere, one whose front
    matter has a video's keys."""
    if not _POST_FOLDERS.isdisjoint(path.split("/")[:-1]):
        return True
    if not data.removeprefix(b"\xef\xbb\xbf").startswith(b"---"):
        return False
    return _VIDEO_KEY.search(data.split(b"\n---", 1)[0]) is not None


def holds_posts(folder: Path, *, sample: int = 20) -> bool:
    """A quick look (no full walk: `folder` may be a home folder) at whether `folder` is an
    archive: a Jekyll site, or post files with a video's front matter in it or one level down."""
    if is_site(folder):
        return True
    base = os.fsencode(folder)
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return True  # let the opening say what is wrong
    candidates = [base + b"/" + n for n in names if n.lower().endswith(POST_SUFFIXES)]
    for name in names:
        if not name.startswith(b".") and os.path.isdir(base + b"/" + name):
            with contextlib.suppress(OSError):
                inner = sorted(os.listdir(base + b"/" + name))
                candidates += [
                    base + b"/" + name + b"/" + n for n in inner
                    if n.lower().endswith(POST_SUFFIXES)
                ][:sample]
    for path in candidates[: sample * 4]:
        with contextlib.suppress(OSError), open(path, "rb") as f:
            if looks_like_post(path_text(os.path.basename(path)), f.read(8192)):
                return True
    return False


def _inside(path: bytes, top: bytes) -> bool:
    """Whether `path`, all links resolved, is `top` or lies under it (`top` resolved)."""
    real = os.path.realpath(path)
    return real == top or real.startswith(top.rstrip(b"/") + b"/")


def scan(root: Path, found: Callable[[Scan], None] | None = None) -> Scan:
    """Walk `root` for post files. Hidden entries (`.git`, `.cache`…) are skipped, and so are a
    Jekyll site's folders that hold no posts; links are followed only to targets inside `root`;
    a directory reached twice (a symlink loop, or two links to one folder) is walked once.
    Raises OSError only when `root` itself cannot be listed. `found(the scan so far)` is called
    as plain post files are added (PLAIN_CHUNK at a time): work can start before the walk ends."""
    result = Scan()
    root_bytes = os.fsencode(root)
    root_stat = os.stat(root_bytes)
    _add_folder(result, root_bytes, root_stat)
    top = os.path.realpath(root_bytes)
    skipped = NOT_POSTS if is_site(root_bytes) else frozenset()
    seen = {(root_stat.st_dev, root_stat.st_ino)}
    # bytes paths: names come back undecoded and are escaped as needed (names.py).
    stack: list[tuple[bytes, str]] = [(root_bytes, "")]
    with Statter() as statter:
        while stack:
            folder, prefix = stack.pop()
            try:
                others = _add_listing(result, folder, prefix, skipped, found, statter)
            except OSError as exc:
                if not prefix:  # the archive itself: the caller says what to do
                    raise
                result.problems.append(
                    Problem(prefix.rstrip("/"), f"cannot read folder: {exc.strerror or exc}")
                )
                continue
            for entry in others:
                _add_other(result, prefix, entry, top, seen, stack)
    return result


def _add_listing(
    result: Scan,
    folder: bytes,
    prefix: str,
    skipped: frozenset[bytes],
    found: Callable[[Scan], None] | None,
    statter: Statter,
) -> Entries:
    """Add a folder's plain post files as its listing goes, PLAIN_CHUNK at a time (their stats
    taken on `statter`'s threads meanwhile); the entries left for `_add_other`. Never the whole
    listing at once: a million entries and their stats took ~1 GB (676k files: 870 MB peak,
    now ~the scan's own lists)."""
    others: Entries = []
    plain: Entries = []

    def add(chunks: Iterator[tuple[Entries, list[os.stat_result] | None]]) -> None:
        for entries, stats in chunks:
            if not _add_plain(result, prefix, entries, stats):
                others.extend(entries)
            elif found is not None:
                found(result)

    with os.scandir(folder) as listing, statter.folder(folder) as stats:
        for entry in listing:
            raw = entry.name
            if raw.startswith(b".") or (not prefix and raw in skipped):
                continue
            try:
                is_plain = entry.is_file(follow_symlinks=False)  # the listing's type: no stat
            except OSError:
                is_plain = False
            if not is_plain:
                others.append(entry)
            elif raw.lower().endswith(POST_SUFFIXES):
                plain.append(entry)
                if len(plain) == PLAIN_CHUNK:
                    stats.submit(plain)
                    plain = []
                    add(stats.taken())
        if plain:
            stats.submit(plain)
        add(stats.taken(every=True))
    return others


def folder_stat(st: os.stat_result) -> FolderStat:
    return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns


def _add_folder(result: Scan, path: bytes, st: os.stat_result) -> None:
    """Note a folder about to be listed, with its stat from before the listing."""
    if result.folders is not None:
        result.folders.append((path, folder_stat(st)))


def _add_other(
    result: Scan,
    prefix: str,
    entry: os.DirEntry[bytes],
    top: bytes,
    seen: set[tuple[int, int]],
    stack: list[tuple[bytes, str]],
) -> None:
    """One entry the fast path left: a folder to walk, a link, an odd name, a device."""
    raw = entry.name
    is_post_name = raw.lower().endswith(POST_SUFFIXES)
    path = prefix + path_text(raw)
    try:
        is_link = entry.is_symlink()
        is_dir = entry.is_dir()
        is_file = not is_dir and entry.is_file()
    except OSError as exc:  # e.g. a link to itself (ELOOP)
        if is_post_name:
            result.problems.append(Problem(path, f"cannot read: {exc.strerror or exc}"))
        return
    if is_link and (is_dir or is_post_name) and not _inside(entry.path, top):
        # Never followed, never read: the archive is what lies inside its folder.
        result.problems.append(Problem(path, "symbolic link to outside the archive: skipped"))
        return
    if is_dir:
        try:
            st = entry.stat()
        except OSError as exc:
            result.problems.append(Problem(path, f"cannot read folder: {exc.strerror or exc}"))
            result.folders = None
            return
        key = (st.st_dev, st.st_ino)
        if key not in seen:
            seen.add(key)
            _add_folder(result, entry.path, st)
            stack.append((entry.path, path + "/"))
    elif is_file:
        if not is_post_name:
            return
        try:
            st = entry.stat()
        except FileNotFoundError:
            return  # removed while we looked
        except OSError as exc:
            result.problems.append(Problem(path, f"cannot stat file: {exc}"))
            return
        if stat.S_ISREG(st.st_mode):
            result.add([path], [st])
    elif is_link and is_post_name:
        # A link to a device or a FIFO exists but must not be read (it may never end).
        reason = "not a regular file" if os.path.exists(entry.path) else "broken symbolic link"
        result.problems.append(Problem(path, reason))


def diff(manifest: Mapping[str, Stat], files: Mapping[str, Stat]) -> Diff:
    """What a scan found against what was indexed: a file changed when its size or mtime did."""
    added = sorted(files.keys() - manifest.keys())
    removed = sorted(manifest.keys() - files.keys())
    known = manifest.get  # an added path gets its own stat back: not changed
    changed = sorted([path for path, st in files.items() if known(path, st) != st])
    return Diff(added, changed, removed)


def diff_manifest(manifest: Mapping[str, Stat], scan: Scan) -> Diff:
    """`diff(manifest, scan.files)` without `files` (a dict of every file: ~100 MB at 1M)."""
    paths = scan._paths
    added = sorted([path for path in paths if path not in manifest])
    if not manifest:  # a cold build
        return Diff(added, [], [])
    known = manifest.get
    stats = zip(paths, scan._sizes, scan._mtimes, strict=True)
    changed = sorted([p for p, size, mtime in stats if known(p, (size, mtime)) != (size, mtime)])
    removed = sorted(manifest.keys() - set(paths))
    return Diff(added, changed, removed)


def diff_scans(old: Scan, new: Scan) -> Diff:
    """`diff(old.files, new.files)`, on arrays: ~5x faster at 100k files (building `files` alone
    takes longer than this whole comparison)."""
    import numpy as np  # here: the fingerprint's child forks before numpy is imported

    where = dict(zip(old._paths, range(len(old)), strict=True))
    found = np.fromiter(map(where.get, new._paths, repeat(-1)), np.int64, len(new))
    seen = found >= 0
    numbers = (old._sizes, old._mtimes, new._sizes, new._mtimes)
    if not all(isinstance(n, array) for n in numbers):  # an mtime past the year 2262
        return diff(old.files, new.files)
    old_sizes, old_mtimes, sizes, mtimes = map(_as_array, numbers)
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
    (the child holds it until asked or `close`d). `check`: where the child notes the scan's
    folders for the next quick check (freshness.py)."""

    def __init__(self, root: Path, check: Path | None = None) -> None:
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
                fingerprint = found.fingerprint()
                _write_all(answer, fingerprint.encode() + b"\n")
                if check is not None:
                    from vidbrowse.core.archive import freshness

                    freshness.save(check, found, fingerprint)
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

"""Finding the posts in an archive folder, and what changed since the last look.

File names that are not valid UTF-8 are reported as problems and not indexed: a path with
surrogate escapes cannot be stored in SQLite text, written as JSON or shown safely, and Jekyll
itself expects UTF-8 names. So are names holding control characters or bidi overrides: a path is
written raw into CSV, Markdown and the app, and an ESC in it would act on the terminal. The
problem's path shows such characters as `\\xNN`/`\\uNNNN` escapes.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vidbrowse.core.post import Problem

POST_SUFFIXES = (b".md", b".markdown", b".html", b".htm", b".txt")

Stat = tuple[int, int]  # (size, mtime_ns)


@dataclass(slots=True)
class Scan:
    """Every post file under the archive: relative POSIX path → (size, mtime_ns)."""

    files: dict[str, Stat] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


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
        for entry in entries:
            raw = entry.name
            if raw.startswith(b"."):
                continue
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
                    result.files[prefix + name] = (st.st_size, st.st_mtime_ns)
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
    changed = sorted(
        path for path, st in files.items() if path in manifest and manifest[path] != st
    )
    return Diff(added, changed, removed)

"""Tiny archives written post by post, and what tests read back from a folder."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def post_text(i: int, *, title: str | None = None, body: str = "") -> str:
    """A small well-formed post; `w{i}x` is a word only post i holds."""
    shown = title if title is not None else f"Post w{i}x"
    return (
        f'---\ntitle: "{shown}"\nvid_id: "v{i:05}"\ntags: ["t{i % 7}"]\n'
        'vid_date: "2014-09-11T00:25:14Z"\nviewcount: "100"\n---\n'
        f"{{% raw %}}words about w{i}x {body}{{% endraw %}}\n"
    )


def write_posts(root: Path, numbers: range, folder: str = "_posts") -> list[str]:
    """Write posts `numbers` as `folder/pNNNNN.md`; returns their archive paths."""
    (root / folder).mkdir(parents=True, exist_ok=True)
    paths = []
    for i in numbers:
        path = f"{folder}/p{i:05}.md"
        (root / path).write_text(post_text(i), encoding="utf-8")
        paths.append(path)
    return paths


def touch_later(path: Path, seconds: int = 2) -> None:
    """Move the mtime forward so a coarse clock cannot hide an edit."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def post_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.md") if p.is_file()}


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every entry under root (files, folders, links): (kind+sha256, mode, mtime_ns)."""
    found: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            full = Path(dirpath) / name
            st = full.lstat()
            if full.is_symlink():
                kind = "link:" + os.readlink(full)
            elif full.is_dir():
                kind = "dir"
            else:
                kind = hashlib.sha256(full.read_bytes()).hexdigest()
            found[str(full.relative_to(root))] = (kind, st.st_mode, st.st_mtime_ns)
    st = root.stat()
    found["."] = ("dir", st.st_mode, st.st_mtime_ns)
    return found

"""Scanning an archive folder, and the diff against the manifest."""

import os
from pathlib import Path

import pytest

from vidbrowse.core.archive import scan as archive
from vidbrowse.core.archive.scan import Diff, diff, scan


def _write(path: Path, text: str = "x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_finds_post_files_recursively_with_posix_paths(tmp_path: Path):
    for name in ("a.md", "_posts/b.MARKDOWN", "_posts/deep/c.html", "d.HTM", "e.txt"):
        _write(tmp_path / name)
    for name in ("notes.pdf", "image.jpg", ".git/x.md", "_posts/.hidden/y.md", ".z.md"):
        _write(tmp_path / name)
    found = scan(tmp_path)
    assert sorted(found.files) == [
        "_posts/b.MARKDOWN",
        "_posts/deep/c.html",
        "a.md",
        "d.HTM",
        "e.txt",
    ]
    st = (tmp_path / "a.md").stat()
    assert found.files["a.md"] == (st.st_size, st.st_mtime_ns)
    assert found.problems == []


def test_symlink_loop_is_walked_once(tmp_path: Path):
    _write(tmp_path / "sub" / "a.md")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    (tmp_path / "again").symlink_to(tmp_path / "sub")
    found = scan(tmp_path)
    assert len(found.files) == 1


def test_symlinked_files_inside_are_followed_and_broken_links_reported(tmp_path: Path):
    _write(tmp_path / "archive" / "elsewhere" / "real.txt", "hello")
    archive_dir = tmp_path / "archive"
    (archive_dir / "link.md").symlink_to(archive_dir / "elsewhere" / "real.txt")
    (archive_dir / "gone.md").symlink_to("nowhere.md")
    found = scan(archive_dir)
    assert found.files["link.md"][0] == 5
    assert [(p.path, p.reason) for p in found.problems] == [("gone.md", "broken symbolic link")]


def test_unreadable_folder_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _write(tmp_path / "ok" / "a.md")
    _write(tmp_path / "locked" / "b.md")
    real = os.scandir

    def scandir(path):  # chmod does not stop root, so refuse the folder here
        if os.fsdecode(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(archive.os, "scandir", scandir)
    found = scan(tmp_path)
    assert list(found.files) == ["ok/a.md"]
    assert [(p.path, p.reason) for p in found.problems] == [
        ("locked", "cannot read folder: Permission denied")
    ]


def test_unreadable_archive_raises(tmp_path: Path):
    with pytest.raises(OSError):
        scan(tmp_path / "missing")


def test_a_non_utf8_name_is_a_post_under_an_escaped_path(tmp_path: Path):
    _write(tmp_path / "good.md")
    with open(os.fsencode(tmp_path) + b"/bad\xff.md", "w") as f:
        f.write("x")
    found = scan(tmp_path)
    assert sorted(found.files) == ["bad\\xff.md", "good.md"]
    assert found.problems == []
    for path in found.files:
        path.encode("utf-8")  # storable and printable: no surrogates


def test_diff_by_size_or_mtime():
    manifest = {"same": (1, 10), "size": (1, 10), "mtime": (1, 10), "gone": (1, 10)}
    files = {"same": (1, 10), "size": (2, 10), "mtime": (1, 11), "new": (5, 5)}
    assert diff(manifest, files) == Diff(added=["new"], changed=["mtime", "size"], removed=["gone"])
    assert not diff(files, files)


def test_fingerprint_follows_paths_sizes_mtimes_and_problems(tmp_path: Path):
    for name in ("a.md", "sub/b.md"):
        _write(tmp_path / name, "hello")
    first = scan(tmp_path).fingerprint()
    assert scan(tmp_path).fingerprint() == first
    path = tmp_path / "a.md"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert scan(tmp_path).fingerprint() != first
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert scan(tmp_path).fingerprint() == first
    path.write_text("hello!")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert scan(tmp_path).fingerprint() != first
    path.write_text("hello")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    path.rename(tmp_path / "c.md")
    assert scan(tmp_path).fingerprint() != first
    (tmp_path / "c.md").rename(path)
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere")
    assert scan(tmp_path).fingerprint() != first


def test_odd_names_among_plain_files_are_sorted_out_one_by_one(tmp_path: Path):
    for i in range(30):
        _write(tmp_path / f"p{i:02}.md")
    with open(os.fsencode(tmp_path) + b"/bad\xff.md", "w") as f:
        f.write("x")
    _write(tmp_path / "esc\x1b.md")
    _write(tmp_path / "caf\u00e9 \U0001f3b5.md")  # printable non-ASCII: the fast path keeps it
    found = scan(tmp_path)
    odd = ["bad\\xff.md", "café 🎵.md", "esc\\x1b.md"]
    assert sorted(found.files) == sorted([f"p{i:02}.md" for i in range(30)] + odd)
    assert found.problems == []
    assert len(found) == 33

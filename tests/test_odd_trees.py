"""Odd archive trees: symlink loops, links out of the archive, to devices and FIFOs, unreadable
folders (simulated: root reads everything), huge folders, names at the length limits, paths past
PATH_MAX, names that are not UTF-8 or hold control characters. No hang, no crash, a clear problem
for what cannot be indexed, every other post indexed once."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from helpers.cli import cli_env, indexed_paths, run_cli
from helpers.posts import post_text, write_posts
from vidbrowse.core.archive import scan as archive_module
from vidbrowse.core.archive.scan import scan
from vidbrowse.core.library.library import Library


def listed(library: Library) -> list[str]:
    results = library.search("")
    return [row.path for row in results.rows(0, results.total)]


def test_links_loops_devices_and_fifos(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write_posts(root, range(5))
    outside = tmp_path / "outside"
    write_posts(outside, range(100, 103))
    posts = root / "_posts"
    (posts / "loop").symlink_to(root)  # a loop back to the archive's top
    (posts / "self").symlink_to(posts)
    (root / "out").symlink_to(outside / "_posts")  # a folder outside the archive
    (posts / "linked.md").symlink_to(outside / "_posts" / "p00100.md")  # a file outside
    (posts / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    (posts / "zero.md").symlink_to("/dev/zero")  # reading it would never end
    os.mkfifo(posts / "fifo.md")  # opening it for reading would block
    (posts / "loop.md").symlink_to(posts / "loop.md")  # a link to itself
    write_posts(root, range(200, 202), folder="kept")
    (posts / "inside").symlink_to(root / "kept")  # a folder inside: followed
    (posts / "inside.md").symlink_to("../kept/p00200.md")  # a file inside: followed
    (root / "etc").symlink_to("/etc")  # never walked
    (posts / "everything").symlink_to("/")  # never walked
    start = time.monotonic()
    with Library.open(root, cache_dir=tmp_path / "cache") as library:
        library.update()
        paths = listed(library)
        problems = {p.path: p.reason for p in library.problems()}
    assert time.monotonic() - start < 30
    assert not [p for p, n in Counter(paths).items() if n > 1]
    # Each real post is indexed once, under the first path the walk reached it by.
    assert len([p for p in paths if p.endswith(tuple(f"p{i:05}.md" for i in range(5)))]) == 5
    # Links stay inside the archive: one out is a problem, once, and nothing behind it is read.
    assert not [p for p in paths if "p001" in p or p.startswith(("etc/", "_posts/everything"))]
    out = "symbolic link to outside the archive: skipped"
    for link in ("out", "_posts/linked.md", "etc", "_posts/everything", "_posts/zero.md"):
        assert problems.pop(link) == out
    assert "_posts/inside.md" in paths
    assert len([p for p in paths if "p0020" in p]) == 2  # each once, by either way in
    assert problems == {
        "_posts/dangling.md": "symbolic link to outside the archive: skipped",
        "_posts/loop.md": "cannot read: Too many levels of symbolic links",
    }
    assert "_posts/fifo.md" not in paths


def test_a_dangling_link_inside_the_archive_is_broken(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write_posts(root, range(2))
    (root / "_posts" / "gone.md").symlink_to("p00009.md")
    found = scan(root)
    problems = [(p.path, p.reason) for p in found.problems]
    assert problems == [("_posts/gone.md", "broken symbolic link")]


def test_an_unreadable_folder_is_a_problem_until_it_can_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "archive"
    write_posts(root, range(5))
    write_posts(root, range(5, 8), folder="private/_posts")
    real = os.scandir
    locked = os.fsencode(root / "private")

    def refusing(path):  # type: ignore[no-untyped-def]
        if path == locked:
            raise PermissionError(13, "Permission denied")
        return real(path)

    with Library.open(root, cache_dir=tmp_path / "cache") as library:
        monkeypatch.setattr(archive_module.os, "scandir", refusing)
        library.update()
        assert len(listed(library)) == 5
        problems = [(p.path, p.reason) for p in library.problems()]
        assert problems == [("private", "cannot read folder: Permission denied")]
        monkeypatch.undo()
        library.update()
        assert len(listed(library)) == 8
        assert library.problems() == []


def test_names_at_the_limits(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write_posts(root, range(3))
    posts = root / "_posts"
    longest = "é" * 126 + ".md"  # 255 bytes: the longest name Linux allows
    (posts / longest).write_text(post_text(10))
    (posts / "Ünïcödé 日本語 🎬.md").write_text(post_text(11))
    (posts / "x.md").mkdir()  # a folder with a post's name is walked, not read
    (posts / "x.md" / "inner.md").write_text(post_text(12))
    (posts / "empty.md").write_bytes(b"")
    (posts / ".hidden.md").write_text(post_text(13))
    bad_names = [b"latin1-\xe9t\xe9.md", b"tab\there.md", b"newline\nname.md", b"esc\x1b[2J.md"]
    for name in bad_names:
        (posts / os.fsdecode(name)).write_bytes(post_text(14).encode())
    os.mkdir(os.fsencode(root) + b"/dir-\xff")
    (Path(os.fsdecode(os.fsencode(root) + b"/dir-\xff")) / "p.md").write_text(post_text(15))

    # A post deeper than PATH_MAX (4096 bytes) can only be reached through directory fds.
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(25):
        os.mkdir("d" * 200, dir_fd=fd)
        inner = os.open("d" * 200, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = inner
    deep = os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(deep, post_text(16).encode())
    os.close(deep)
    os.close(fd)

    env = cli_env(tmp_path / "cache")
    done = run_cli("index", str(root), env=env)
    assert done.returncode == 0, done.stderr
    paths = indexed_paths(root, env)
    assert f"_posts/{longest}" in paths
    assert "_posts/Ünïcödé 日本語 🎬.md" in paths
    assert "_posts/x.md/inner.md" in paths
    # Names are bytes: each post is indexed under its name, escaped where it is not clean text.
    escaped = {
        "_posts/latin1-\\xe9t\\xe9.md": b"_posts/latin1-\xe9t\xe9.md",
        "_posts/tab\\x09here.md": b"_posts/tab\there.md",
        "_posts/newline\\x0aname.md": b"_posts/newline\nname.md",
        "_posts/esc\\x1b[2J.md": b"_posts/esc\x1b[2J.md",
        "dir-\\xff/p.md": b"dir-\xff/p.md",
    }
    assert set(escaped) <= set(paths)
    assert len(paths) == 11
    problems = run_cli("problems", str(root), env=env).stdout.decode()
    assert "_posts/empty.md: empty file" in problems
    assert "File name too long" in problems  # the folder past PATH_MAX
    assert "UTF-8" not in problems and "control" not in problems
    # The path shown finds the post, and so does the file's real name (as a shell passes it).
    for shown, raw in escaped.items():
        for given in (shown, os.fsdecode(raw)):
            done = run_cli("show", str(root), given, "--json", env=env)
            assert done.returncode == 0, (given, done.stderr)
            assert json.loads(done.stdout)["path"] == shown


def test_a_backslash_in_a_name_reads_back(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write_posts(root, range(1))
    (root / "_posts" / "a\\x41.md").write_text(post_text(1))  # a literal backslash
    with Library.open(root, cache_dir=tmp_path / "cache") as library:
        library.update()
        assert sorted(listed(library)) == ["_posts/a\\\\x41.md", "_posts/p00000.md"]
        assert library.problems() == []
        post = library.post("_posts/a\\\\x41.md")
        assert post is not None and post.vid_id == "v00001"


def big_folder(root: Path, count: int) -> None:
    folder = root / "_posts"
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"p{i:06}.md").write_text(
            f'---\ntitle: "Post w{i}x"\nvid_id: "v{i}"\n---\nw{i}x\n'
        )


def test_twenty_thousand_files_in_one_folder_scan_quickly(tmp_path: Path) -> None:
    big_folder(tmp_path / "archive", 20_000)
    start = time.monotonic()
    found = scan(tmp_path / "archive")
    assert len(found.files) == 20_000 and not found.problems
    assert time.monotonic() - start < 10


@pytest.mark.slow
def test_a_hundred_thousand_files_in_one_folder(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    big_folder(root, 100_000)
    env = cli_env(tmp_path / "cache")
    done = run_cli("index", str(root), env=env, timeout=1800)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"100000 posts indexed")
    paths = indexed_paths(root, env)
    assert len(paths) == len(set(paths)) == 100_000
    hit = run_cli("search", str(root), "w99999x", "--json", env=env)
    assert hit.stdout.count(b"\n") == 1

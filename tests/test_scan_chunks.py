"""A folder's listing is added a chunk at a time (archive/scan.py, PLAIN_CHUNK): a million
entries and their stats are never held at once, and the scan finds what a whole listing finds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.posts import post_text, write_posts
from vidbrowse.core.archive import scan as archive_scan


@pytest.mark.parametrize("chunk", [1, 3, 4096])
def test_a_listing_in_chunks_finds_every_file_and_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    root = tmp_path / "archive"
    write_posts(root, range(10))
    posts = root / "_posts"
    (posts / "bad\x01name.md").write_text(post_text(10))  # an odd name: its chunk goes slowly
    (posts / "link.md").symlink_to(posts / "p00001.md")
    (posts / "gone.md").symlink_to(root / "nowhere.md")
    (posts / "notes.txt.bak").write_text("not a post")
    monkeypatch.setattr(archive_scan, "PLAIN_CHUNK", chunk)
    found = archive_scan.scan(root)
    expected = {f"_posts/p{i:05}.md" for i in range(10)} | {"_posts/bad\\x01name.md",
                                                             "_posts/link.md"}  # fmt: skip
    assert set(found.files) == expected and len(found) == len(expected)
    assert [(p.path, p.reason) for p in found.problems] == [
        ("_posts/gone.md", "broken symbolic link")
    ]
    st = os.stat(posts / "p00003.md")
    assert found.files["_posts/p00003.md"] == (st.st_size, st.st_mtime_ns)

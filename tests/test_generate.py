"""The generated archive: deterministic, complete, shaped like the real variants, parseable."""

from __future__ import annotations

import hashlib
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vidbrowse.core.archive.parse import load_post
from vidbrowse.core.archive.post import Post
from vidbrowse.generate import generate_archive, post_rng, render_post, unique_name, vocabulary

YOUTUBE_KEYS = [
    "title",
    "image",
    "vid_id",
    "categories",
    "tags",
    "date",
    "vid_date",
    "duration",
    "viewcount",
    "likeCount",
    "dislikeCount",
    "channel",
]
DAILYMOTION_KEYS = YOUTUBE_KEYS[:6]
COUNT = 600


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("archive")
    return root, generate_archive(root, COUNT, seed=11)


def _keys(data: bytes) -> list[str]:
    front = data.decode().replace("\r\n", "\n").split("\n---\n", 1)[0]
    return [line.split(":", 1)[0] for line in front.split("\n")[1:]]


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_count_and_unique_names(archive: tuple[Path, list[Path]]) -> None:
    root, paths = archive
    files = sorted((root / "_posts").iterdir())
    assert len(paths) == len(files) == COUNT
    assert sorted(paths) == files
    assert all(re.fullmatch(r"0001-01-01-[A-Za-z0-9_-]+\.(md|html)", p.name) for p in paths)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = generate_archive(tmp_path / "a", 150, seed=3)
    again = generate_archive(tmp_path / "b", 150, seed=3)
    other = generate_archive(tmp_path / "c", 150, seed=4)
    assert _digest(first) == _digest(again)
    assert _digest(first) != _digest(other)


def test_bytes_do_not_depend_on_hash_randomisation(tmp_path: Path) -> None:
    code = (
        "import hashlib, sys; from vidbrowse.generate import iter_posts\n"
        "h = hashlib.sha256()\n"
        "for name, data in iter_posts(60, seed=2): h.update(name.encode() + data)\n"
        "print(h.hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed, "PATH": "", "LC_ALL": locale},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed, locale in (("1", "C"), ("2", "C.UTF-8"))
    }
    assert len(digests) == 1


def test_every_key_present_in_the_real_order(archive: tuple[Path, list[Path]]) -> None:
    _, paths = archive
    for p in paths:
        data = p.read_bytes()
        expected = DAILYMOTION_KEYS if b"dmcdn.net" in data else YOUTUBE_KEYS
        assert _keys(data) == expected, p.name
        # Every value is a double-quoted string (tags: a list of them).
        front = data.decode().replace("\r\n", "\n").split("\n---\n", 1)[0]
        for line in front.split("\n")[1:]:
            value = line.split(": ", 1)[1]
            assert value.startswith(('"', '["')), line


def test_the_real_variants_occur(archive: tuple[Path, list[Path]]) -> None:
    _, paths = archive
    datas = [p.read_bytes() for p in paths]
    pairs = list(zip(paths, datas, strict=True))
    youtube_md = [d for p, d in pairs if p.suffix == ".md" and b"ytimg" in d]
    youtube_html = [d for p, d in pairs if p.suffix == ".html"]
    dailymotion = [d for d in datas if b"dmcdn.net" in d]
    assert youtube_md and youtube_html and dailymotion
    assert all(b"{% raw %}" in d and b"{% endraw %}" in d for d in youtube_md)
    assert not any(b"{% raw %}" in d for d in youtube_html + dailymotion)
    assert all(b"<br />" not in d and b"https://s" in d for d in dailymotion)
    assert any(re.search(rb'title: "[^"\n]*\\u[0-9a-f]{4}', d) for d in dailymotion)
    assert any(b"<br />" in d for d in youtube_html)
    assert all(b"https:\\/\\/i.ytimg.com\\/vi\\/" in d for d in youtube_md + youtube_html)
    crlf = sum(b"\r\n" in d for d in datas)
    assert len(datas) // 2 < crlf < len(datas)  # most files CRLF, some LF
    durations = {m.group(1) for d in datas for m in [re.search(rb'duration: "(P[^"]*)"', d)] if m}
    assert b"P0D" in durations
    shapes = {re.sub(rb"\d+", b"#", d) for d in durations}
    assert {b"PT#M#S", b"PT#S", b"PT#H#M#S"} <= shapes
    assert any(b'likeCount: ""' in d for d in datas)
    text = b"".join(datas).decode()
    for script in ("[а-я]", "[\u0600-\u06ff]", "[\u0900-\u097f]", "[\u4e00-\u9fff]", "\u200d"):
        assert re.search(script, text), script
    assert "&amp;" in text and "&quot;" in text and '<a rel="nofollow"' in text


def test_every_post_parses_without_problem(archive: tuple[Path, list[Path]]) -> None:
    root, paths = archive
    posts = [load_post(root, p.relative_to(root).as_posix()) for p in paths]
    assert all(isinstance(p, Post) and not p.warnings for p in posts), [
        p for p in posts if not isinstance(p, Post) or p.warnings
    ][:3]
    youtube = [p for p in posts if isinstance(p, Post) and p.source == "youtube"]
    assert all(p.posted and p.posted.utcoffset().total_seconds() == 3 * 3600 for p in youtube)
    assert all(1 <= len(p.tags) <= 3 for p in posts if isinstance(p, Post))
    assert len({p.channel for p in youtube}) > 50
    assert len({p.vid_id for p in posts if isinstance(p, Post)}) <= len(posts)


def test_a_post_renders_alone_and_changes_with_another_generator() -> None:
    name, data = render_post(42, post_rng(5, 42), seed=5)
    again = render_post(42, post_rng(5, 42), seed=5)
    _, changed = render_post(42, random.Random("changed"), seed=5)
    assert (name, data) == again
    assert changed != data
    vid = re.compile(rb'vid_id: "([^"]+)"')
    assert vid.search(changed).group(1) == vid.search(data).group(1)  # the same video, edited


def test_unique_name_numbers_collisions() -> None:
    taken: set[str] = set()
    names = [unique_name("0001-01-01-a.md", taken) for _ in range(3)]
    assert names == ["0001-01-01-a.md", "0001-01-01-a-2.md", "0001-01-01-a-3.md"]


def test_vocabulary_has_stem_families_and_a_rare_tail() -> None:
    words = vocabulary()
    assert {"run", "runs", "running"} <= set(words)
    assert len(words) > 20_000
    assert len(set(words)) == len(words)

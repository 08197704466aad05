"""SIGKILL `vidbrowse index` at random moments of a build and of an update, then check that the
index is consistent as left, that a re-run completes it, and that no post is lost or doubled.

The kill goes to the indexer's whole process group: the parallel writer's workers die too, as they
would when a laptop's power goes. Delays come from a seeded RNG, so a failure can be replayed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from robust_kit import VIDBROWSE, cli_env, indexed_paths, post_files, touch_later, write_posts
from vidbrowse.core.library import Library

SEED = 20261129


def kill_at_random(archive: Path, env: dict[str, str], rng: random.Random, until: float) -> bool:
    """Start `vidbrowse index`, SIGKILL it after a random delay; True if it was still running."""
    process = subprocess.Popen(
        [*VIDBROWSE, "index", str(archive), "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group: the kill reaches the writer's workers too
    )
    time.sleep(rng.uniform(0.05, until))
    alive = process.poll() is None
    if alive:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    if not alive:
        assert process.returncode == 0, process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    return alive


def check_as_left(archive: Path, cache: Path, allowed: set[str]) -> int:
    """Open without updating, as the app does at start: every answer is a real post, once."""
    with Library.open(archive, cache_dir=cache) as library:
        results = library.search("")
        listed = [row.path for row in results.rows(0, results.total)]
        doubled = [path for path, n in Counter(listed).items() if n > 1]
        assert not doubled, f"listed twice after a kill: {doubled[:5]}"
        assert set(listed) <= allowed
        assert library.stats().posts == results.total
        if listed:  # words reach the same posts as the columns
            path = listed[len(listed) // 2]
            number = int(Path(path).stem.rsplit("p", 1)[1])
            found = library.search(f"w{number}x")
            assert path in [row.path for row in found.rows(0, found.total)]
        return results.total


def assert_complete(archive: Path, env: dict[str, str]) -> None:
    listed = indexed_paths(archive, env)
    assert len(listed) == len(set(listed)), "a post is listed twice"
    files = post_files(archive)
    assert set(listed) == files, (
        f"missing {sorted(files - set(listed))[:5]}, extra {sorted(set(listed) - files)[:5]}"
    )


def crash_rounds(tmp_path: Path, posts: int, kills: int, seed: int) -> int:
    """Build and update under repeated kills; returns how many kills hit a running indexer."""
    rng = random.Random(seed)
    archive, cache = tmp_path / "archive", tmp_path / "cache"
    env = cli_env(cache)
    write_posts(archive, range(posts))
    # A build takes about 0.5 s to start plus ~1 ms a post here; kill anywhere in it.
    until = 0.5 + posts / 1000
    survived = 0
    for _ in range(kills):
        survived += kill_at_random(archive, env, rng, until)
        check_as_left(archive, cache, post_files(archive))
    assert_complete(archive, env)

    # An update: new posts, edited ones, deleted ones and a renamed one.
    before = post_files(archive)
    write_posts(archive, range(posts, posts + posts // 3))
    for i in range(0, posts, 10):
        path = archive / f"_posts/p{i:05}.md"
        path.write_text(path.read_text().replace("words about", "edited words about"))
        touch_later(path)
    for i in range(5, posts, 20):
        (archive / f"_posts/p{i:05}.md").unlink()
    (archive / "_posts/p00001.md").rename(archive / "_posts/renamed-p00001.md")
    allowed = before | post_files(archive)
    for _ in range(kills):
        survived += kill_at_random(archive, env, rng, until)
        check_as_left(archive, cache, allowed)
    assert_complete(archive, env)
    with Library.open(archive, cache_dir=cache) as library:
        edited = library.search("edited")
        assert edited.total == len(range(0, posts, 10))
    return survived


def test_kills_during_build_and_update_lose_nothing(tmp_path: Path) -> None:
    survived = crash_rounds(tmp_path, posts=1200, kills=6, seed=SEED)
    assert survived >= 6, "too few kills hit a running indexer to prove anything"


@pytest.mark.slow
def test_many_kills_with_the_parallel_writer(tmp_path: Path) -> None:
    # 3,000 new posts go through Whoosh's multi-process writer (library.BULK_MIN).
    survived = crash_rounds(tmp_path, posts=3000, kills=25, seed=SEED + 1)
    assert survived >= 30

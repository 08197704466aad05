"""Several vidbrowse at once on one archive: two indexers, and readers (a long-lived Library as the
app holds, and fresh opens as CLI searches do) while another process updates."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from helpers.cli import VIDBROWSE, cli_env, indexed_paths
from helpers.posts import post_files, write_posts
from vidbrowse.core.library.library import Library


def start_index(archive: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*VIDBROWSE, "index", str(archive)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[bytes]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err
    return out.decode()


def assert_exact(archive: Path, env: dict[str, str]) -> None:
    listed = indexed_paths(archive, env)
    assert len(listed) == len(set(listed))
    assert set(listed) == post_files(archive)


def test_two_indexers_at_once_both_finish_with_right_counts(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(600))
    env = cli_env(tmp_path / "cache")
    first, second = start_index(archive, env), start_index(archive, env)
    outputs = [finish(first), finish(second)]
    # Whoever got the lock second found nothing left to do, or did the rest.
    assert all(out.startswith("600 posts indexed") for out in outputs), outputs
    added = sorted(int(out.split(": ")[1].split()[0]) for out in outputs)
    assert sum(added) == 600, outputs
    assert_exact(archive, env)

    # And two updates of the same changes at once.
    write_posts(archive, range(600, 800))
    for i in range(0, 600, 6):
        (archive / f"_posts/p{i:05}.md").unlink()
    first, second = start_index(archive, env), start_index(archive, env)
    outputs = [finish(first), finish(second)]
    assert all(out.startswith("700 posts indexed") for out in outputs), outputs
    assert_exact(archive, env)


def test_readers_keep_answering_while_another_process_updates(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(300))
    cache = tmp_path / "cache"
    env = cli_env(cache)
    with Library.open(archive, cache_dir=cache) as app_library:
        app_library.update()
        write_posts(archive, range(300, 1200))
        writer = start_index(archive, env)
        searches = opens = 0
        totals: set[int] = set()
        while writer.poll() is None:
            # The long-lived library keeps its view: the same answers throughout.
            assert app_library.search("").total == 300
            assert app_library.search("w150x").total == 1
            assert app_library.post("_posts/p00150.md") is not None
            # A fresh open (as each CLI search does) sees some committed state, consistent.
            with Library.open(archive, cache_dir=cache) as fresh:
                results = fresh.search("")
                listed = [row.path for row in results.rows(0, results.total)]
                assert not [p for p, n in Counter(listed).items() if n > 1]
                # Words and columns agree: the newest post listed is found by its word.
                newest = max(int(Path(p).stem[1:]) for p in listed)
                assert fresh.search(f"w{newest}x").total == 1
                totals.add(results.total)
            searches += 3
            opens += 1
        finish(writer)
        assert searches >= 6 and opens >= 2
        assert min(totals) >= 300 and max(totals) <= 1200, totals
        # The app's library then catches up with the other process's work.
        assert app_library.needs_update()
        summary = app_library.update()
        assert summary.posts == 1200
        assert app_library.search("").total == 1200
        assert app_library.search("w1100x").total == 1
    assert_exact(archive, env)


def test_an_update_waits_for_another_process_then_catches_up(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(200))
    cache = tmp_path / "cache"
    env = cli_env(cache)
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
        write_posts(archive, range(200, 1500))
        writer = start_index(archive, env)
        time.sleep(0.6)  # let it take the lock (it may already be done: then no wait happens)
        summary = library.update()
        finish(writer)
        assert summary.posts == 1500
        assert library.search("").total == 1500
        assert library.search("w1400x").total == 1
    assert_exact(archive, env)


def test_a_reader_survives_another_process_rebuilding(tmp_path: Path) -> None:
    """`vidbrowse index --rebuild` empties the home the app has open: the app keeps answering
    from the files it holds, then its next update reopens the new home."""
    archive = tmp_path / "archive"
    write_posts(archive, range(800))
    cache = tmp_path / "cache"
    with Library.open(archive, cache_dir=cache) as app_library:
        app_library.update()
        rebuild = subprocess.Popen(
            [*VIDBROWSE, "index", str(archive), "--rebuild"],
            env=cli_env(cache),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        rounds = 0
        while rebuild.poll() is None:
            assert app_library.search("").total == 800
            assert app_library.search("w640x").total == 1
            assert app_library.post("_posts/p00640.md") is not None
            rounds += 1
        assert finish(rebuild).startswith("800 posts indexed, 0 unreadable; files: 800 added")
        assert rounds > 0
        summary = app_library.update()
        assert (summary.posts, summary.added) == (800, 0)
        assert app_library.search("w640x").total == 1


def test_a_commit_while_a_view_opens_leaves_no_row_without_its_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process commits (text index, then store) just after a reader opened the text
    index: the reader's rows must all be in the text it opened."""
    from vidbrowse.core.library import view

    archive = tmp_path / "archive"
    write_posts(archive, range(50))
    cache = tmp_path / "cache"
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
    write_posts(archive, range(50, 80))
    real_open = view.index.open_searcher
    injected: list[bool] = []

    def open_then_another_commits(text: Path) -> object:
        opened = real_open(text)
        if not injected:
            injected.append(True)
            with Library.open(archive, cache_dir=cache) as writer:
                writer.update()
        return opened

    monkeypatch.setattr(view.index, "open_searcher", open_then_another_commits)
    with Library.open(archive, cache_dir=cache) as reader:
        assert injected
        results = reader.search("")
        listed = [int(Path(row.path).stem[1:]) for row in results.rows(0, results.total)]
        assert results.total == 50
        assert all(reader.search(f"w{n}x").total == 1 for n in listed)

"""`vidbrowse index --optimize`: the text index merged into one segment, old versions of changed
posts dropped, every search answering as before (core/library/upkeep.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.cli import cli_env, run_cli
from helpers.posts import post_text, touch_later, write_posts
from vidbrowse.core.engine import index
from vidbrowse.core.engine.whoosh_formats import frequent
from vidbrowse.core.library.library import Library
from vidbrowse.core.library.update import Updater

QUERIES = ["", "w3x", "words", "post OR about", '"words about"', "wor*", "tag:t2", "z5z"]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An index of three updates (three segments) and two changed posts (deleted documents)."""
    root = tmp_path / "archive"
    env = cli_env(tmp_path / "cache")
    for numbers in (range(0, 8), range(8, 14), range(14, 20)):
        write_posts(root, numbers)
        assert run_cli("index", str(root), env=env).returncode == 0
    for i in (5, 15):
        path = root / f"_posts/p{i:05}.md"
        path.write_text(post_text(i, title=f"Changed z{i}z"))
        touch_later(path)
    assert run_cli("index", str(root), env=env).returncode == 0
    return root


def shape(archive: Path) -> tuple[int, int]:
    with Library.open(archive, cache_dir=archive.parent / "cache") as library:
        searcher = library._home.need_view().searcher
        return index.segment_count(searcher), index.deleted_count(searcher)


def answers(archive: Path) -> list[list[dict[str, object]]]:
    env = cli_env(archive.parent / "cache")
    found = []
    for query in QUERIES:
        done = run_cli("search", str(archive), query, "--json", env=env)
        assert done.returncode in (0, 1), done.stderr
        found.append([json.loads(line) for line in done.stdout.decode().splitlines()])
    return found


def test_optimize_merges_into_one_segment_with_the_same_answers(archive: Path) -> None:
    segments, deleted = shape(archive)
    assert segments >= 3 and deleted == 2
    before = answers(archive)
    assert any(before) and sum(len(a) for a in before) > 20
    env = cli_env(archive.parent / "cache")
    done = run_cli("index", str(archive), "--optimize", env=env)
    assert done.returncode == 0, done.stderr
    last = done.stdout.decode().splitlines()[-1]
    assert last.startswith(f"index: {segments} segments merged into one, 2 old versions dropped")
    assert shape(archive) == (1, 0)
    assert answers(archive) == before
    # The merged segment keeps a file of its frequent words' positions ("words", "about" in
    # every post): phrases keep their fast way (whoosh_formats/frequent.py).
    (text,) = (archive.parent / "cache").glob("indexes/*/text")
    assert len(list(text.glob(f"*{frequent.EXTENSION}"))) == 1
    again = run_cli("index", str(archive), "--optimize", env=env)
    assert again.returncode == 0
    assert again.stdout.decode().splitlines()[-1] == "index: one segment already, nothing to merge"
    quiet = run_cli("index", str(archive), "--optimize", "--quiet", env=env)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, b"", b"")


def test_after_a_merge_nothing_is_compared_file_by_file(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Library.open(archive, cache_dir=archive.parent / "cache") as library:
        assert not library.needs_update()
        library.optimize()
        monkeypatch.setattr(Updater, "plan", lambda *_: pytest.fail("compared file by file"))
        assert not library.needs_update()
        assert library.update().added == 0


def test_optimize_in_help_and_its_exit_codes(tmp_path: Path, archive: Path) -> None:
    env = cli_env(tmp_path / "cache")
    helped = run_cli("index", "--help", env=env)
    assert helped.returncode == 0 and b"--optimize" in helped.stdout
    missing = run_cli("index", str(tmp_path / "nowhere"), "--optimize", env=env)
    assert missing.returncode == 3 and len(missing.stderr.splitlines()) == 1
    wrong = run_cli("index", str(archive), "--optimize=yes", env=env)
    assert wrong.returncode == 2

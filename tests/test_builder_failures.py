"""An index builder that dies (kill -9, as the out-of-memory killer does) or fails (a file-size
limit, as a full disk) ends `vidbrowse index` with one line and exit 3, never a traceback; what
was committed stays consistent and the next run completes the index."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
from pathlib import Path

import pytest

from helpers.cli import VIDBROWSE, cli_env, run_cli
from helpers.posts import write_posts
from vidbrowse import cli
from vidbrowse.core.library import writing
from vidbrowse.core.library.writing import BULK_MIN

POSTS = BULK_MIN * 3  # enough for the builder processes to be used


def assert_complete(archive: Path, env: dict[str, str]) -> None:
    """The next run finishes the index: every post indexed once and found by its word."""
    done = run_cli("index", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith(f"{POSTS} posts indexed, 0 unreadable; ")
    for i in (0, POSTS // 2, POSTS - 1):
        found = run_cli("search", str(archive), f"w{i}x", "--format", "urls", env=env)
        assert found.returncode == 0 and len(found.stdout.splitlines()) == 1


def test_a_builder_killed_is_one_line_and_the_next_run_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(POSTS))
    real = writing.prepare
    victim = f"_posts/p{POSTS - 1:05}.md"

    def dying(root: Path):  # type: ignore[no-untyped-def]
        prepare = real(root)

        def work(item: tuple[str, int]):  # type: ignore[no-untyped-def]
            if item[0] == victim:  # in a builder process, as the OOM killer would
                os.kill(os.getpid(), signal.SIGKILL)
            return prepare(item)

        return work

    monkeypatch.setattr(writing, "prepare", dying)
    assert cli.main(["index", str(archive)]) == 3
    error = capsys.readouterr().err
    assert len(error.splitlines()) == 1 and "Traceback" not in error
    assert "an index process was killed (signal 9)" in error
    assert error.rstrip().endswith("run the command again to finish")
    monkeypatch.undo()
    assert_complete(archive, cli_env(tmp_path / "cache"))


@pytest.mark.parametrize("limit", [40_000, 120_000])
def test_a_file_size_limit_is_one_line_and_the_next_run_completes(
    tmp_path: Path, limit: int
) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(POSTS))
    env = cli_env(tmp_path / "cache")

    def small_files() -> None:  # writes past `limit` bytes fail with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [*VIDBROWSE, "index", str(archive), "--rebuild"],
        capture_output=True, env=env, timeout=300, check=False, preexec_fn=small_files,
    )  # fmt: skip
    error = done.stderr.decode()
    assert done.returncode == 3, error
    assert len(error.splitlines()) == 1 and "Traceback" not in error
    assert error.startswith("vidbrowse: cannot ")
    # Whichever file passes the limit first: a builder's segment (EFBIG: "File too large") or,
    # as the first jobs are small, the store (SQLite calls the same EFBIG "disk I/O error").
    assert "File too large" in error or "disk I/O error" in error, error
    assert_complete(archive, env)

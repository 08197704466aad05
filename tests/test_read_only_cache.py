"""Read when you can't write: with a read-only or full cache, a complete index is opened as it is
and searched, with one line saying it may be behind the archive (the archive changed since).

A read-only cache is a tmpfs remounted read-only (EROFS even for root); tests skip where this
machine does not let them mount. A full one is a file-size limit (EFBIG, as ENOSPC would be)."""

from __future__ import annotations

import resource
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cli import VIDBROWSE, cli_env, run_cli
from helpers.posts import write_posts

BEHIND = "searching the index as it is, it may be behind the archive"


@pytest.fixture
def read_only_cache(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """An archive of 50 posts indexed in a cache that is then made read-only, and 5 posts added."""
    cache = tmp_path / "cache"
    cache.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(cache)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        archive = tmp_path / "archive"
        write_posts(archive, range(50))
        env = cli_env(cache)
        assert run_cli("index", str(archive), env=env).returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(cache)], check=True)
        write_posts(archive, range(50, 55))
        yield archive, env
    finally:
        subprocess.run(["umount", "-l", str(cache)], check=False)


def one_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.decode().splitlines()
    assert "Traceback" not in done.stderr.decode()
    return lines[0] if len(lines) == 1 else "\n".join(lines)


def test_a_read_only_cache_is_searched_as_it_is(
    read_only_cache: tuple[Path, dict[str, str]],
) -> None:
    archive, env = read_only_cache
    done = run_cli("search", str(archive), "w3x", "--format", "urls", env=env)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    line = one_line(done)
    assert line.endswith(BEHIND) and "Read-only file system" in line
    # A post added since is not there yet: "may be behind" is the truth.
    assert run_cli("search", str(archive), "w52x", env=env).returncode == 1
    shown = run_cli("show", str(archive), "v00003", env=env)
    assert shown.returncode == 0 and b"Post w3x" in shown.stdout
    # Updating is what cannot be done: one line, exit 3.
    index = run_cli("index", str(archive), env=env)
    assert index.returncode == 3
    assert one_line(index).startswith("vidbrowse: cannot update the index in ")


def test_a_read_only_cache_without_an_index_is_one_clear_line(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(cache)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        write_posts(tmp_path / "archive", range(3))
        done = run_cli("search", str(tmp_path / "archive"), "w1x", env=cli_env(cache))
        assert done.returncode == 3
        assert "cannot write the index folder" in one_line(done)
    finally:
        subprocess.run(["umount", "-l", str(cache)], check=False)


def test_a_full_cache_is_searched_as_it_is(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(100))
    env = cli_env(tmp_path / "cache")
    assert run_cli("index", str(archive), env=env).returncode == 0
    write_posts(archive, range(100, 700))  # a bulk update: its segments cannot be written

    def full() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    done = subprocess.run(
        [*VIDBROWSE, "search", str(archive), "w50x", "--format", "urls"],
        env=env, capture_output=True, timeout=120, check=False, preexec_fn=full,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    line = one_line(done)
    assert line.startswith("vidbrowse: cannot ") and line.endswith(BEHIND)
    # With room again, the next command completes the index.
    again = run_cli("search", str(archive), "w650x", "--format", "urls", env=env)
    assert (again.returncode, again.stderr) == (0, b"")
    assert len(again.stdout.splitlines()) == 1

"""vidbrowse never writes into the archive, and a cache folder it cannot write gives one clear line.

The tests run as root, for whom chmod stops nothing: the read-only archive test proves that no
command *tries* to write (every byte, mode and mtime is compared, and no file may appear), not
that the kernel refused. Unwritable caches are simulated honestly: a cache path under a regular
file (ENOTDIR), a file-size limit (RLIMIT_FSIZE: writes fail with EFBIG, as on a full disk), and
sysfs, which refuses mkdir even to root (EPERM; skipped where it does not).
"""

from __future__ import annotations

import os
import resource
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cli import VIDBROWSE, cli_env, run_cli
from helpers.posts import post_text, snapshot, write_posts
from helpers.tui import SIZE, settle, settle_update, synchronous
from vidbrowse.core.library.library import Library
from vidbrowse.tui.app import VidbrowseApp

READ_ONLY_FILE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
READ_ONLY_DIR = READ_ONLY_FILE | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


def make_read_only(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            os.chmod(Path(dirpath) / name, READ_ONLY_FILE)
        for name in dirnames:
            os.chmod(Path(dirpath) / name, READ_ONLY_DIR)
    os.chmod(root, READ_ONLY_DIR)


def make_writable(root: Path) -> None:
    os.chmod(root, 0o755)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            os.chmod(Path(dirpath) / name, 0o755)
        for name in filenames:
            os.chmod(Path(dirpath) / name, 0o644)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "archive"
    write_posts(root, range(40))
    write_posts(root, range(40, 45), folder="2020/_posts")
    (root / "_posts" / "bad.md").write_text("---\ntitle: [x\n---\n")
    (root / "notes.txt").write_text("not a post: no front matter")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    make_read_only(root)
    yield root
    make_writable(root)


COMMANDS = [
    ("index",),
    ("index", "--rebuild"),
    ("search", "{a}", "w3x"),
    ("search", "{a}", "", "--json"),
    ("search", "{a}", "", "--format", "csv"),
    ("search", "{a}", "", "-o", "{out}"),
    ("show", "{a}", "v00003"),
    ("facets", "{a}"),
    ("stats", "{a}"),
    ("problems", "{a}"),
    ("locate", "{a}"),
]


def test_no_command_writes_into_a_read_only_archive(archive: Path, tmp_path: Path) -> None:
    before = snapshot(archive)
    env = cli_env(tmp_path / "cache")
    out = tmp_path / "export.csv"
    for command in COMMANDS:
        args = [part.format(a=archive, out=out) for part in command]
        if command[0] == "index":
            args.append(str(archive))
        # From inside the archive too: nothing may land in the current folder either.
        done = subprocess.run(
            [*VIDBROWSE, *args], cwd=archive, env=env, capture_output=True, timeout=120, check=False
        )
        assert done.returncode in (0, 1), (args, done.stderr)
        assert b"Traceback" not in done.stderr
        assert snapshot(archive) == before, f"{args} changed the archive"
    assert out.exists()


@synchronous
async def test_the_app_does_not_write_into_a_read_only_archive(
    archive: Path, tmp_path: Path
) -> None:
    before = snapshot(archive)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        app = VidbrowseApp(library, needs_update=True)  # it indexes in the background
        async with app.run_test(size=SIZE) as pilot:
            await settle_update(pilot, app, 45)
            assert app.main_screen.results is not None and app.main_screen.results.total == 45
            # Read, sort, reverse, copy, filter, help: everything a user does in a session.
            for key in ("enter", "escape", "s", "r", "c", "t", "space", "escape", "question_mark"):
                await pilot.press(key)
                await settle(pilot, app)
            await pilot.press("escape", "slash", *"w3x", "enter")
            await settle(pilot, app)
    assert snapshot(archive) == before


def assert_one_line_error(done: subprocess.CompletedProcess) -> str:
    err = done.stderr.decode()
    assert done.returncode == 3, (done.returncode, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vidbrowse: "), err
    return lines[0]


@pytest.mark.parametrize("command", ["index", "search", "app"])
def test_a_cache_path_under_a_file_is_one_clear_line(
    archive: Path, tmp_path: Path, command: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = cli_env(blocker / "cache")
    args = {
        "index": ["index", str(archive)],
        "search": ["search", str(archive), "w3x"],
        "app": [str(archive)],
    }[command]
    line = assert_one_line_error(run_cli(*args, env=env))
    assert "cannot write the index folder" in line and "VIDBROWSE_CACHE_DIR" in line


def limited(size: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


@pytest.mark.parametrize("limit", [4_000, 150_000])
def test_a_full_cache_is_one_clear_line_and_heals(tmp_path: Path, limit: int) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(600))  # enough for the parallel build path
    env = cli_env(tmp_path / "cache")
    done = subprocess.run(
        [*VIDBROWSE, "index", str(archive)],
        env=env, capture_output=True, timeout=120, check=False,
        preexec_fn=lambda: limited(limit),
    )  # fmt: skip
    line = assert_one_line_error(done)
    assert "cannot" in line and "index" in line
    # With room again, the next run repairs whatever was left half-written.
    again = run_cli("search", str(archive), "", "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count(b"\n") == 600


def test_a_full_cache_during_an_update(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_posts(archive, range(100))
    env = cli_env(tmp_path / "cache")
    assert run_cli("index", str(archive), env=env).returncode == 0
    for i in range(100, 400):
        (archive / "_posts" / f"p{i:05}.md").write_text(post_text(i, body="filler " * 400))
    done = subprocess.run(
        [*VIDBROWSE, "index", str(archive)],
        env=env, capture_output=True, timeout=120, check=False,
        preexec_fn=lambda: limited(300_000),
    )  # fmt: skip
    assert_one_line_error(done)
    # The old index still answers, and the next update completes.
    assert run_cli("search", str(archive), "w50x", env=env).returncode == 0
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        assert library.search("").total == 400


def test_a_cache_the_kernel_refuses_is_one_clear_line(archive: Path) -> None:
    refused = Path("/sys/vidbrowse-test-cache")
    try:
        refused.mkdir()
    except PermissionError:
        pass
    except OSError as exc:
        pytest.skip(f"/sys gives {exc}, not a refusal")
    else:
        shutil.rmtree(refused)
        pytest.skip("/sys is writable here")
    done = run_cli("search", str(archive), "w3x", env=cli_env(refused))
    assert "Operation not permitted" in assert_one_line_error(done)

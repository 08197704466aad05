"""The CLI as a user runs it: `python -m vidbrowse` in a subprocess, with its own folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

VIDBROWSE = [sys.executable, "-m", "vidbrowse"]


def cli_env(cache: Path) -> dict[str, str]:
    env = os.environ | {"VIDBROWSE_CACHE_DIR": str(cache), "VIDBROWSE_DATA_DIR": str(cache)}
    env.pop("VIDBROWSE_ARCHIVE", None)
    return env


def run_cli(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*VIDBROWSE, *args], capture_output=True, env=env, timeout=timeout, check=False
    )


def indexed_paths(archive: Path, env: dict[str, str]) -> list[str]:
    """Every post path `vidbrowse search ARCHIVE '' --json` lists (an update runs first)."""
    done = run_cli("search", str(archive), "", "--limit", "0", "--json", env=env)
    assert done.returncode in (0, 1), done.stderr.decode()
    return [json.loads(line)["path"] for line in done.stdout.decode().splitlines()]


def run_text(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`run_cli` with text output, run in `cwd`."""
    return subprocess.run(
        [*VIDBROWSE, *args], capture_output=True, text=True, env=env, timeout=120, cwd=cwd
    )


def mark(archive: Path, vid_id: str, env: dict[str, str], **fields: object) -> None:
    """Star, mark read or note the posts with `vid_id` as the app would, in a process that sees
    `env`'s data folder (Marks.update's keywords: starred, read, note)."""
    code = (
        "import sys, json; from pathlib import Path\n"
        "from vidbrowse.core.review.state import Review\n"
        "from vidbrowse.core.archive.post import Post\n"
        "with Review.open(Path(sys.argv[1])) as r:\n"
        "    r.marks.update(Post(path='', vid_id=sys.argv[2], title=''),"
        " **json.loads(sys.argv[3]))\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(archive), vid_id, json.dumps(fields)], env=env, check=True
    )

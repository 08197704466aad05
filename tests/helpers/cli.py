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

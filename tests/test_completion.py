"""`vidbrowse completion bash|zsh|fish`: scripts a shell accepts, offering the subcommands, the
options, sort keys and query fields."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vidbrowse.cliparse import SUBCOMMANDS


def script(shell: str) -> str:
    done = subprocess.run([sys.executable, "-m", "vidbrowse", "completion", shell],
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return done.stdout


CHECKS = {"bash": ["bash", "-n"], "zsh": ["zsh", "-n"], "fish": ["fish", "--no-execute"]}


@pytest.mark.parametrize("shell", list(CHECKS))
def test_each_script_is_valid_and_names_every_command(shell: str, tmp_path: Path) -> None:
    text = script(shell)
    for command in SUBCOMMANDS:
        assert command in text
    assert "relevance" in text and "tag:" in text and "index-dir" in text
    if shutil.which(CHECKS[shell][0]) is None:
        pytest.skip(f"{shell} is not installed")
    path = tmp_path / f"vidbrowse.{shell}"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([*CHECKS[shell], str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def complete(*words: str, here: Path) -> list[str]:
    """What bash offers after `words` (the last one being typed), in the folder `here`."""
    program = (
        f"{script('bash')}\n"
        'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _vidbrowse; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(["bash", "-c", program, "bash", "vidbrowse", *words],
                          capture_output=True, text=True, timeout=60, cwd=here)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_offers_commands_options_sort_keys_and_fields(tmp_path: Path) -> None:
    (tmp_path / "videos").mkdir()
    assert complete("se", here=tmp_path) == ["search"]
    assert complete("vi", here=tmp_path) == ["videos"]  # an archive to open
    assert complete("search", "--r", here=tmp_path) == ["--reverse"]
    assert complete("search", "--sort", "d", here=tmp_path) == ["duration"]
    assert complete("search", "du", here=tmp_path) == ["duration:"]
    assert complete("search", "v", here=tmp_path) == ["views:", "videos"]
    fields = ["tag", "channel", "category", "site"]
    assert complete("facets", "--field", "", here=tmp_path) == fields
    assert complete("search", "lin", here=tmp_path) == ["link:"]
    assert complete("search", "has:l", here=tmp_path) == ["has:link", "has:links"]
    assert complete("completion", "", here=tmp_path) == ["bash", "zsh", "fish"]

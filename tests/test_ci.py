"""CI runs the slow tests too. (That .ci/run runs the README's test line: test_readme.)"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_ci_test_command_selects_the_slow_tests() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    [command] = [line for line in script if line.startswith("python -m pytest")]
    options = [word for word in shlex.split(command)[3:] if word not in ("-n", "2")]
    collect = ["--collect-only", "-q", "-p", "no:cacheprovider", "tests/test_crash.py"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *options, *collect],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_many_kills_on_a_bigger_archive" in done.stdout  # marked slow
    assert "test_kills_during_build_and_update_lose_nothing" in done.stdout

"""A real terminal for tests: the app run in a tmux server of its own, keys sent as tmux sends
them (one `send-keys` call arrives as one burst) and the screen read back with capture-pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable

import pytest

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def environment() -> dict[str, str]:
    """The tests' environment for the app in tmux, less COLUMNS and LINES: Textual takes its
    size from them (pytest-xdist's workers have COLUMNS=80) instead of from the terminal."""
    kept = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return {**kept, "TERM": "xterm-256color"}


class Tmux:
    """A tmux server of its own running one command in a detached session (120x40 by default)."""

    def __init__(self, name: str, command: str, *, size: tuple[int, int] = (120, 40)) -> None:
        self.server = ["tmux", "-L", name]
        geometry = ["-x", str(size[0]), "-y", str(size[1])]
        subprocess.run(
            [*self.server, "-f", os.devnull, "new-session", "-d", "-s", name, *geometry, command],
            check=True,
            env=environment(),
        )

    def screen(self) -> str:
        done = subprocess.run(
            [*self.server, "capture-pane", "-p"], capture_output=True, text=True, check=True
        )
        return done.stdout

    def wait_for(self, *texts: str) -> str:
        """The screen once it shows every text, or as it is after about a minute (the app
        starts slowly on a loaded machine)."""
        return self.wait_until(lambda shown: all(text in shown for text in texts))

    def wait_until(self, ready: Callable[[str], bool]) -> str:
        """The screen once `ready(screen)`, or as it is after about a minute."""
        for _ in range(600):
            shown = self.screen()
            if ready(shown):
                break
            time.sleep(0.1)
        return shown

    def send_keys(self, *keys: str) -> None:
        subprocess.run([*self.server, "send-keys", *keys], check=True)

    def close(self) -> None:
        subprocess.run([*self.server, "kill-server"], check=False, capture_output=True)

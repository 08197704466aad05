"""The command line on real-shaped archives (session 8's first hour): a Dailymotion export has
no channel, upload date, duration or counts, and the output says so rather than print `?`."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.cli import cli_env
from helpers.cli import run_text as run
from vidbrowse.generate import generate_archive


@pytest.fixture(scope="module")
def dailymotion(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Dailymotion posts only: title, tags, category and the posted date."""
    root = tmp_path_factory.mktemp("dailymotion")
    generate_archive(root, 30, seed=5, dailymotion_share=1.0)
    return root, cli_env(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def youtube(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("youtube")
    generate_archive(root, 30, seed=5, dailymotion_share=0.0)
    return root, cli_env(tmp_path_factory.mktemp("cache"))


def test_the_table_leaves_out_columns_no_post_has(dailymotion: tuple[Path, dict[str, str]]) -> None:
    archive, env = dailymotion
    done = run("search", str(archive), "", env=env)
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["TITLE"]
    assert rows and not any(row.startswith("?") for row in rows)


def test_the_table_keeps_every_column_a_post_has(youtube: tuple[Path, dict[str, str]]) -> None:
    archive, env = youtube
    done = run("search", str(archive), "", env=env)
    assert done.stdout.splitlines()[0].split() == [
        "UPLOADED", "DURATION", "VIEWS", "TITLE", "CHANNEL",
    ]  # fmt: skip

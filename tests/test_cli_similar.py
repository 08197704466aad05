"""`vidbrowse similar` as a user runs it: a subprocess on the "more like this" archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.cli import cli_env
from helpers.cli import run_text as run
from helpers.similar import write_similar_archive
from vidbrowse.cliparse import build_parser
from vidbrowse.completion import script


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("archive")
    write_similar_archive(root)
    config = {"VIDBROWSE_CONFIG_DIR": str(tmp_path_factory.mktemp("config"))}
    return root, cli_env(tmp_path_factory.mktemp("cache")) | config


def test_the_table_lists_the_closest_first(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("similar", str(root), "SRC", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Sourdough bread baking with a wild starter, part 2" in lines[1]  # under the header
    assert "Copy of sourdough" not in done.stdout  # the post's copy is the post
    assert "sorted by relevance" in done.stderr


def test_json_records_are_search_records_best_first(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("similar", str(root), "SRC", "--json", "--limit", "3", env=env)
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["vid_id"] for r in records] == ["TWIN", "BAGEL2", "-BAGEL"]
    assert records[0]["score"] > records[1]["score"] > records[2]["score"] > 0
    # The same as the query it stands for.
    search = run("search", str(root), "similar:SRC", "--json", "--limit", "3", env=env)
    assert [json.loads(line)["vid_id"] for line in search.stdout.splitlines()] == [
        r["vid_id"] for r in records
    ]


def test_an_id_starting_with_a_dash_and_the_archive_left_out(
    archive: tuple[Path, dict[str, str]],
) -> None:
    root, env = archive
    done = run("similar", "-BAGEL", "--json", env=env | {"VIDBROWSE_ARCHIVE": str(root)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["vid_id"] == "BAGEL2"


def test_a_post_is_named_by_its_path_too(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("similar", str(root), "_posts/twin.md", "--json", "--limit", "1", env=env)
    assert json.loads(done.stdout)["vid_id"] == "SRC"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("nope",), 1, "no post with id or path 'nope'"),
        (("",), 2, "similar needs a video id"),
        (("SRC", "--limit", "-1"), 2, "--limit must be 0 (all) or more"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(
    archive: tuple[Path, dict[str, str]], args: tuple[str, ...], code: int, message: str
) -> None:
    root, env = archive
    done = run("similar", str(root), *args, env=env)
    assert done.returncode == code
    assert message in done.stderr and len(done.stderr.splitlines()) == 1
    assert done.stdout == ""


def test_nothing_alike_is_exit_1_with_an_empty_list(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("similar", str(root), "LONE", "--json", env=env)
    assert (done.returncode, done.stdout) == (1, "")


def test_shells_complete_the_command_its_options_and_the_query_field() -> None:
    bash = script("bash", build_parser())
    assert "similar" in bash.split("local commands=", 1)[1].split("\n", 1)[0]
    options = next(line for line in bash.splitlines() if line.strip().startswith("similar)"))
    assert "--limit" in options and "--json" in options
    assert "similar:" in next(line for line in bash.splitlines() if "search)" in line)
    fish = script("fish", build_parser())
    assert "-a similar -d" in fish

"""The command line without traps (issue 15): ids and queries that start with '-', marks in
`show`, one exit code per kind of trouble in every command, the archive found as the app finds
it, long durations and counts that read right."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from helpers.cli import mark
from helpers.cli import run_text as run
from vidbrowse.generate import generate_archive

DASHED = """---
title: "Dashed id"
vid_id: "-AbCdEfGhIj"
tags: ["x", "dash"]
vid_date: "2015-01-02T00:00:00Z"
duration: "PT240H"
viewcount: "999950"
channel: "Long streams"
---
Ten days of one stream.
"""
OTHER = DASHED.replace("-AbCdEfGhIj", "plainid0001").replace('"x", ', "").replace(
    "Dashed id", "Plain one")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("archive")
    generate_archive(root, 20, seed=11)
    (root / "_posts" / "0001-01-01-dashed.md").write_text(DASHED, encoding="utf-8")
    (root / "_posts" / "0001-01-01-plain.md").write_text(OTHER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "VIDBROWSE_ARCHIVE"} | {
        "VIDBROWSE_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
        "VIDBROWSE_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "VIDBROWSE_CONFIG_DIR": str(tmp_path_factory.mktemp("config")),
    }
    assert run("index", str(root), "--quiet", env=env).returncode == 0
    return root, env


# --- point 5: a leading dash ---------------------------------------------------------------


def test_show_takes_an_id_that_starts_with_a_dash(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("show", str(root), "-AbCdEfGhIj", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["vid_id"] == "-AbCdEfGhIj"
    text = run("show", "--json", str(root), "--", "-AbCdEfGhIj", env=env)  # `--` still works
    assert json.loads(text.stdout)["title"] == "Dashed id"
    double = run("show", str(root), "--AbCdEfGh", "--j", env=env)  # one id in 4096; `--json`
    assert (double.returncode, double.stderr) == (1, "vidbrowse: no post with id or path "
                                                     "'--AbCdEfGh'\n")  # fmt: skip


def test_search_takes_a_negated_query(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("search", str(root), "-tag:x channel:long", "--format", "urls", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "https://www.youtube.com/watch?v=plainid0001\n"
    # A query starting like an option's short form is still the query, not `-o bama`.
    assert run("search", str(root), "-obama", "--limit", "1", env=env).returncode == 0
    assert not (Path.cwd() / "bama").exists()
    assert run("search", str(root), "x", "--jsno", env=env).returncode == 2  # a typo'd option


def test_the_app_takes_a_negated_query(
    archive: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vidbrowse import cli

    opened: list[tuple[Path, str]] = []
    monkeypatch.setattr(cli, "run_app", lambda archive, _dir, query: opened.append(
        (archive, query)) or 0)  # fmt: skip
    root, _ = archive
    assert cli.main([str(root), "-q", "-tag:x"]) == 0
    assert cli.main(["--query", "-AbCdEfGhIj", str(root)]) == 0
    assert opened == [(root, "-tag:x"), (root, "-AbCdEfGhIj")]


# --- point 6: marks in show ----------------------------------------------------------------


def test_show_includes_the_marks(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    mark(root, "plainid0001", env, starred=True, note="call back")
    record = json.loads(run("show", str(root), "plainid0001", "--json", env=env).stdout)
    assert (record["starred"], record["read"], record["note"]) == (True, False, "call back")
    text = run("show", str(root), "plainid0001", env=env).stdout
    assert "Starred:    yes\nRead:       no\nNote:       call back\n" in text


# --- point 7: exit codes, every command ----------------------------------------------------

EMPTY_FOLDER = {  # every command that opens an archive: a folder without posts is trouble (3)
    "index": ("index", "{empty}"),
    "search": ("search", "{empty}", "x"),
    "show": ("show", "{empty}", "someid"),
    "similar": ("similar", "{empty}", "someid"),
    "facets": ("facets", "{empty}", "x"),
    "stats": ("stats", "{empty}", "x"),
    "problems": ("problems", "{empty}"),
    "locate": ("locate", "/nonexistent/archive"),
    "demo": ("demo", "--count", "0"),
    "completion": ("completion", "tcsh"),
}
CODES = {"demo": 2, "completion": 2}


def test_every_command_is_covered() -> None:
    from vidbrowse.cliparse import SUBCOMMANDS

    assert set(EMPTY_FOLDER) == set(SUBCOMMANDS)


@pytest.mark.parametrize("command", list(EMPTY_FOLDER))
def test_exit_codes_agree_in_every_command(
    command: str, archive: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, env = archive
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "cover.jpg").write_bytes(b"\xff\xd8")  # a file, but no post
    done = run(*(a.format(empty=empty) for a in EMPTY_FOLDER[command]), env=env)
    assert done.returncode == CODES.get(command, 3), done.stderr
    assert done.stderr.splitlines()[-1].startswith("vidbrowse")  # the message, last
    if done.returncode == 3:
        assert done.stderr.count("\n") == 1, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr


def test_a_folder_of_unreadable_posts_is_trouble_but_problems_reports_it(
    archive: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, env = archive
    (tmp_path / "bad.md").write_text('---\nvid_id: v1\ntitle: "x\n---\n', encoding="utf-8")
    done = run("search", str(tmp_path), "", env=env)
    assert done.returncode == 3 and "1 file could not be read" in done.stderr
    report = run("problems", str(tmp_path), env=env)
    assert report.returncode == 0 and report.stdout.startswith("bad.md: ")


# --- the archive found as the app finds it -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("search", "tag:x", "--format", "urls"), "watch?v=-AbCdEfGhIj"),
        (("search", "-tag:x channel:long", "--format", "urls"), "watch?v=plainid0001"),
        (("show", "-AbCdEfGhIj"), "Dashed id"),
        (("facets", "channel:long", "--json"), '"value": "dash"'),
        (("stats", "--json"), '"posts": 22'),
        (("problems",), ""),
        (("index",), "22 posts indexed"),
        (("locate",), "home:"),
    ],
)
def test_every_command_finds_the_archive_from_the_environment(
    archive: tuple[Path, dict[str, str]], tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    root, env = archive
    done = run(*args, env=env | {"VIDBROWSE_ARCHIVE": str(root)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


def test_the_config_names_the_archive_and_a_folder_argument_wins(
    archive: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, env = archive
    config = Path(env["VIDBROWSE_CONFIG_DIR"]) / "config.toml"
    config.write_text(f"archive = {json.dumps(str(tmp_path))}\n", encoding="utf-8")
    try:
        done = run("search", "id:plainid0001", "--format", "urls", env=env)
        assert (done.returncode, done.stderr.count("\n")) == (3, 1)  # the config's (empty) one
        done = run("search", str(root), "--json", env=env)  # a lone folder is the archive
        assert len(done.stdout.splitlines()) == 22
    finally:
        config.unlink()


def test_no_archive_anywhere_is_a_usage_error(archive: tuple[Path, dict[str, str]]) -> None:
    _, env = archive
    done = run("search", "tag:cooking", env=env)
    assert done.returncode == 2
    assert "'tag:cooking' is not a folder: it was taken as the query" in done.stderr
    assert "$VIDBROWSE_ARCHIVE" in done.stderr


# --- point 10: words and numbers -----------------------------------------------------------


def test_long_durations_and_counts_read_right(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("search", str(root), "id:-AbCdEfGhIj", env=env)
    assert "10d00h" in done.stdout and "…" not in done.stdout  # was '240:00:…'
    assert "1M" in done.stdout and "1000K" not in done.stdout
    assert done.stderr == "1 result, sorted by uploaded\n"  # was '1 results'
    assert "Duration:   240:00:00" in run("show", str(root), "-AbCdEfGhIj", env=env).stdout
    assert run("stats", str(root), "id:-AbCdEfGhIj", env=env).stdout.startswith(
        "1 post, 999,950 views")


def test_index_summary_counts_files_and_posts_apart(tmp_path: Path) -> None:
    """'36470 posts indexed: 36472 added … 2 problems' read as if two posts were lost."""
    root = tmp_path / "archive"
    generate_archive(root, 5, seed=2)
    (root / "_posts" / "bad.md").write_text('---\ntitle: "x\n---\n', encoding="utf-8")
    env = os.environ | {"VIDBROWSE_CACHE_DIR": str(tmp_path / "cache")}
    done = run("index", str(root), env=env)
    assert done.stdout.startswith("5 posts indexed, 1 unreadable; files: 6 added, 0 changed, "
                                  "0 removed; ")  # fmt: skip


# --- point 12: wide and joined characters --------------------------------------------------

WIDE_TITLES = [
    "हिन्दी संगीत क्षत्रिय",
    "👨\u200d👩\u200d👧 family 🏳️\u200d🌈",
    "東京の夜景",
    "Cafe\u0301 plain",
]


def test_table_columns_line_up_with_wide_and_joined_characters(tmp_path: Path) -> None:
    """Cells are measured as Rich measures them (graphemes: a ZWJ family is 2 cells, a
    Devanagari vowel sign 0), so every row's channel starts in the same cell."""
    from rich.cells import cell_len

    root = tmp_path / "archive"
    root.mkdir()
    for i, title in enumerate(WIDE_TITLES):
        post = DASHED.replace("Dashed id", title).replace("-AbCdEfGhIj", f"wide{i:07}")
        (root / f"p{i}.md").write_text(post.replace("Long streams", f"Chan{i}"), "utf-8")
    env = os.environ | {"VIDBROWSE_CACHE_DIR": str(tmp_path / "cache"),
                        "VIDBROWSE_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    done = run("search", str(root), "", "--sort", "title", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()[1:]
    assert len(lines) == len(WIDE_TITLES)
    starts = {cell_len(line[: line.index("Chan")]) for line in lines}
    assert len(starts) == 1, lines

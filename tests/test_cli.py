"""The CLI as a user runs it: a real subprocess on a small generated archive."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.cli import mark
from helpers.cli import run_text as run
from vidbrowse.cliparse import SUBCOMMANDS
from vidbrowse.generate import generate_archive

KNOWN = """---
title: "ALPPS procedure animation [bold]x[/] \\e]52;c;aGk=\\a"
image: "https:\\/\\/i.ytimg.com\\/vi\\/VQuegI_wGhk\\/hqdefault.jpg"
vid_id: "VQuegI_wGhk"
categories: "People-Blogs"
tags: ["surgery","hernandez","selby"]
date: "2022-03-07T17:18:29+03:00"
vid_date: "2014-09-11T00:25:14Z"
duration: "PT1M32S"
viewcount: "43336"
likeCount: "84"
dislikeCount: ""
channel: "Keegan Selby"
---
{% raw %}Liver resections.<br />See <a href="https://example.org/alpps">the paper</a>.{% endraw %}
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("archive")
    generate_archive(root, 60, seed=7)
    (root / "_posts" / "0001-01-01-alpps.md").write_text(KNOWN, encoding="utf-8")
    (root / "_posts" / "0001-01-01-broken.md").write_text('---\ntitle: "x\n---\n', encoding="utf-8")
    env = os.environ | {
        "VIDBROWSE_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
        "VIDBROWSE_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "VIDBROWSE_CONFIG_DIR": str(tmp_path_factory.mktemp("config")),
    }
    return root, env


def test_index_then_nothing_changed(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    first = run("index", str(root), env=env)
    assert first.returncode == 0, first.stderr
    assert "61 posts indexed, 1 unreadable; files: 62 added, 0 changed, 0 removed;" in first.stdout
    again = run("index", str(root), env=env)
    assert "61 posts indexed, 1 unreadable; files: 0 added, 0 changed, 0 removed;" in again.stdout


def test_search_json_has_every_documented_field(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("search", str(root), "liver resections", "--json", env=env)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["vid_id"] for r in records] == ["VQuegI_wGhk"]
    hit = records[0]
    assert hit["url"] == "https://www.youtube.com/watch?v=VQuegI_wGhk"
    assert hit["uploaded"] == "2014-09-11T00:25:14+00:00"
    assert hit["posted"] == "2022-03-07T17:18:29+03:00"
    assert (hit["duration"], hit["views"], hit["likes"], hit["dislikes"]) == (92, 43336, 84, None)
    assert hit["tags"] == ["surgery", "hernandez", "selby"]
    assert hit["categories"] == ["People-Blogs"]
    assert hit["path"] == "_posts/0001-01-01-alpps.md"
    assert hit["score"] > 0
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout


def test_search_table_shows_markup_literally(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("search", str(root), "id:VQuegI_wGhk", env=env)
    assert done.returncode == 0
    assert "[bold]x[/]" in done.stdout
    assert "\x1b" not in done.stdout
    assert "1 result, sorted by uploaded" in done.stderr


def test_search_limit_sort_and_reverse(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive

    def views(*extra: str) -> list[int | None]:
        done = run("search", str(root), "", "--json", "--sort", "views", *extra, env=env)
        return [json.loads(line)["views"] for line in done.stdout.splitlines()]

    top = views("--limit", "5")
    assert len(top) == 5 and top == sorted(top, reverse=True)
    everything = views("--limit", "0")
    assert len(everything) == 61
    bottom = views("--reverse", "--limit", "3")
    known = [v for v in everything if v is not None]
    assert bottom == sorted(known)[:3]


def test_show_gives_text_and_links(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("show", str(root), "VQuegI_wGhk", "--json", env=env)
    post = json.loads(done.stdout)
    assert post["text"] == "Liver resections.\nSee the paper."
    assert post["links"] == ["https://example.org/alpps"]
    text = run("show", str(root), "VQuegI_wGhk", env=env).stdout
    assert "Dislikes:   unknown" in text and "Duration:   1:32" in text


def test_facets_and_problems(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("facets", str(root), "liver", "--json", env=env)
    assert [json.loads(line)["value"] for line in done.stdout.splitlines()] == [
        "hernandez", "selby", "surgery",
    ]
    channels = run("facets", str(root), "--field", "channel", "--limit", "3", env=env)
    assert len(channels.stdout.splitlines()) == 3
    problems = run("problems", str(root), "--json", env=env)
    problem = json.loads(problems.stdout.splitlines()[0])
    assert problem["path"] == "_posts/0001-01-01-broken.md" and problem["reason"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("search", "{root}", "tilte:x"), 2, "did you mean title:"),
        (("search", "{root}", "(a"), 2, "unclosed '('"),
        (("search", "{root}", "zzzqqqxxv"), 1, "0 results"),
        (("show", "{root}", "nope"), 1, "no post with id or path 'nope'"),
        (("search", "{root}/missing", "x"), 3, "archive not found"),
        (("index", "{empty}"), 3, "no posts found"),
        (("search", "{root}", "x", "--limit", "-1"), 2, "--limit"),
        (("search", "{root}", "is:stared"), 2, "did you mean is:starred?"),
        (("search", "{root}", "x", "--format", "xml"), 2, "invalid choice: 'xml'"),
        (("search", "{root}", "x", "-o", "{empty}/no/such/dir/out.csv"), 3, "cannot write"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(
    archive: tuple[Path, dict[str, str]], tmp_path: Path, args: tuple[str, ...], code: int,
    message: str,
) -> None:
    root, env = archive
    done = run(*(a.format(root=root, empty=tmp_path) for a in args), env=env)
    assert done.returncode == code
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_unwritable_cache_is_a_clear_error(archive: tuple[Path, dict[str, str]], tmp_path: Path):
    root, env = archive
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = run("search", str(root), "x", env=env | {"VIDBROWSE_CACHE_DIR": str(blocker)})
    assert done.returncode == 3
    assert "VIDBROWSE_CACHE_DIR" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["", *SUBCOMMANDS])
def test_every_command_has_help(command: str) -> None:
    done = run(*([command] if command else []), "--help", env=dict(os.environ))
    assert done.returncode == 0 and "usage: vidbrowse" in done.stdout


def test_locate_names_the_archive_home(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("locate", str(root), env=env)
    assert env["VIDBROWSE_CACHE_DIR"] in done.stdout
    assert "config file:" in done.stdout and "home:" in done.stdout


def test_search_formats(archive: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, env = archive
    as_json = run("search", str(root), "", "--sort", "title", "--json", env=env)
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert len(records) == 61  # the export formats default to every result
    assert records[0]["starred"] is False
    target = tmp_path / "out.csv"
    done = run("search", str(root), "", "--sort", "title", "--format", "csv", "-o", str(target),
               env=env)  # fmt: skip
    assert done.stdout == "" and f"written to {target}" in done.stderr
    with target.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["vid_id"] for r in rows] == [r["vid_id"] for r in records]
    urls = run("search", str(root), "id:VQuegI_wGhk", "--format", "urls", env=env).stdout
    assert urls == "https://www.youtube.com/watch?v=VQuegI_wGhk\n"
    md = run("search", str(root), "id:VQuegI_wGhk", "--format", "md", env=env).stdout
    assert md.startswith("- [ALPPS procedure animation \\[bold\\]x\\[/\\]")
    assert md.endswith("(https://www.youtube.com/watch?v=VQuegI_wGhk) — Keegan Selby, 2014-09-11\n")


def test_marks_made_in_the_core_are_searchable(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    mark(root, "VQuegI_wGhk", env, starred=True, note="Liver")
    done = run("search", str(root), "is:starred note:liver", "--json", env=env)
    [record] = [json.loads(line) for line in done.stdout.splitlines()]
    assert (record["vid_id"], record["starred"], record["note"]) == ("VQuegI_wGhk", True, "Liver")


def test_stats(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    done = run("stats", str(root), "id:VQuegI_wGhk", env=env)
    assert done.returncode == 0, done.stderr
    assert "1 post, 43,336 views" in done.stdout and "By upload month:" in done.stdout
    assert "2014-09  1  █" in done.stdout and "1–5m     1" in done.stdout
    numbers = json.loads(run("stats", str(root), "--json", env=env).stdout)
    assert numbers["posts"] == 61 and numbers["unit"] == "year"
    assert sum(b["count"] for b in numbers["timeline"]) + numbers["unknown_uploaded"] == 61


def test_problems_report_health_after_unreadable_files(
    archive: tuple[Path, dict[str, str]],
) -> None:
    root, env = archive
    text = run("problems", str(root), "--examples", "1", env=env)
    lines = text.stdout.splitlines()
    assert lines[0].startswith("_posts/0001-01-01-broken.md: ")
    assert "Missing fields:" in text.stdout and "1 unreadable" in text.stderr
    records = [json.loads(line) for line in run("problems", str(root), "--json", env=env).stdout
               .splitlines()]  # fmt: skip
    assert records[0]["kind"] == "unreadable"
    assert {r["kind"] for r in records} >= {"unreadable", "missing"}
    assert all(r["count"] == len(r["paths"]) for r in records if r["kind"] == "missing")


def test_locate_config_and_bad_config(archive: tuple[Path, dict[str, str]]) -> None:
    root, env = archive
    config = Path(env["VIDBROWSE_CONFIG_DIR"]) / "config.toml"
    assert run("locate", "config", env=env).stdout == f"{config}\n"
    config.write_text("archive = 3\n[keymap]\nquit = 5\n", encoding="utf-8")
    try:
        done = run("--help", env=env)  # the app parser never reads the config for --help
        assert done.returncode == 0
        done = subprocess.run(
            [sys.executable, "-c", "from vidbrowse.cli import resolve_archive; "
             "print(resolve_archive(None))"],
            capture_output=True, text=True, env=env, cwd=root,
        )  # fmt: skip
        assert done.stdout.strip() == str(root)  # the defaults: the current folder
        assert f"{config}: 'archive' must be a string" in done.stderr
        assert "[keymap] 'quit' must be a key" in done.stderr
    finally:
        config.unlink()


def test_search_as_the_program_prints_all_that_main_returns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run as the program, a search ends with os._exit (cli._quick_exit): its output must still
    be whole, here well past a pipe's buffer, and the same as main(argv) prints in process."""
    from vidbrowse.cli import main

    root = tmp_path / "archive"
    generate_archive(root, 300, seed=3)
    args = ("search", str(root), "", "--sort", "title", "--format", "csv")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a buffered stdout
    done = run(*args, env=env)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > 65536
    assert main(list(args)) == 0
    assert done.stdout == capsys.readouterr().out
    missing = run("search", str(root), "zzqxv", env=env)
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr == "0 results, sorted by relevance\n"


def test_a_change_after_a_quick_search_is_seen_by_the_next(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    generate_archive(root, 20, seed=5)
    env = dict(os.environ)
    assert run("search", str(root), "zzqxv", env=env).returncode == 1
    post = KNOWN.replace("ALPPS procedure", "zzqxv procedure")
    (root / "_posts" / "0001-01-01-new.md").write_text(post, encoding="utf-8")
    done = run("search", str(root), "zzqxv", "--format", "urls", env=env)
    assert (done.returncode, done.stdout) == (0, "https://www.youtube.com/watch?v=VQuegI_wGhk\n")
    # Saved as editors do (a new file renamed over the old): its folder changes, so even the
    # quick check sees it at once (a file written over in place: tests/test_quick_check.py).
    (root / "_posts" / "new.tmp").write_text(post.replace("zzqxv", "other"), "utf-8")
    (root / "_posts" / "new.tmp").replace(root / "_posts" / "0001-01-01-new.md")
    assert run("search", str(root), "zzqxv", env=env).returncode == 1


@pytest.mark.parametrize("given", [None, "4"])
def test_numpy_loads_with_one_blas_thread_unless_the_user_says(
    given: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vidbrowse.cliopen import one_blas_thread

    if given is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", given)
    with one_blas_thread():
        assert os.environ["OPENBLAS_NUM_THREADS"] == (given or "1")
    assert os.environ.get("OPENBLAS_NUM_THREADS") == given  # what the programs we start inherit


BLAS_PROBE = """
import os, sys
from importlib.abc import MetaPathFinder

class Probe(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            print("numpy loaded with", os.environ.get("OPENBLAS_NUM_THREADS"), file=sys.stderr)
            sys.meta_path.remove(self)
        return None

sys.meta_path.insert(0, Probe())
from vidbrowse.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("command", [["search", "alpps"], ["show", "VQuegI_wGhk"], ["facets"],
                                     ["stats"], ["similar", "VQuegI_wGhk"], ["problems"]])
def test_every_command_loads_numpy_with_one_blas_thread(
    command: list[str], archive: tuple[Path, dict[str, str]]
) -> None:
    """numpy's OpenBLAS starts a thread per core unless told otherwise (~30 ms of CPU per
    command): whichever module of a command loads numpy first, it loads with one."""
    root, env = archive
    env = {k: v for k, v in env.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", BLAS_PROBE, command[0], str(root), *command[1:]],
                          env=env, capture_output=True, text=True, timeout=120)
    assert "numpy loaded with 1\n" in done.stderr, done.stderr

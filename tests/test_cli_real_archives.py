"""The command line on real-shaped archives (session 8's first hour): a Dailymotion export has
no channel, upload date, duration or counts, and the output says so rather than print `?`."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from helpers.cli import VIDBROWSE, cli_env
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


@pytest.mark.parametrize(
    "args",
    [
        ("search", "{root}", "x", "--sort", "bogus"),
        ("search", "{root}", "x", "--format", "xml"),
        ("search", "{root}", "x", "--limit", "x"),
        ("facets", "{root}", "--field", "bogus"),
        ("completion",),
        ("--bogus",),
    ],
)
def test_a_bad_option_is_one_line(
    youtube: tuple[Path, dict[str, str]], args: tuple[str, ...]
) -> None:
    """argparse printed the whole usage above its error: two lines and more."""
    root, env = youtube
    done = run(*(arg.format(root=root) for arg in args), env=env)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "--help" in done.stderr


def test_a_mistyped_command_is_named(youtube: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """`vidbrowse serch x` said 'archive not found: serch'."""
    _, env = youtube
    done = subprocess.run([*VIDBROWSE, "serch", "x"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, check=False)  # fmt: skip
    assert done.returncode == 2
    said = "vidbrowse: no command or folder 'serch': did you mean `vidbrowse search`?\n"
    assert done.stderr == said


def test_facets_say_why_they_list_nothing(dailymotion: tuple[Path, dict[str, str]]) -> None:
    archive, env = dailymotion
    done = run("facets", str(archive), "--field", "channel", env=env)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "no channel in the 30 results\n"


def test_stats_say_unknown_rather_than_zero(dailymotion: tuple[Path, dict[str, str]]) -> None:
    """'0 views (30 unknown), 0.0 hours (30 unknown)' and a chart of zeros, before."""
    archive, env = dailymotion
    done = run("stats", str(archive), env=env)
    assert done.stdout.splitlines()[0] == "30 posts, views unknown, length unknown"
    assert "(no duration: 30)" in done.stdout and "<1m" not in done.stdout


def test_posts_without_an_upload_date_follow_their_posting_date(
    dailymotion: tuple[Path, dict[str, str]],
) -> None:
    """The default order (uploaded) put a Dailymotion export A→Z by title: every upload date
    unknown. Posts without one now come newest posted first (`--reverse`: oldest)."""
    archive, env = dailymotion
    for reverse in ([], ["--reverse"]):
        done = run("search", str(archive), "", "--json", *reverse, env=env)
        posted = [json.loads(line)["posted"] for line in done.stdout.splitlines()]
        posted = [datetime.fromisoformat(value) for value in posted]
        assert len(posted) == 30
        assert posted == sorted(posted, reverse=not reverse)


LINKIFIED = """---
title: "Pride video"
vid_id: "linkified01"
channel: "Someone"
vid_date: "2021-07-03T18:41:16Z"
---
Music from <a rel="nofollow" target="blank" href="http://filmmusic.io,">http://filmmusic.io,</a> \
and Epidemic Sound (<a href="http://www.epidemicsound.com)">http://www.epidemicsound.com)</a>
"""


def test_a_linkified_href_loses_the_punctuation_after_it(tmp_path: Path) -> None:
    """Real YouTube descriptions carry `href="http://filmmusic.io,"`: the Sites filter listed
    `filmmusic.io,` and `epidemicsound.com)` beside the real sites."""
    (tmp_path / "a" / "_posts").mkdir(parents=True)
    (tmp_path / "a" / "_posts" / "2021-07-03-pride.md").write_text(LINKIFIED, encoding="utf-8")
    env = cli_env(tmp_path / "cache")
    done = run("facets", str(tmp_path / "a"), "--field", "site", env=env)
    assert sorted(done.stdout.split()) == ["1", "1", "epidemicsound.com", "filmmusic.io"]
    shown = json.loads(run("show", str(tmp_path / "a"), "linkified01", "--json", env=env).stdout)
    assert shown["links"] == ["http://filmmusic.io", "http://www.epidemicsound.com"]


ENCODED_TWICE = """---
title: "12 Best Multi Tools"
vid_id: "twiceenc001"
channel: "Someone"
vid_date: "2021-07-03T18:41:16Z"
---
{% raw %}There are hundreds of multi-tools, that&amp;#39;s why we made a list.<br />\
A&amp;amp;R Producer - Juan. AT&amp;T and 3 &lt; 4 &amp; so on.{% endraw %}
"""


def test_text_encoded_twice_reads_clean(tmp_path: Path) -> None:
    """Some exports encode twice (`that&amp;#39;s`): the text showed `that&#39;s`."""
    (tmp_path / "a" / "_posts").mkdir(parents=True)
    post = tmp_path / "a" / "_posts" / "2021-07-03-tools.md"
    post.write_text(ENCODED_TWICE, encoding="utf-8")
    env = cli_env(tmp_path / "cache")
    text = json.loads(run("show", str(tmp_path / "a"), "twiceenc001", "--json", env=env).stdout)
    assert text["text"] == (
        "There are hundreds of multi-tools, that's why we made a list.\n"
        "A&R Producer - Juan. AT&T and 3 < 4 & so on."
    )
    assert run("search", str(tmp_path / "a"), '"that s why"', env=env).returncode == 0


def test_show_says_unknown_as_the_app_does(dailymotion: tuple[Path, dict[str, str]]) -> None:
    """`show` left 'Channel:' blank where the app's detail says 'unknown'."""
    archive, env = dailymotion
    first = json.loads(run("search", str(archive), "", "--json", "--limit", "1", env=env).stdout)
    shown = run("show", str(archive), first["vid_id"], env=env).stdout.splitlines()
    assert "Channel:    unknown" in shown and "Uploaded:   unknown" in shown


def test_index_on_a_terminal_says_what_it_is_doing_in_words(tmp_path: Path) -> None:
    """`vidbrowse index` on a terminal printed `scan: 30/30` and `commit: 30/30` where the
    app says 'Scanning the archive…' and 'Saving…'."""
    archive = tmp_path / "archive"
    generate_archive(archive, 30, seed=5)
    leader, follower = pty.openpty()  # stderr a terminal: the progress line shows
    try:
        done = subprocess.run([*VIDBROWSE, "index", str(archive)], stdout=subprocess.PIPE,
                              stderr=follower, env=cli_env(tmp_path / "cache"), timeout=120,
                              check=False)  # fmt: skip
        os.close(follower)
        follower = -1
        shown = b""
        with contextlib.suppress(OSError):  # EIO: the writer is gone, all is read
            while chunk := os.read(leader, 65536):
                shown += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert done.returncode == 0
    progress = shown.decode()
    assert "Scanning the archive… 30 / 30" in progress and "Saving… 30 / 30" in progress
    assert "scan:" not in progress and "commit:" not in progress


def test_an_output_file_is_written_in_the_format_its_name_says(
    youtube: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """`search -o results.csv` wrote the people's table into results.csv."""
    archive, env = youtube
    for name, first in [("r.csv", "vid_id,title,"), ("r.JSONL", '{"vid_id": '), ("r.md", "- [")]:
        done = run("search", str(archive), "", "-o", str(tmp_path / name), env=env)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(first), name
    done = run("search", str(archive), "", "-o", str(tmp_path / "t.csv"), "--format", "table",
               env=env)  # fmt: skip
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").startswith("UPLOADED")


def test_the_help_says_when_the_current_folder_is_the_archive(tmp_path: Path) -> None:
    """--help said 'else the current folder': any folder, as a new user reads it."""
    done = run("--help", env=cli_env(tmp_path))
    assert "else the current folder if it holds posts" in " ".join(done.stdout.split())


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"  # real posts, read in place


@pytest.mark.skipif(not (CORPUS / "youtube-2021").is_dir(), reason="shared corpus not present")
def test_the_real_youtube_archive_reads_clean(tmp_path: Path) -> None:
    """What the first hour on ../shared/corpus/youtube-2021 showed: sites ending in ',' or ')'
    and `&#39;` left in a description."""
    archive, env = CORPUS / "youtube-2021", cli_env(tmp_path)
    sites = run("facets", str(archive), "--field", "site", "--limit", "0", env=env).stdout
    assert sites and not [line for line in sites.splitlines() if line[-1] in ",;:!?)"]
    post = run("show", str(archive), "_posts/0001-01-01-12-best-multi-tools-for-men.md",
               "--json", env=env).stdout  # fmt: skip
    assert "that's why" in json.loads(post)["text"]

"""parse_post / load_post on small, odd and broken posts written in the test."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidbrowse.core.archive.parse import PostError, load_post, parse_post
from vidbrowse.core.archive.post import NOT_A_POST, Post, Problem

YT_HEAD = 'vid_id: "abc123XYZ_-"\ntitle: "A title"\n'


def post(front: str, body: str = "Body") -> bytes:
    return f"---\n{front}---\n{body}".encode()


def yt(extra: str = "", body: str = "Body") -> bytes:
    return post(YT_HEAD + extra, body)


DAILYMOTION = post(
    'title: "OL-Dijon : l\'analyse \\u00e0 chaud"\n'
    'image: "https://s2.dmcdn.net/v/SQdwp1VIPVelD1r2Q/x240"\n'
    'vid_id: "x7vu7xv"\n'
    'categories: "sport"\n'
    'tags: ["rudi garcia","football"]\n'
    'date: "2020-08-30T11:10:08+03:00"\n',
    "Analyse<br> <u>OL-Dijon</u>",
)

PLUS3 = timezone(timedelta(hours=3))


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        # line endings, encodings, invisible and control characters
        (yt().replace(b"\n", b"\r\n"), "title", "A title"),
        (b'---\r\nvid_id: "v"\rtitle: "Mixed"\n---\r\nbody\rline', "text", "body\nline"),
        (b"\xef\xbb\xbf" + yt(), "title", "A title"),
        (b"\xff\xfe" + yt().decode().encode("utf-16-le"), "title", "A title"),
        (b"\xfe\xff" + yt('channel: "Ch"\n').decode().encode("utf-16-be"), "channel", "Ch"),
        (post('vid_id: "v"\ntitle: "nul\x00here"\n'), "title", "nulhere"),
        (post('vid_id: "v"\ntitle: "as is\u201c\x9d basis"\n'), "title", "as is\u201c basis"),
        (post('vid_id: "v"\ntitle: "l\'analyse \\u00e0 chaud"\n'), "title", "l'analyse à chaud"),
        (
            yt('image: "https:\\/\\/i.ytimg.com\\/vi\\/ID\\/hqdefault.jpg"\n'),
            "image",
            "https://i.ytimg.com/vi/ID/hqdefault.jpg",
        ),
        (
            post('vid_id: "v"\ntitle: "zero\u200bwidth \u202eflip\u202c"\n'),
            "title",
            "zerowidth flip",
        ),
        (
            post('vid_id: "v"\ntitle: "[bold]x[/] \\e]52;c;eA==\\a"\n'),
            "title",
            "[bold]x[/] ]52;c;eA==",
        ),
        # durations
        (yt('duration: "PT1M32S"\n'), "duration", 92),
        (yt('duration: "P0D"\n'), "duration", 0),
        (yt('duration: "PT1H"\n'), "duration", 3600),
        (yt('duration: "P1DT8H36M13S"\n'), "duration", 86400 + 8 * 3600 + 36 * 60 + 13),
        (yt('duration: "P1M"\n'), "duration", 31 * 86400),
        (yt("duration: 95\n"), "duration", 95),
        (yt('duration: ""\n'), "duration", None),
        (yt('duration: "3:45"\n'), "duration", None),
        (yt('duration: "-PT5S"\n'), "duration", None),
        (yt('duration: "P9999999999D"\n'), "duration", None),
        (yt('duration: "P99999999999Y"\n'), "duration", None),
        # counts
        (yt('viewcount: "150630"\n'), "views", 150630),
        (yt("viewcount: 42\n"), "views", 42),
        (yt('viewcount: ""\n'), "views", None),
        (yt('viewcount: "1,234"\n'), "views", 1234),
        (yt('viewcount: "12.0"\n'), "views", 12),
        (yt('viewcount: "-5"\n'), "views", None),
        (yt('viewcount: "lots"\n'), "views", None),
        (yt("viewcount: [1, 2]\n"), "views", None),
        (yt("viewcount: true\n"), "views", None),
        (yt('viewcount: "99999999999999999999"\n'), "views", None),
        (yt('viewcount: "1e400"\n'), "views", None),
        (yt('likeCount: "412"\ndislikeCount: "11"\n'), "likes", 412),
        (yt('likeCount: "412"\ndislikeCount: "11"\n'), "dislikes", 11),
        # tags and categories
        (yt('tags: "solo"\n'), "tags", ("solo",)),
        (yt('tags: [" a ", "", "B", "b", "A", "c"]\n'), "tags", ("a", "B", "c")),
        (yt("tags: [2020, 1.5, null]\n"), "tags", ("2020", "1.5")),
        (yt("tags:\n"), "tags", ()),
        (yt('categories: "Music"\n'), "categories", ("Music",)),
        (yt('categories: ["News", "news", "Sport"]\n'), "categories", ("News", "Sport")),
        # dates
        (
            yt('date: "2020-11-14T22:34:54+03:00"\n'),
            "posted",
            datetime(2020, 11, 14, 22, 34, 54, tzinfo=PLUS3),
        ),
        (
            yt('vid_date: "2011-03-28T08:31:00Z"\n'),
            "uploaded",
            datetime(2011, 3, 28, 8, 31, tzinfo=UTC),
        ),
        (
            yt('date: "2020-11-14 22:34:54"\n'),
            "posted",
            datetime(2020, 11, 14, 22, 34, 54, tzinfo=UTC),
        ),
        (yt("date: 2020-11-14\n"), "posted", datetime(2020, 11, 14, tzinfo=UTC)),
        (
            yt("date: 2020-11-14 22:34:54\n"),
            "posted",
            datetime(2020, 11, 14, 22, 34, 54, tzinfo=UTC),
        ),
        (
            yt("date: 2020-11-14 22:34:54 +03:00\n"),
            "posted",
            datetime(2020, 11, 14, 22, 34, 54, tzinfo=PLUS3),
        ),
        (yt("date: 20201114\n"), "posted", None),
        (yt('date: "yesterday"\n'), "posted", None),
        # typing of one-line values
        (post("vid_id: 12345\ntitle: 2012\n"), "title", "2012"),
        (post("vid_id: 12345\ntitle: 2012\n"), "vid_id", "12345"),
        (yt("channel: {a: 1}\n"), "channel", ""),
        (yt('channel: "  Omid   Mirshekari "\n'), "channel", "Omid Mirshekari"),
        (yt("unknown_key: [1, {x: y}]\n"), "title", "A title"),
        (post('vid_id: "v"\ntitle: "AT&T *stars* & more"\n'), "title", "AT&T *stars* & more"),
        # source and url
        (yt(), "source", "youtube"),
        (yt(), "url", "https://www.youtube.com/watch?v=abc123XYZ_-"),
        (DAILYMOTION, "source", "dailymotion"),
        (DAILYMOTION, "url", "https://www.dailymotion.com/video/x7vu7xv"),
        (DAILYMOTION, "title", "OL-Dijon : l'analyse à chaud"),
        (DAILYMOTION, "duration", None),
        (DAILYMOTION, "views", None),
        (DAILYMOTION, "channel", ""),
        (DAILYMOTION, "text", "Analyse\n OL-Dijon"),  # only trailing spaces are trimmed
        # body
        (yt(body="{% raw %}a<br />b<br>c &amp; AT&amp;T{% endraw %}\n"), "text", "a\nb\nc & AT&T"),
        (
            yt(body='{% raw %}<a href="https://x.io/p">x.io</a> https://y.io{% endraw %}'),
            "links",
            ("https://x.io/p", "https://y.io"),
        ),
        (yt(body=""), "text", ""),
        (b'---\nvid_id: "v"\ntitle: "t"\n---', "text", ""),
        (b"---\nvid_id: v\ntitle: t\n...\nbody after dots", "text", "body after dots"),
    ],
)
def test_parse_field(data: bytes, field: str, expected: Any) -> None:
    assert getattr(parse_post(data, "p.md"), field) == expected


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (post('vid_id: "v"\ntitle: "a\x85b"\n'), "control characters"),
        (yt('duration: "3:45"\n'), "duration '3:45' is not ISO 8601"),
        (yt('duration: "P1M"\n'), "years or months"),
        (yt('viewcount: "-5"\n'), "viewcount '-5' is negative"),
        (yt('viewcount: "lots"\n'), "viewcount 'lots' is not a number"),
        (yt("viewcount: [1, 2]\n"), "viewcount '[1, 2]' is not a number"),
        (yt("date: 20201114\n"), "date '20201114' is not a date"),
        (yt('vid_date: "yesterday"\n'), "vid_date 'yesterday' is not an ISO 8601 date"),
        (yt("channel: [x]\n"), "channel is not text"),
        (yt('duration: "P9999999999D"\n'), "duration 'P9999999999D' is too long"),
        (yt('viewcount: "99999999999999999999"\n'), "is too large"),
    ],
)
def test_parse_warning(data: bytes, warning: str) -> None:
    result = parse_post(data, "p.md")
    assert any(warning in w for w in result.warnings), result.warnings


def test_clean_post_has_no_warnings() -> None:
    data = yt('duration: "PT3M52S"\nviewcount: ""\nlikeCount: ""\ntags: ["a"]\n')
    assert parse_post(data, "p.md").warnings == ()


BILLION_LAUGHS = "".join(
    [
        'vid_id: "v"\ntitle: "t"\n',
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
        *(
            f"{b}: &{b} [{','.join(['*' + a] * 9)}]\n"
            for a, b in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "tags: *i\n",
    ]
)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"---\nvid_id: v\ntitle: \xff\xfe oops\n---\n",
            "not UTF-8 text (invalid byte 0xff at offset 21)",
        ),
        (b"\xff\xfe\x00\xd8", "not UTF-16 text"),
        (b"", "empty file"),
        (b" \n\n\t\n", "empty file"),
        (b"\x00\x00\x00", "empty file"),
        (b"Just some text\nno fence", "no front matter"),
        (b"\n---\nvid_id: v\ntitle: t\n---\n", "no front matter"),
        (b"---\nvid_id: v\ntitle: t\nbody without closing fence", "front matter is not closed"),
        (b"---", "front matter is not closed"),
        (post("- a\n- b\n"), "front matter is not a mapping"),
        (post('"just a string"\n'), "front matter is not a mapping"),
        (post("42\n"), "front matter is not a mapping"),
        (post('vid_id: "v"\ntitle: "unclosed\n'), "YAML error at line"),
        (post('vid_id: "v"\ntitle: t\n  bad: indent\n'), "YAML error at line 4: "),
        (post('vid_id: "v"\ntitle: [a, b\n'), "YAML error at line"),
        (
            post("vid_id: v\ntitle: !!python/object/apply:os.system ['true']\n"),
            "YAML error at line 3",
        ),
        (post("vid_id: v\ntitle: t\nx: " + "[" * 5000 + "\n"), "YAML error at line 4"),
        (yt("viewcount: 1" + "0" * 5000 + "\n"), "YAML error: Exceeds the limit"),
        (post("vid_id: v\ntitle: !!binary aGVsbG8=\n"), "title must be text"),
        (post("vid_id: v\ntitle: t\n? [a, b]\n: c\n"), "YAML error at line"),
        (post(BILLION_LAUGHS), "anchors or aliases"),
        (post('vid_id: &x "v"\ntitle: *x\n'), "anchors or aliases"),
        (post('title: "t"\n'), "no vid_id"),
        (post('vid_id: ""\ntitle: "t"\n'), "no vid_id"),
        (post('vid_id: "\u200b "\ntitle: "t"\n'), "no vid_id"),
        (post("vid_id: [a]\ntitle: t\n"), "vid_id must be text"),
        (post(""), "no vid_id"),
        (post('vid_id: "v"\n'), "no title"),
        (post('vid_id: "v"\ntitle: "   "\n'), "no title"),
        (post('vid_id: "v"\ntitle: {a: b}\n'), "title must be text"),
        (post('vid_id: "v"\ntitle: [a, b]\n'), "title must be text"),
        (yt("tags: {a: b}\n"), "tags must be a list of strings"),
        (yt("tags: [a, [b]]\n"), "tags must be a list of strings"),
        (yt("categories: [{a: b}]\n"), "categories must be a list of strings"),
        (post(YT_HEAD + "x: '" + "y" * (1024 * 1024 + 10) + "'\n"), "front matter is over 1 MB"),
    ],
)
def test_parse_problem(data: bytes, reason: str) -> None:
    with pytest.raises(PostError) as err:
        parse_post(data, "p.md")
    assert reason in str(err.value)
    assert "\n" not in str(err.value)


def test_python_tags_are_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    data = post(
        f"vid_id: v\ntitle: t\nx: !!python/object/apply:os.system ['touch {marker}']\n"
        f"y: !!python/object/apply:builtins.open ['{marker}', 'w']\n"
    )
    with pytest.raises(PostError, match="could not determine a constructor"):
        parse_post(data, "p.md")
    assert not marker.exists()


def test_alias_bomb_is_refused_quickly() -> None:
    start = time.perf_counter()
    with pytest.raises(PostError):
        parse_post(post(BILLION_LAUGHS), "p.md")
    assert time.perf_counter() - start < 1.0


def test_path_is_kept() -> None:
    assert parse_post(yt(), "2020/_posts/x.md").path == "2020/_posts/x.md"


@pytest.mark.parametrize("value", ["2021-02-30", "2020-13-45", "2021-02-30 10:00:00"])
def test_an_impossible_date_only_warns_quoted_or_not(value: str) -> None:
    for written in (value, f'"{value}"'):
        parsed = parse_post(yt(f"vid_date: {written}\ndate: {written}\n"), "p.md")
        assert parsed.title == "A title" and parsed.uploaded is None and parsed.posted is None
        assert parsed.warnings == (
            f"date {value!r} is not an ISO 8601 date",
            f"vid_date {value!r} is not an ISO 8601 date",
        )


def test_repeated_keys_are_a_warning() -> None:
    parsed = parse_post(yt('title: "Again"\nviewcount: 5\nviewcount: 7\n'), "p.md")
    assert (parsed.title, parsed.views) == ("Again", 7)  # YAML keeps the last
    assert parsed.warnings == (
        "'title' is given twice; the last one is kept",
        "'viewcount' is given twice; the last one is kept",
    )
    assert parse_post(yt(), "p.md").warnings == ()


def test_load_post_reads_a_file(tmp_path: Path) -> None:
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "a.md").write_bytes(yt('viewcount: "7"\n'))
    result = load_post(tmp_path, "_posts/a.md")
    assert isinstance(result, Post)
    assert (result.path, result.views) == ("_posts/a.md", 7)


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (
            lambda d: (d / "p.md").write_bytes(yt(body="x" * 500)),
            "file is 547 bytes, over the 200 bytes limit",
        ),
        (
            lambda d: (d / "p.md").write_bytes(b"---\n"),
            "front matter is not closed (no second '---' line)",
        ),
        (lambda d: None, "file not found"),
        (lambda d: (d / "p.md").mkdir(), "is a directory, not a file"),
        (lambda d: (d / "p.md").symlink_to(d / "nowhere"), "file not found"),
    ],
)
def test_load_post_problems(tmp_path: Path, setup: Any, reason: str) -> None:
    (tmp_path / "_posts").mkdir()
    setup(tmp_path / "_posts")
    result = load_post(tmp_path, "_posts/p.md", max_bytes=200)
    assert result == Problem("_posts/p.md", reason)


@pytest.mark.parametrize(
    ("data", "post"),
    [
        (b"# A README\n", False),
        (b"", False),
        (b"---\nlayout: page\ntitle: About\n---\nabout\n", False),
        (b"---\n", False),
        (b"---\ntitle: t\nvid_date: 2014-01-01\n---\n", True),  # a video's keys: a post
        (b"\xef\xbb\xbf---\nvid_id: [\n---\n", True),
        (b"---\ntitle: t\n---\nvid_id: in the body\n", False),
    ],
)
def test_outside_posts_folders_only_what_looks_like_a_post_is_one(
    tmp_path: Path, data: bytes, post: bool
) -> None:
    (tmp_path / "_posts").mkdir()
    for path in ("p.md", "_posts/p.md"):
        (tmp_path / path).write_bytes(data)
    result = load_post(tmp_path, "p.md")
    assert isinstance(result, Problem) and (result.reason != NOT_A_POST) == post
    inside = load_post(tmp_path, "_posts/p.md")
    assert isinstance(inside, Problem) and inside.reason != NOT_A_POST


def test_load_post_turns_a_parser_bug_into_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_body: str) -> tuple[str, tuple[str, ...]]:
        raise RuntimeError("boom")

    (tmp_path / "p.md").write_bytes(yt())
    monkeypatch.setattr("vidbrowse.core.archive.parse.clean_body", broken)
    reason = "unexpected error while parsing (RuntimeError: boom)"
    assert load_post(tmp_path, "p.md") == Problem("p.md", reason)


def test_load_post_rejects_a_nul_in_the_path(tmp_path: Path) -> None:
    assert load_post(tmp_path, "a\x00b.md") == Problem("a\x00b.md", "the path is not valid")


def test_load_post_size_in_megabytes(tmp_path: Path) -> None:
    (tmp_path / "big.md").write_bytes(b"x" * (3 * 1024 * 1024 + 100_000))
    result = load_post(tmp_path, "big.md", max_bytes=2 * 1024 * 1024)
    assert result == Problem("big.md", "file is 3.1 MB, over the 2 MB limit")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_load_post_refuses_a_fifo_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    assert load_post(tmp_path, "pipe.md") == Problem("pipe.md", "not a regular file")


def test_load_post_maps_permission_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Runs as root too (root ignores file modes): the OS error is simulated.
    def refuse(*_args: object) -> int:
        raise PermissionError(13, "Permission denied")

    (tmp_path / "p.md").write_bytes(yt())
    monkeypatch.setattr("vidbrowse.core.archive.parse.os.open", refuse)
    assert load_post(tmp_path, "p.md") == Problem("p.md", "permission denied")


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root reads files whatever their mode"
)
def test_load_post_permission_denied(tmp_path: Path) -> None:
    target = tmp_path / "secret.md"
    target.write_bytes(yt())
    target.chmod(0)
    try:
        assert load_post(tmp_path, "secret.md") == Problem("secret.md", "permission denied")
    finally:
        target.chmod(0o600)


_KEYS = st.sampled_from(
    ["vid_id", "title", "tags", "categories", "date", "vid_date", "duration", "viewcount", "image"]
)
_VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "[]",
            "{}",
            "[a, [b]]",
            "2020-13-45",
            "2020-01-01",
            "!!binary aGk=",
            "P1M",
            "-1",
            "1e400",
            ".nan",
            "!!set {a}",
            "|\n  x",
            '"\\x9d"',
            "&a x",
            "*a",
            "0x1F",
            "12:30:00",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_KEYS, _VALUES), max_size=8), st.text(max_size=40))
def test_any_front_matter_gives_a_post_or_a_post_error(
    items: list[tuple[str, str]], body: str
) -> None:
    front = "".join(f"{key}: {value}\n" for key, value in items)
    try:
        assert isinstance(parse_post(post(front, body), "p.md"), Post)
    except PostError as e:
        assert str(e) and "\n" not in str(e)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_any_bytes_give_a_post_or_a_post_error(data: bytes) -> None:
    for candidate in (data, b"---\n" + data):
        with contextlib.suppress(PostError):
            parse_post(candidate, "p.md")

"""Generated hostile and odd posts thrown at the parser and at the whole indexer.

Every generated file is one of three kinds: "good" (well-formed, however odd its values: it must
become a searchable post), "bad" (it must become a problem with a one-line reason) or "any"
(truncated files, random YAML: either, but never an exception and never lost). Examples tried per
run: 1,000 parse-level + 300 file-level + 40 archives of up to 25 posts (about 500 posts).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.cli import VIDBROWSE, cli_env
from vidbrowse.core.archive.parse import PostError, load_post, parse_post
from vidbrowse.core.archive.post import Post, Problem
from vidbrowse.core.library.library import Library

# What no text handed out by the parser may hold: C0/C1 controls (ESC, BEL, CSI…), bidi overrides.
UNSAFE = {chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]} - {"\n"}
UNSAFE |= set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

ODD_FIELDS = [
    "viewcount: [1, 2]",
    "viewcount: 99999999999999999999999",
    "likeCount: {a: 1}",
    "dislikeCount: -5",
    "date: 12345",
    "vid_date: 1.5",
    "date: 0001-01-01T00:00:00+14:00",
    "vid_date: 9999-12-31T23:59:59-12:00",
    'date: "not a date"',
    "duration: PTx",
    "duration: 1e308",
    "duration: P99999999999Y",
    "duration: -PT5S",
    "image: [x]",
    "channel: {a: b}",
    "categories: People-Blogs",
    "tags: [a, 1, 2.5, 2020-01-01, null, true]",
    "extra: {deep: [[[[1]]]], more: !!binary aGk=}",
    "url: https://www.dailymotion.com/video/x",
    "merged: {<<: {a: 1}}",
]
BODY_BITS = [
    "{% raw %}",
    "{% endraw %}",
    "{{ page.title }}",
    "{%",
    "<a href='http://example.org/x'>x</a>",
    "<br />",
    "<",
    "&amp;&lt;&#0;&#x1b;",
    "[bold]",
    "[@click=app.quit]",
    "\x1b]0;pwned\x07",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b[2J",
    "\u009b31m",
    "\u202e",
    "\x00",
    "\r\n",
    "\n---\n",
]
BAD_FRONT = [
    "tags: {a: 1}",
    "title: [a]",
    "vid_id: {x: 1}",
    "tags: [[a], {b: c}]",
    "categories: [a, [b]]",
    "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]",
    "x: !!python/object/apply:os.system ['echo pwned']",
    "x: !!python/name:os.system",
    "x: " + "[" * 5000 + "]" * 5000,
    "x: [unclosed",
    "x: 'unclosed",
    "- a\n- b",
]

_text = st.text(max_size=30)


def quoted(value: str | list[str]) -> str:
    """A YAML double-quoted scalar (or flow list of them) that reads back as `value`."""
    dumped = yaml.safe_dump(value, default_style='"', default_flow_style=True, width=10**9)
    return dumped.removesuffix("\n...\n").rstrip("\n")


@st.composite
def good_post(draw: st.DrawFn, n: int) -> tuple[bytes, dict[str, Any]]:
    word = f"zq{n}k"
    vid_id = f"vid{n}x"
    title = f"{word} {draw(_text)}"
    lines = [
        f"title: {quoted(title)}",
        f"vid_id: {quoted(vid_id)}",
        f"channel: {quoted(draw(_text))}",
        f"tags: {quoted(draw(st.lists(_text, max_size=8)))}",
        *draw(st.lists(st.sampled_from(ODD_FIELDS), max_size=4, unique=True)),
    ]
    lines = draw(st.permutations(lines))
    body = "".join(draw(st.lists(st.one_of(_text, st.sampled_from(BODY_BITS)), max_size=12)))
    text = "---\n" + "\n".join(lines) + "\n---\n" + body
    # A raw control or NUL inside a quoted title is dropped, not fatal.
    if draw(st.booleans()):
        text = text.replace(f'"{word} ', f'"{word} \x00\x1b', 1)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-crlf", "crlf"]))
    if encoding.endswith("crlf"):
        text = text.replace("\n", "\r\n")
        encoding = encoding.removesuffix("-crlf") if encoding != "crlf" else "utf-8"
    return text.encode(encoding), {"kind": "good", "word": word, "vid_id": vid_id}


@st.composite
def bad_post(draw: st.DrawFn, n: int) -> tuple[bytes, dict[str, Any]]:
    base = f'title: "zq{n}k"\nvid_id: "vid{n}x"\n'
    choice = draw(st.integers(0, 6))
    if choice == 0:
        data = ("---\n" + base + draw(st.sampled_from(BAD_FRONT)) + "\n---\nbody").encode()
    elif choice == 1:  # an invalid UTF-8 byte somewhere
        good = ("---\n" + base + "---\nsome body text").encode()
        at = draw(st.integers(0, len(good)))
        data = (
            good[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"])) + good[at:]
        )
    elif choice == 2:  # binary junk
        data = b"\x89PNG\r\n\x1a\n" + draw(st.binary(max_size=200))
    elif choice == 3:  # cut before the closing fence
        data = ("---\n" + base)[: draw(st.integers(0, len(base) + 3))].encode()
    elif choice == 4:  # no vid_id or no title
        data = f"---\n{draw(st.sampled_from(['title: x', 'vid_id: y', '']))}\n---\nbody".encode()
    elif choice == 5:  # UTF-16 that breaks off inside a character
        data = ("---\n" + base + "---\n").encode("utf-16") + b"\x00"
    else:
        data = b""
    return data, {"kind": "bad"}


def _random_yaml() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), _text, st.dates(), st.datetimes()
    )
    keys = st.sampled_from(["title", "vid_id", "tags", "viewcount", "date", "duration", "x"])
    return st.dictionaries(
        keys,
        st.recursive(
            scalars, lambda inner: st.lists(inner) | st.dictionaries(_text, inner), max_leaves=10
        ),
        max_size=6,
    )


@st.composite
def any_post(draw: st.DrawFn, n: int) -> tuple[bytes, dict[str, Any]]:
    if draw(st.booleans()):
        data, _ = draw(good_post(n))
        return data[: draw(st.integers(0, len(data)))], {"kind": "any"}
    front = yaml.safe_dump(draw(_random_yaml()), allow_unicode=draw(st.booleans()))
    return f"---\n{front}---\n{draw(_text)}".encode(), {"kind": "any"}


def hostile_post(n: int) -> st.SearchStrategy[tuple[bytes, dict[str, Any]]]:
    return st.one_of(good_post(n), bad_post(n), any_post(n))


def assert_safe(post: Post) -> None:
    for value in (post.title, post.channel, post.vid_id, *post.tags, *post.categories):
        assert not UNSAFE & set(value), repr(value)
        assert "\n" not in value
    assert not UNSAFE & set(post.text), repr(post.text)


def check_parsed(data: bytes, expect: dict[str, Any]) -> None:
    try:
        post = parse_post(data, "p.md")
    except PostError as error:
        assert expect["kind"] != "good", f"good post refused: {error}"
        assert str(error) and "\n" not in str(error)
        return
    assert expect["kind"] != "bad", f"bad post accepted: {data[:200]!r}"
    assert_safe(post)
    if expect["kind"] == "good":
        assert post.vid_id == expect["vid_id"]
        assert post.title.split()[0] == expect["word"]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6).flatmap(hostile_post))
def test_parser_gives_a_safe_post_or_a_one_line_reason(case: tuple[bytes, dict[str, Any]]) -> None:
    check_parsed(*case)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**6).flatmap(hostile_post))
def test_load_post_never_raises(case: tuple[bytes, dict[str, Any]]) -> None:
    data, expect = case
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "p.md").write_bytes(data)
        loaded = load_post(Path(folder), "p.md")
    assert isinstance(loaded, Post if expect["kind"] == "good" else Post | Problem)
    if isinstance(loaded, Problem):
        assert expect["kind"] != "good"
        assert loaded.path == "p.md" and loaded.reason and "\n" not in loaded.reason
        # Refused for a reason of its own, not by a parser bug caught at the last line.
        assert "unexpected error" not in loaded.reason


def posts_batch() -> st.SearchStrategy[list[tuple[bytes, dict[str, Any]]]]:
    return st.integers(1, 25).flatmap(
        lambda size: st.tuples(*(hostile_post(n) for n in range(size))).map(list)
    )


def index_and_check(archive: Path, cache: Path, cases: list[tuple[bytes, dict[str, Any]]]) -> None:
    names = []
    for n, (data, _) in enumerate(cases):
        name = f"_posts/{n:03}-p.md"
        (archive / name).write_bytes(data)
        names.append(name)
    with Library.open(archive, cache_dir=cache) as library:
        summary = library.update()
        problems = {p.path: p.reason for p in library.problems()}
        assert summary.posts + summary.problems == len(cases), "a file is neither post nor problem"
        for name, (_, expect) in zip(names, cases, strict=True):
            if expect["kind"] == "bad" or (expect["kind"] == "any" and name in problems):
                assert problems.get(name), f"{name} is not listed as a problem"
                assert "\n" not in problems[name]
                assert library.post(name) is None
                continue
            post = library.post(name)
            assert post is not None, f"{name} is lost"
            assert name not in problems
            if expect["kind"] == "good":
                found = library.search(expect["word"])
                assert name in [row.path for row in found.rows(0, found.total)]
                by_id = library.search(f"id:{expect['vid_id']}")
                assert [row.path for row in by_id.rows(0, by_id.total)] == [name]
                assert [p.path for p in library.find(expect["vid_id"])] == [name]
        # Every row can be shown: sorting by every key and reading rows does not trip on a value.
        for sort in ("uploaded", "posted", "views", "duration", "title", "likes"):
            results = library.search("", sort=sort)
            assert len(results.rows(0, results.total)) == summary.posts


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(posts_batch())
def test_every_good_post_is_searchable_and_every_bad_one_is_a_problem(
    cases: list[tuple[bytes, dict[str, Any]]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder, "archive")
        (archive / "_posts").mkdir(parents=True)
        index_and_check(archive, Path(folder, "cache"), cases)


def huge_posts() -> dict[str, bytes]:
    front = 'title: "{title}"\nvid_id: "{vid_id}"\n'
    return {
        "body.md": ("---\n" + front.format(title="zqbodyk", vid_id="big1") + "---\n").encode()
        + b"word <b>zqdeepk</b> &amp; filler " * (10 * 1024 * 1024 // 33),
        "title.md": (
            "---\n" + front.format(title="zqtitlek " + "t" * 100_000, vid_id="big2") + "---\n"
        ).encode(),
        "tags.md": (
            "---\n"
            + front.format(title="zqtagsk", vid_id="big3")
            + f"tags: {json.dumps([f'tag{i}' for i in range(10_000)])}\n---\n"
        ).encode(),
        "nested.md": b"---\ntitle: x\nvid_id: big4\nx: " + b"[" * 100_000 + b"\n---\n",
        "laughs.md": b"---\ntitle: x\nvid_id: big5\n"
        + b"".join(
            b"l%d: &l%d [" % (i, i) + b", ".join([b"*l%d" % (i - 1)] * 9) + b"]\n"
            for i in range(1, 10)
        ).replace(b"*l0", b"lol")
        + b"---\n",
        "python.md": b"---\ntitle: x\nvid_id: big6\nx: !!python/object/apply:os.system "
        b"['touch PWNED']\n---\n",
    }


# Runs a command, then prints its peak RSS (KB) on a line of its own; exits with its code.
PEAK_OF = (
    "import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:]); "
    "_, status, usage = os.wait4(p.pid, 0); sys.stdout.flush(); print(usage.ru_maxrss); "
    "sys.exit(os.waitstatus_to_exitcode(status))"
)


def test_huge_and_nasty_posts_in_bounded_memory(tmp_path: Path) -> None:
    """A 10 MB body, a 100 KB title, 10,000 tags, 100,000-deep nesting, an alias bomb and a
    python tag, indexed by a real `vidbrowse index`: its peak RSS stays under a generous bound
    (135 MB measured)."""
    archive = tmp_path / "archive"
    (archive / "_posts").mkdir(parents=True)
    for name, data in huge_posts().items():
        (archive / "_posts" / name).write_bytes(data)
    env = cli_env(tmp_path / "cache")
    # Started from a small parent: a child forked from the test's worker counts the worker's
    # pages in its peak (Linux keeps the high-water mark across exec; 426 MB seen so).
    done = subprocess.run(
        [sys.executable, "-c", PEAK_OF, *VIDBROWSE, "index", str(archive)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    *out, peak = done.stdout.decode().splitlines()
    assert done.returncode == 0, done.stderr.decode()
    assert "3 posts indexed, 3 unreadable" in "\n".join(out)
    peak_mb = int(peak) / 1024  # Linux reports kilobytes
    assert peak_mb < 400, f"indexing used {peak_mb:.0f} MB"
    assert not (tmp_path / "PWNED").exists()
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        for word in ("zqbodyk", "zqdeepk", "zqtitlek", "zqtagsk", "tag9999"):
            assert library.search(word).total == 1, word
        reasons = {p.path: p.reason for p in library.problems()}
        assert (
            "nested too deeply" in reasons["_posts/nested.md"]
            or "nesting" in reasons["_posts/nested.md"]
        )
        assert "anchors or aliases" in reasons["_posts/laughs.md"]
        assert "constructor" in reasons["_posts/python.md"]
    problems = subprocess.run(
        [*VIDBROWSE, "problems", str(archive)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    for name in ("nested.md", "laughs.md", "python.md"):
        line = next(x for x in problems.stdout.splitlines() if x.startswith(f"_posts/{name}: "))
        assert len(line) > len(f"_posts/{name}: ") + 5


def test_a_parser_bug_quoting_the_post_is_still_one_clean_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(body: str) -> tuple[str, tuple[str, ...]]:
        raise ValueError(f"cannot handle {body!s}")

    (tmp_path / "p.md").write_bytes(b"---\ntitle: t\nvid_id: v\n---\nline one\n\x1b[2J\nline two")
    monkeypatch.setattr("vidbrowse.core.archive.parse.clean_body", broken)
    loaded = load_post(tmp_path, "p.md")
    assert isinstance(loaded, Problem)
    assert loaded.reason.startswith("unexpected error while parsing (ValueError: cannot handle")
    assert not UNSAFE & set(loaded.reason) and "\n" not in loaded.reason

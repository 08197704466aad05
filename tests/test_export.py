"""Each export format, parsed back: every row, in order, with the values the posts hold."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from vidbrowse.core.archive.post import Post
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.search import Results
from vidbrowse.core.reports.export import (
    CSV_FIELDS,
    FORMATS,
    atomic_text,
    export,
    export_file,
    export_path,
)
from vidbrowse.core.review.state import Review
from vidbrowse.generate import generate_archive

HOSTILE = """---
title: "=HYPERLINK(\\"x\\") [a](b) *star* `code` \\\\ <b>"
vid_id: "hostile1"
channel: "-Chan_nel"
tags: ["a,b", "c"]
vid_date: "2014-09-11T00:25:14Z"
---
{% raw %}text{% endraw %}
"""
MD_LINE = re.compile(
    r"^- \[(?P<title>(?:\\.|[^\\\]])*)\]\((?P<url>[^()\s]+)\)(?: — (?P<rest>.*))?$"
)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("archive")
    generate_archive(root, 40, seed=3)
    (root / "_posts" / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    cache = tmp_path_factory.mktemp("cache")
    with Library.open(root, cache_dir=cache) as lib:
        lib.update()
        yield lib


@pytest.fixture(scope="module")
def results(library: Library) -> Results:
    return library.search("", sort="title")


def expected(library: Library, results: Results) -> list[Post]:
    posts = [library.post(row.path) for row in results.rows(0, results.total)]
    assert all(posts)
    return posts  # type: ignore[return-value]


def run(library: Library, results: Results, fmt: str, **options: object) -> str:
    out = io.StringIO()
    written = export(library, results, fmt, out, **options)  # type: ignore[arg-type]
    assert written == (options.get("limit") or results.total)
    return out.getvalue()


def test_csv_parses_back(library: Library, results: Results, tmp_path: Path) -> None:
    with Review.open(library.archive, data_dir=tmp_path) as review:
        posts = expected(library, results)
        review.marks.update(posts[0], starred=True, note='said "hi", then\nleft')
        rows = list(csv.DictReader(io.StringIO(run(library, results, "csv", marks=review.marks))))
    assert tuple(rows[0]) == CSV_FIELDS
    assert [r["path"] for r in rows] == [p.path for p in posts]
    first = rows[0]
    assert (first["starred"], first["read"], first["note"]) == (
        "yes",
        "no",
        'said "hi", then\nleft',
    )
    for row, post in zip(rows, posts, strict=True):
        assert row["url"] == post.url
        assert row["views"] == ("" if post.views is None else str(post.views))
        if post.vid_id == "hostile1":
            # A spreadsheet must not run a formula from a post.
            assert row["title"] == "'" + post.title and row["channel"] == "'-Chan_nel"
            assert row["tags"] == "a,b; c"
        else:
            assert row["title"] == post.title
            assert row["tags"] == "; ".join(post.tags)


def test_json_lines_parse_back(library: Library, results: Results) -> None:
    records = [json.loads(line) for line in run(library, results, "json").splitlines()]
    posts = expected(library, results)
    assert [r["path"] for r in records] == [p.path for p in posts]
    for record, post in zip(records, posts, strict=True):
        assert record["title"] == post.title and record["tags"] == list(post.tags)
        assert record["duration"] == post.duration and record["url"] == post.url
        assert (record["starred"], record["read"], record["note"]) == (False, False, "")


def test_markdown_links_parse_back(library: Library, results: Results) -> None:
    lines = run(library, results, "md").splitlines()
    posts = expected(library, results)
    assert len(lines) == len(posts)
    for line, post in zip(lines, posts, strict=True):
        m = MD_LINE.match(line)
        assert m, line
        assert re.sub(r"\\(.)", r"\1", m["title"]) == post.title
        assert m["url"] == post.url
        if post.uploaded is not None:
            assert m["rest"].endswith(post.uploaded.strftime("%Y-%m-%d"))
    hostile = next(line for line in lines if "hostile1" in line)
    assert "\\[a\\](b) \\*star\\* \\`code\\`" in hostile and "\\<b\\>" in hostile


def test_urls_and_limit(library: Library, results: Results) -> None:
    urls = run(library, results, "urls", limit=5).splitlines()
    assert urls == [p.url for p in expected(library, results)[:5]]


def test_unknown_format(library: Library, results: Results) -> None:
    assert FORMATS == ("csv", "json", "md", "urls")
    with pytest.raises(ValueError, match="use one of csv, json, md, urls"):
        export(library, results, "xml", io.StringIO())


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("", "all"),
        ("   ", "all"),
        ("music -tag:x", "music-tag-x"),
        ('tag:"Café Olé" views:>1M', "tag-cafe-ole-views-1m"),
        ("../../etc/passwd", "etc-passwd"),
        ("नमस्ते", "query"),
        ("word " * 30, "word-word-word-word-word-word-word-word"),
        ("x" * 100, "x" * 40),
    ],
)
def test_an_export_name_carries_a_safe_short_slug_of_its_query(query: str, slug: str) -> None:
    path = export_path("csv", Path("/out"), datetime(2026, 11, 29, 20, 45, 0), query=query)
    assert path == Path("/out") / f"vidbrowse-{slug}-20261129-204500.csv"


def test_export_file_is_atomic_and_named(
    library: Library, results: Results, tmp_path: Path
) -> None:
    first = export_path("json", tmp_path, datetime(2026, 11, 29, 20, 45, 0))
    assert first == tmp_path / "vidbrowse-all-20261129-204500.jsonl"
    assert export_file(library, results, "json", first, limit=3) == 3
    assert len(first.read_text(encoding="utf-8").splitlines()) == 3
    second = export_path("json", tmp_path, datetime(2026, 11, 29, 20, 45, 0))
    assert second.name == "vidbrowse-all-20261129-204500-2.jsonl"

    class Interrupted(Exception):
        pass

    def explode(*_: object) -> None:
        raise Interrupted

    with pytest.raises(Interrupted), atomic_text(first) as out:
        out.write("half")
        explode()
    assert len(first.read_text(encoding="utf-8").splitlines()) == 3  # the old file stands
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]

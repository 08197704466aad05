"""Timeline (years, or months when narrow), durations, totals, and narrowing a query to a bar."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vidbrowse.core.library.library import Library
from vidbrowse.core.reports.stats import Bar, durations, narrow, result_stats, timeline, totals

# (vid_date, duration, views)
POSTS = [
    ("2012-05-01T00:00:00Z", "PT30S", "10"),
    ("2014-03-02T00:00:00Z", "PT2M", "20"),
    ("2014-03-30T23:59:59Z", "P0D", ""),
    ("2014-11-30T00:00:00Z", "PT1H", "5"),
    ("", "PTx", "1"),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("archive")
    for i, (uploaded, duration, views) in enumerate(POSTS):
        (root / f"p{i}.md").write_text(
            f'---\ntitle: "Post {i} words"\nvid_id: "id{i}"\nvid_date: "{uploaded}"\n'
            f'duration: "{duration}"\nviewcount: "{views}"\n---\nbody\n'
        )
    with Library.open(root, cache_dir=tmp_path_factory.mktemp("cache")) as lib:
        lib.update()
        yield lib


def test_years_with_empty_years_kept(library: Library) -> None:
    line = timeline(library.search(""))
    assert line.unit == "year" and line.unknown == 1
    assert [(b.label, b.count) for b in line.bars] == [("2012", 1), ("2013", 0), ("2014", 3)]


def test_months_when_the_span_is_two_years_or_less(library: Library) -> None:
    line = timeline(library.search("uploaded:2014"))
    assert line.unit == "month"
    assert [b.label for b in line.bars] == [f"2014-{m:02}" for m in range(3, 12)]
    assert [b.count for b in line.bars] == [2, 0, 0, 0, 0, 0, 0, 0, 1]


def test_narrowing_to_a_bar_selects_its_posts(library: Library) -> None:
    query = "words uploaded:2012..2014"
    year = next(b for b in timeline(library.search(query)).bars if b.label == "2014")
    narrowed = narrow(query, year)
    assert narrowed == "words uploaded:2014"
    assert library.search(narrowed).total == year.count == 3
    march = timeline(library.search(narrowed)).bars[0]
    assert narrow(narrowed, march) == "words uploaded:2014-03"
    assert library.search(narrow(narrowed, march)).total == 2
    for bucket in durations(library.search("")):
        if bucket.value:
            assert library.search(narrow("", bucket)).total == bucket.count, bucket
    with pytest.raises(ValueError, match="no query selects"):
        narrow("", Bar("unknown", 1, "duration", ""))


def test_duration_buckets_and_totals(library: Library) -> None:
    results = library.search("")
    counts = {b.label: b.count for b in durations(results)}
    assert counts == {"live": 1, "<1m": 1, "1–5m": 1, "5–20m": 0, "20–60m": 1, ">1h": 0,
                      "unknown": 1}  # fmt: skip
    total = totals(results)
    assert (total.posts, total.views, total.unknown_views) == (5, 36, 1)
    assert (total.seconds, total.unknown_duration, total.live) == (30 + 120 + 3600, 1, 1)
    assert result_stats(results).totals == total


def test_no_results(library: Library) -> None:
    empty = result_stats(library.search("zzznothing"))
    assert empty.timeline.bars == () and empty.totals.posts == 0 and empty.totals.first is None


def test_the_longest_bucket_selects_what_its_label_says(library: Library) -> None:
    """The ">1h" bar once wrote `duration:>=1h`: a one-hour post was in it, but not in what
    `duration:>1h` (its label) finds."""
    buckets = durations(library.search(""))
    longest = next(b for b in buckets if b.label == ">1h")
    assert narrow("", longest) == "duration:>1h"
    assert library.search("duration:>1h").total == longest.count == 0
    hour = next(b for b in buckets if b.label == "20–60m")
    assert library.search(narrow("", hour)).total == hour.count == 1  # PT1H

"""Numbers about a set of results: a timeline by upload date, durations, totals.

Plain data the TUI charts and the CLI prints; computed with numpy over the results' positions
(a few ms for 100k results). Each bar and bucket carries the query value that narrows to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vidbrowse.core.query.columns import Columns
from vidbrowse.core.query.editing import with_range
from vidbrowse.core.query.search import Results

# Up to this many months from the first upload to the last, the timeline counts months.
MONTHS_MAX = 24
# (label, low, high seconds — half-open, query value for `duration:`). Each query selects
# exactly its bucket, and says what its label says: ">1h" is `>1h`, so an hour is "20–60m".
DURATION_BUCKETS = (
    ("live", 0, 1, "0"),
    ("<1m", 1, 60, "1s..59s"),
    ("1–5m", 60, 300, "1m..4m59s"),
    ("5–20m", 300, 1200, "5m..19m59s"),
    ("20–60m", 1200, 3601, "20m..1h"),
    (">1h", 3601, None, ">1h"),
)


@dataclass(frozen=True, slots=True)
class Bar:
    """One period of the timeline (`label` "2014" or "2014-03") or one duration bucket."""

    label: str
    count: int
    field: str  # the query field the bar narrows: "uploaded" or "duration"
    value: str  # what to put after `field:` (see query.with_range)


@dataclass(frozen=True, slots=True)
class Timeline:
    unit: str  # "year" or "month"
    bars: tuple[Bar, ...]  # every period from the first upload to the last, empty ones too
    unknown: int  # results without an upload date


@dataclass(frozen=True, slots=True)
class Totals:
    posts: int
    views: int  # the sum of the known view counts
    unknown_views: int
    seconds: int  # the sum of the known durations
    unknown_duration: int
    live: int  # durations of 0 (P0D): live streams
    first: int | None  # earliest upload, POSIX seconds
    last: int | None


@dataclass(frozen=True, slots=True)
class ResultStats:
    timeline: Timeline
    durations: tuple[Bar, ...]  # DURATION_BUCKETS in order, then "unknown" (value "")
    totals: Totals


def _parts(results: Results) -> tuple[Columns, np.ndarray]:
    if results.columns is None:
        return Columns([]), np.empty(0, dtype=np.int64)
    return results.columns, results.positions


def timeline(results: Results) -> Timeline:
    columns, positions = _parts(results)
    column = columns.numeric["uploaded"]
    known = column.known[positions]
    seconds = column.values[positions][known]
    unknown = int(len(positions) - known.sum())
    if not len(seconds):
        return Timeline("year", (), unknown)
    months = seconds.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    first, last = int(months.min()), int(months.max())
    if last - first < MONTHS_MAX:
        counts = np.bincount(months - first, minlength=last - first + 1)
        bars = tuple(
            Bar(label, int(count), "uploaded", label)
            for label, count in zip(_month_labels(first, len(counts)), counts, strict=True)
        )
        return Timeline("month", bars, unknown)
    years = months // 12
    counts = np.bincount(years - first // 12)
    bars = tuple(
        Bar(str(1970 + first // 12 + i), int(count), "uploaded", str(1970 + first // 12 + i))
        for i, count in enumerate(counts)
    )
    return Timeline("year", bars, unknown)


def _month_labels(first: int, count: int) -> list[str]:
    return [f"{1970 + (first + i) // 12:04}-{(first + i) % 12 + 1:02}" for i in range(count)]


def durations(results: Results) -> tuple[Bar, ...]:
    columns, positions = _parts(results)
    column = columns.numeric["duration"]
    known = column.known[positions]
    values = column.values[positions][known]
    bars = []
    for label, low, high, value in DURATION_BUCKETS:
        inside = values >= low if high is None else (values >= low) & (values < high)
        bars.append(Bar(label, int(inside.sum()), "duration", value))
    bars.append(Bar("unknown", int(len(positions) - known.sum()), "duration", ""))
    return tuple(bars)


def totals(results: Results) -> Totals:
    columns, positions = _parts(results)

    def known_values(name: str) -> tuple[np.ndarray, int]:
        column = columns.numeric[name]
        known = column.known[positions]
        return column.values[positions][known], int(len(positions) - known.sum())

    views, unknown_views = known_values("views")
    seconds, unknown_duration = known_values("duration")
    uploaded, _ = known_values("uploaded")
    return Totals(
        posts=len(positions),
        views=int(views.sum()),
        unknown_views=unknown_views,
        seconds=int(seconds.sum()),
        unknown_duration=unknown_duration,
        live=int((seconds == 0).sum()),
        first=int(uploaded.min()) if len(uploaded) else None,
        last=int(uploaded.max()) if len(uploaded) else None,
    )


def result_stats(results: Results) -> ResultStats:
    return ResultStats(timeline(results), durations(results), totals(results))


def narrow(query: str, bar: Bar) -> str:
    """The query narrowed to `bar` (`cats` + 2014 → `cats uploaded:2014`; a range already on
    that field is replaced). Raises ValueError for the "unknown" bucket (no query names it) and
    QueryError when `query` does not parse."""
    if not bar.value:
        raise ValueError(f"no query selects the {bar.label!r} bar")
    return with_range(query, bar.field, bar.value)

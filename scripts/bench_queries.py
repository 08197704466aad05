"""The fixed query mix of the benchmark, and its translation for each peer.

Each kind has ten different queries (so a result cache cannot make a kind look faster than it
is), built from the generator's vocabulary: the words exist in every generated data set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vidbrowse.generate import vocabulary

PAGE = 50  # rows a results page holds, in every engine


@dataclass(frozen=True, slots=True)
class Query:
    kind: str
    text: str  # vidbrowse query language
    sort: str | None = None
    # SQLite FTS5 peer: a MATCH expression, or an SQL query giving the matching rowids.
    fts_match: str | None = None
    fts_rowids: tuple[str, tuple[object, ...]] | None = None
    fts_order: str = "uploaded DESC"  # order of the first page when there is no MATCH rank
    # grep/rg peer: regexes a file must all match (case-insensitive); None: no scan equivalent.
    scan: tuple[str, ...] | None = None


COMMON = ("video", "music", "song", "news", "game", "play", "run", "make", "love", "world")
PAIRS = (
    ("music", "video"),
    ("game", "play"),
    ("love", "song"),
    ("world", "news"),
    ("run", "fast"),
    ("make", "money"),
    ("learn", "english"),
    ("cook", "food"),
    ("build", "house"),
    ("city", "night"),
)
PREFIXES = ("mus", "vid", "gam", "pla", "run", "tra", "lov", "wor", "sci", "foo")
FUZZY = ("muzic", "vidao", "gome", "sang", "nevs", "plai", "rum", "mace", "lave", "wirld")
FIELDS = (
    ("title", "music"),
    ("title", "love"),
    ("channel", "tv"),
    ("channel", "official"),
    ("title", "game"),
    ("text", "running"),
    ("title", "news"),
    ("channel", "show"),
    ("title", "world"),
    ("text", "guitar"),
)
TAG_PAIRS = (
    ("music", "song"),
    ("guitar", "piano"),
    ("game", "minecraft"),
    ("learn", "history"),
    ("recipe", "cooking"),
    ("news", "election"),
    ("football", "goal"),
    ("dog", "cat"),
    ("car", "engine"),
    ("life", "family"),
)
MIN, HOUR = 60, 3600
DURATIONS = (
    ("<1m", None, MIN),
    ("1m..5m", MIN, 5 * MIN + 1),
    ("5m..10m", 5 * MIN, 10 * MIN + 1),
    ("10m..20m", 10 * MIN, 20 * MIN + 1),
    (">1h", HOUR + 1, None),
    ("20m..1h", 20 * MIN, HOUR + 1),
    ("<30s", None, 30),
    ("2m..3m", 2 * MIN, 3 * MIN + 1),
    (">2h", 2 * HOUR + 1, None),
    ("3m..4m", 3 * MIN, 4 * MIN + 1),
)
VIEWS = (
    (">1m", 1_000_001, None),
    ("10k..100k", 10_000, 100_001),
    ("<1000", None, 1000),
    ("100k..1m", 100_000, 1_000_001),
    (">100m", 100_000_001, None),
    ("1k..10k", 1000, 10_001),
    ("<100", None, 100),
    ("500k..2m", 500_000, 2_000_001),
    (">10m", 10_000_001, None),
    ("50..500", 50, 501),
)
DATES = (
    ("uploaded", "2019", "2019-01-01", "2020-01-01"),
    ("uploaded", "2015..2018", "2015-01-01", "2019-01-01"),
    ("posted", "2021-06", "2021-06-01", "2021-07-01"),
    ("uploaded", "2020-03", "2020-03-01", "2020-04-01"),
    ("posted", "2022", "2022-01-01", "2023-01-01"),
    ("uploaded", "2010..2012", "2010-01-01", "2013-01-01"),
    ("uploaded", "<2010", None, "2010-01-01"),
    ("posted", "2020-01..2020-06", "2020-01-01", "2020-07-01"),
    ("uploaded", "2021-12-25", "2021-12-25", "2021-12-26"),
    ("uploaded", ">2021", "2022-01-01", None),
)


def _posix(day: str | None) -> int | None:
    return None if day is None else int(datetime.fromisoformat(day + "T00:00+00:00").timestamp())


def _range_sql(column: str, low: int | None, high: int | None) -> tuple[str, tuple[object, ...]]:
    """SQL for the rowids with low <= column < high (None: unbounded)."""
    parts: list[str] = [f"{column} IS NOT NULL"]
    params: list[object] = []
    if low is not None:
        parts.append(f"{column} >= ?")
        params.append(low)
    if high is not None:
        parts.append(f"{column} < ?")
        params.append(high)
    return f"SELECT rowid FROM meta WHERE {' AND '.join(parts)}", tuple(params)


_TAG_SQL = "SELECT rowid FROM tags WHERE tag = ?"


def query_mix() -> list[Query]:
    rare = vocabulary()[8000:8010]  # synthetic words of rank ~8,000: tens of posts per 10k
    mix: list[Query] = []
    mix += [Query("common word", w, fts_match=w, scan=(rf"\b{w}\b",)) for w in COMMON]
    mix += [Query("rare word", w, fts_match=w, scan=(rf"\b{w}\b",)) for w in rare]
    mix += [
        Query("two words", f"{a} {b}", fts_match=f"{a} {b}", scan=(rf"\b{a}\b", rf"\b{b}\b"))
        for a, b in PAIRS
    ]
    mix += [
        Query("phrase", f'"{a} {b}"', fts_match=f'"{a} {b}"', scan=(rf"\b{a}\s+{b}\b",))
        for a, b in PAIRS
    ]
    mix += [Query("prefix", f"{p}*", fts_match=f"{p}*", scan=(rf"\b{p}",)) for p in PREFIXES]
    # FTS5 has no fuzzy matching and a fixed regex is no fair stand-in: vidbrowse only.
    mix += [Query("fuzzy", f"{w}~") for w in FUZZY]
    mix += [
        Query(
            "field",
            f"{f}:{w}",
            fts_match=f"{f}:{w}",
            # Only the title and channel sit on one line of the file; body words are anywhere.
            scan=(rf"^{f}:.*\b{w}\b",) if f != "text" else (rf"\b{w}\b",),
        )
        for f, w in FIELDS
    ]
    mix += [
        Query(
            "tag AND tag",
            f"tag:{a} tag:{b}",
            fts_rowids=(f"{_TAG_SQL} INTERSECT {_TAG_SQL}", (a, b)),
        )
        for a, b in TAG_PAIRS
    ]
    mix += [
        Query("duration range", f"duration:{t}", fts_rowids=_range_sql("duration", lo, hi))
        for t, lo, hi in DURATIONS
    ]
    mix += [
        Query("views range", f"views:{t}", fts_rowids=_range_sql("views", lo, hi))
        for t, lo, hi in VIEWS
    ]
    mix += [
        Query(
            "date range",
            f"{f}:{t}",
            fts_rowids=_range_sql(f, _posix(lo), _posix(hi)),
        )
        for f, t, lo, hi in DATES
    ]
    mix += [
        Query(
            "empty, by views",
            "",
            sort="views",
            fts_rowids=("SELECT rowid FROM meta", ()),
            fts_order="views DESC",
        )
        for _ in range(10)
    ]
    return mix


KINDS = tuple(dict.fromkeys(q.kind for q in query_mix()))

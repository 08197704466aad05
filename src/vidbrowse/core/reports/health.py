"""Archive health beyond unreadable files: posts sharing a vid_id, missing fields, odd values.

Everything is grouped and counted. Missing fields come from the columns (numpy, all posts at
once); odd values are the warnings the parser recorded (negative counts, unparseable durations
and dates…), stored with each post.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vidbrowse.core.library.library import Library
    from vidbrowse.core.query.columns import Columns

# Fields whose absence is worth reporting (dislikes are missing from most modern posts: noise).
MISSING_FIELDS = ("channel", "uploaded", "posted", "duration", "views", "likes", "tags")
# "duration 'PTx' is not ISO 8601" → "duration … is not ISO 8601": the value goes, the kind stays.
_WARNING = re.compile(r"^(\w+) (?:'.*'|\".*\"|-?\d\S*) (.+)$")


@dataclass(frozen=True, slots=True)
class Group:
    """One kind of finding and the posts it concerns. kind: "duplicate" (label: the vid_id),
    "missing" (label: the field) or "odd" (label: what is odd, e.g. "duration … is not ISO
    8601"). `items` are (path, detail) pairs: detail is the parser's warning for "odd", "" else."""

    kind: str
    label: str
    items: tuple[tuple[str, str], ...]

    @property
    def count(self) -> int:
        return len(self.items)


def check(library: Library) -> list[Group]:
    """Every finding, duplicates first, then missing fields, then odd values; each kind's
    groups largest first."""
    columns = library.search("", facet_limit=0).columns
    assert columns is not None
    return duplicates(columns) + missing(columns) + odd_values(library.warnings())


def duplicates(columns: Columns) -> list[Group]:
    by_id: dict[str, list[str]] = defaultdict(list)
    for vid_id, path in zip(columns.vid_ids, columns.paths, strict=True):
        by_id[vid_id].append(path)
    groups = [
        Group("duplicate", vid_id, tuple((p, "") for p in sorted(paths)))
        for vid_id, paths in by_id.items()
        if len(paths) > 1
    ]
    return sorted(groups, key=lambda g: (-g.count, g.label))


def missing(columns: Columns) -> list[Group]:
    groups = []
    for name in MISSING_FIELDS:
        if name == "channel":
            absent = np.fromiter((not c.strip() for c in columns.channels), bool, len(columns))
        elif name == "tags":
            absent = np.fromiter((not t for t in columns.tags), bool, len(columns))
        else:
            absent = ~columns.numeric[name].known
        paths = sorted(columns.paths[i] for i in np.flatnonzero(absent).tolist())
        if paths:
            groups.append(Group("missing", name, tuple((p, "") for p in paths)))
    return sorted(groups, key=lambda g: -g.count)


# A result column and the facet holding its values (the others are numeric columns).
_LISTED = {"channel": "channel", "tags": "tag", "categories": "category"}


def never_known(columns: Columns | None) -> frozenset[str]:
    """The result columns (core/options.RESULT_COLUMNS) no post has a value in: an archive of
    Dailymotion posts has no channel, upload date, duration or counts, and a table of `?`
    under them tells nothing. Microseconds, also at a million posts."""
    if columns is None or not len(columns):
        return frozenset()
    blank = {name for name, column in columns.numeric.items() if not column.known.any()}
    blank.update(name for name, facet in _LISTED.items() if not len(columns.facets[facet].rows))
    return frozenset(blank)


def warning_kind(warning: str) -> str:
    m = _WARNING.match(warning)
    return f"{m.group(1)} … {m.group(2)}" if m else warning


def odd_values(warnings: list[tuple[str, tuple[str, ...]]]) -> list[Group]:
    by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path, found in warnings:
        for warning in found:
            by_kind[warning_kind(warning)].append((path, warning))
    groups = [Group("odd", kind, tuple(items)) for kind, items in by_kind.items()]
    return sorted(groups, key=lambda g: (-g.count, g.label))

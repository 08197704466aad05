"""What the CLI prints: aligned tables for people, JSON lines for scripts.

Post text is data: table cells go through `printable` (no escape sequence reaches the terminal) and
JSON escapes what `json.dumps` would leave raw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from rich.cells import cell_len, set_cell_size

from vidbrowse.cells import unjoined, use_terminal_widths
from vidbrowse.core.display import (
    clock,
    day,
    human_count,
    partly_known,
    plural,
    printable,
    short_clock,
)

# Types only: a table of results must not pay for importing the engine twice over.
if TYPE_CHECKING:
    from vidbrowse.core.archive.post import Post, Problem
    from vidbrowse.core.query.search import Row
    from vidbrowse.core.reports.health import Group
    from vidbrowse.core.reports.stats import Bar, ResultStats
    from vidbrowse.core.review.marks import Mark


use_terminal_widths()  # table columns measured as the terminal draws them (Hindi, emoji)


def problem_record(problem: Problem) -> dict[str, str]:
    return {"path": problem.path, "reason": problem.reason}


def fit(text: str, width: int) -> str:
    """Exactly `width` terminal cells: wide characters (CJK, emoji) counted as two."""
    text = unjoined(printable(text).replace("\n", " ").replace("\t", " "))
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def table(rows: Sequence[Sequence[str]], widths: Sequence[int | None], out: TextIO) -> None:
    """Write rows in columns; one column of width None takes what the others leave."""
    for cells in rows:
        out.write(
            "  ".join(
                fit(cell, width) if width else printable(cell)
                for cell, width in zip(cells, widths, strict=True)
            ).rstrip()
            + "\n"
        )


# The table's columns: header, right-aligned, cells (None: a share of what the others leave).
_RESULT_COLUMNS: dict[str, tuple[str, bool, int | None, Callable[[Row], str]]] = {
    "uploaded": ("UPLOADED", False, 10, lambda r: day(r.uploaded)),
    "duration": ("DURATION", True, 8, lambda r: short_clock(r.duration)),
    "views": ("VIEWS", True, 6, lambda r: human_count(r.views)),
    "title": ("TITLE", False, None, lambda r: r.title),
    "channel": ("CHANNEL", False, None, lambda r: r.channel),
}


def results_table(
    rows: Sequence[Row], total_width: int | None, out: TextIO, blank: frozenset[str] = frozenset()
) -> None:
    """The results as columns, leaving out the `blank` ones (no post of the archive has a value
    there; never the title); `total_width` None (not a terminal) truncates nothing."""
    columns = [
        column for name, column in _RESULT_COLUMNS.items() if name == "title" or name not in blank
    ]
    widths = [column[2] for column in columns]
    if total_width is None:  # each text column as wide as its widest value
        flexible = [max((cell_len(printable(c[3](r))) for r in rows), default=0) for c in columns]
    else:  # the title two thirds of what is left, the channel the rest
        rest = max(total_width - sum(w or 0 for w in widths) - 2 * (len(columns) - 1), 20)
        title = max(rest * 2 // 3, 10) if "channel" not in blank else rest
        flexible = [title if c[0] == "TITLE" else max(rest - title, 8) for c in columns]
    cells = [w or max(f, len(c[0])) for w, f, c in zip(widths, flexible, columns, strict=True)]
    body = [
        [c[3](r).rjust(w) if c[1] else c[3](r) for c, w in zip(columns, cells, strict=True)]
        for r in rows
    ]
    table([[c[0] for c in columns], *body], cells, out)


def post_text(post: Post, mark: Mark, out: TextIO) -> None:
    """Everything about one post and your marks on it, for a person."""
    from vidbrowse.core.reports.export import iso

    unknown = "unknown"
    fields = [
        ("Title", post.title),
        ("Channel", post.channel or unknown),
        ("Uploaded", iso(post.uploaded) or unknown),
        ("Posted", iso(post.posted) or unknown),
        ("Duration", clock(post.duration) if post.duration is not None else unknown),
        ("Views", f"{post.views:,}" if post.views is not None else unknown),
        ("Likes", f"{post.likes:,}" if post.likes is not None else unknown),
        ("Dislikes", f"{post.dislikes:,}" if post.dislikes is not None else unknown),
        ("Tags", ", ".join(post.tags) or "none"),
        ("Categories", ", ".join(post.categories) or "none"),
        ("URL", post.url),
        ("ID", post.vid_id),
        ("Path", post.path),
        ("Starred", "yes" if mark.starred else "no"),
        ("Read", "yes" if mark.read else "no"),
        ("Note", mark.note.replace("\n", " ")),
    ]
    for label, value in fields:
        out.write(f"{label + ':':<12}{printable(value)}\n")
    for warning in post.warnings:
        out.write(f"{'Warning:':<12}{printable(warning)}\n")
    out.write("\n" + printable(post.text) + "\n")
    if post.links:
        out.write("\nLinks:\n" + "".join(f"  {printable(link)}\n" for link in post.links))


# --- stats -------------------------------------------------------------------------------------


def stats_record(numbers: ResultStats) -> dict[str, Any]:
    """`vidbrowse stats --json`: one object."""
    timeline, totals = numbers.timeline, numbers.totals
    return {
        "unit": timeline.unit,
        "timeline": [{"period": bar.label, "count": bar.count} for bar in timeline.bars],
        "unknown_uploaded": timeline.unknown,
        "durations": [{"bucket": bar.label, "count": bar.count} for bar in numbers.durations],
        "posts": totals.posts,
        "views": totals.views,
        "unknown_views": totals.unknown_views,
        "seconds": totals.seconds,
        "unknown_duration": totals.unknown_duration,
        "live": totals.live,
        "first_uploaded": day(totals.first) if totals.first is not None else None,
        "last_uploaded": day(totals.last) if totals.last is not None else None,
    }


def bar_chart(bars: Sequence[Bar], width: int, out: TextIO) -> None:
    """One line per bar: label, count, and a bar scaled to the largest (eighths of a cell)."""
    label_width = max((cell_len(b.label) for b in bars), default=0)
    count_width = max((len(f"{b.count:,}") for b in bars), default=1)
    room = max(width - label_width - count_width - 4, 10)
    top = max((b.count for b in bars), default=0) or 1
    for bar in bars:
        eighths = round(bar.count / top * room * 8)
        if bar.count and not eighths:
            eighths = 1  # a non-empty bar never looks empty
        drawn = "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")
        out.write(f"{fit(bar.label, label_width)}  {bar.count:>{count_width},}  {drawn}".rstrip())
        out.write("\n")


_EIGHTHS = " ▏▎▍▌▋▊▉"


def stats_text(numbers: ResultStats, width: int, out: TextIO) -> None:
    timeline, totals = numbers.timeline, numbers.totals
    if not totals.posts:  # charts of zeros tell nothing
        out.write("0 posts\n")
        return
    hours = totals.seconds / 3600
    views = partly_known(plural(totals.views, "view"), totals.unknown_views, totals.posts, "views")
    length = partly_known(f"{hours:,.1f} hours", totals.unknown_duration, totals.posts, "length")
    out.write(f"{plural(totals.posts, 'post')}, {views}, {length}\n")
    if totals.first is not None and totals.last is not None:
        out.write(f"uploaded {day(totals.first)} to {day(totals.last)}\n")
    out.write(f"\nBy upload {timeline.unit}:\n")
    bar_chart(timeline.bars, width, out)
    if timeline.unknown:
        out.write(f"(no upload date: {timeline.unknown:,})\n")
    out.write("\nBy duration:\n")
    if totals.unknown_duration == totals.posts:  # a chart of zeros tells nothing
        out.write(f"(no duration: {totals.unknown_duration:,})\n")
    else:
        bar_chart(numbers.durations, width, out)


# --- health ------------------------------------------------------------------------------------

_GROUP_TITLES = {
    "duplicate": "Posts sharing a vid_id",
    "missing": "Missing fields",
    "odd": "Odd values",
}


def group_record(group: Group) -> dict[str, Any]:
    """`vidbrowse problems --json`: one line per group."""
    record: dict[str, Any] = {"kind": group.kind, "count": group.count}
    if group.kind == "duplicate":
        record |= {"vid_id": group.label, "paths": [path for path, _ in group.items]}
    elif group.kind == "missing":
        record |= {"field": group.label, "paths": [path for path, _ in group.items]}
    else:
        record |= {
            "what": group.label,
            "posts": [{"path": path, "warning": warning} for path, warning in group.items],
        }
    return record


def health_text(
    groups: Sequence[Group], examples: int | None, out: TextIO, *, after: bool = True
) -> None:
    """Each kind under a heading, each group counted, `examples` paths per group (None: all).
    `after`: lines were printed before, so each heading is set apart by a blank line."""
    for kind, title in _GROUP_TITLES.items():
        mine = [g for g in groups if g.kind == kind]
        if not mine:
            continue
        posts = sum(g.count for g in mine)
        counted = {
            "duplicate": f"{plural(len(mine), 'id')}, {plural(posts, 'post')}",
            "missing": plural(len(mine), "field"),
            "odd": f"{plural(len(mine), 'kind')}, {plural(posts, 'value')}",
        }
        out.write(f"{chr(10) if after else ''}{title}: {counted[kind]}\n")
        after = True
        for group in mine:
            out.write(f"  {printable(group.label)}: {group.count:,}\n")
            shown = group.items if examples is None else group.items[:examples]
            for path, detail in shown:
                out.write(f"    {printable(path)}{f'  ({printable(detail)})' if detail else ''}\n")
            if len(shown) < group.count:
                out.write(f"    … and {group.count - len(shown):,} more\n")


def health_summary(groups: Sequence[Group]) -> str:
    duplicates = sum(1 for g in groups if g.kind == "duplicate")
    missing = sum(g.count for g in groups if g.kind == "missing")
    odd = sum(g.count for g in groups if g.kind == "odd")
    return (
        f"{plural(duplicates, 'shared id')}, {plural(missing, 'missing field')}, "
        f"{plural(odd, 'odd value')}"
    )

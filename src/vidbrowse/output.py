"""What the CLI prints: aligned tables for people, JSON lines for scripts.

Post text is data: table cells go through `printable` (no escape sequence reaches the terminal) and
JSON escapes what `json.dumps` would leave raw.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from rich.cells import cell_len, set_cell_size

from vidbrowse.core.display import clock, day, human_count, json_escape_unsafe, printable
from vidbrowse.core.post import Post, Problem
from vidbrowse.core.search import Row


def json_line(record: dict[str, Any]) -> str:
    return json_escape_unsafe(json.dumps(record, ensure_ascii=False))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def post_record(post: Post, *, score: float | None = None, full: bool = False) -> dict[str, Any]:
    """The JSON form of a post: a search hit with its score, or (`full`) all of it with the text."""
    record: dict[str, Any] = {
        "vid_id": post.vid_id,
        "title": post.title,
        "channel": post.channel,
        "url": post.url,
        "uploaded": _iso(post.uploaded),
        "posted": _iso(post.posted),
        "duration": post.duration,
        "views": post.views,
        "likes": post.likes,
        "dislikes": post.dislikes,
        "tags": list(post.tags),
        "categories": list(post.categories),
        "path": post.path,
        "source": post.source,
    }
    if full:
        record |= {"image": post.image, "links": list(post.links), "text": post.text,
                   "warnings": list(post.warnings)}
    else:
        record["score"] = score
    return record


def problem_record(problem: Problem) -> dict[str, str]:
    return {"path": problem.path, "reason": problem.reason}


def fit(text: str, width: int) -> str:
    """Exactly `width` terminal cells: wide characters (CJK, emoji) counted as two."""
    text = printable(text).replace("\n", " ").replace("\t", " ")
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def table(rows: Sequence[Sequence[str]], widths: Sequence[int | None], out: TextIO) -> None:
    """Write rows in columns; one column of width None takes what the others leave."""
    for cells in rows:
        out.write(
            "  ".join(fit(cell, width) if width else printable(cell) for cell, width in
                      zip(cells, widths, strict=True)).rstrip()
            + "\n"
        )


def results_table(rows: Sequence[Row], total_width: int | None, out: TextIO) -> None:
    """The results as columns; `total_width` None (not a terminal) truncates nothing."""
    fixed = (10, 8, 6)  # uploaded, duration, views
    if total_width is None:
        title_width = max((cell_len(printable(r.title)) for r in rows), default=5)
        channel_width = max((cell_len(printable(r.channel)) for r in rows), default=7)
    else:
        rest = max(total_width - sum(fixed) - 2 * 4, 20)
        title_width = max(rest * 2 // 3, 10)
        channel_width = max(rest - title_width, 8)
    header = [("UPLOADED", "DURATION", "VIEWS", "TITLE", "CHANNEL")]
    body = [
        (day(r.uploaded), clock(r.duration).rjust(8), human_count(r.views).rjust(6), r.title,
         r.channel)
        for r in rows
    ]
    table(header + body, (*fixed, max(title_width, 5), max(channel_width, 7)), out)


def post_text(post: Post, out: TextIO) -> None:
    """Everything about one post, for a person."""
    unknown = "unknown"
    fields = [
        ("Title", post.title),
        ("Channel", post.channel),
        ("Uploaded", _iso(post.uploaded) or unknown),
        ("Posted", _iso(post.posted) or unknown),
        ("Duration", clock(post.duration) if post.duration is not None else unknown),
        ("Views", f"{post.views:,}" if post.views is not None else unknown),
        ("Likes", f"{post.likes:,}" if post.likes is not None else unknown),
        ("Dislikes", f"{post.dislikes:,}" if post.dislikes is not None else unknown),
        ("Tags", ", ".join(post.tags)),
        ("Categories", ", ".join(post.categories)),
        ("URL", post.url),
        ("ID", post.vid_id),
        ("Path", post.path),
    ]
    for label, value in fields:
        out.write(f"{label + ':':<12}{printable(value)}\n")
    for warning in post.warnings:
        out.write(f"{'Warning:':<12}{printable(warning)}\n")
    out.write("\n" + printable(post.text) + "\n")
    if post.links:
        out.write("\nLinks:\n" + "".join(f"  {printable(link)}\n" for link in post.links))

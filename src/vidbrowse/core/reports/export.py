"""Writing results out: CSV, JSON lines, Markdown links or plain URLs, one row at a time.

Every format streams to a text file object (nothing holds the whole export). A row needs its Post
(the URL is not in the columns): one store lookup each.
"""

from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from vidbrowse.core.archive.post import Post
from vidbrowse.core.display import day, json_escape_unsafe, printable
from vidbrowse.core.options import FORMATS
from vidbrowse.core.review.marks import DEFAULT, Mark

if TYPE_CHECKING:
    from vidbrowse.core.library.library import Library
    from vidbrowse.core.query.search import Results
    from vidbrowse.core.review.marks import Marks

EXTENSIONS = {"csv": "csv", "json": "jsonl", "md": "md", "urls": "txt"}
CSV_FIELDS = (
    "vid_id", "title", "channel", "url", "uploaded", "posted", "duration", "views", "likes",
    "dislikes", "tags", "categories", "links", "path", "source", "score", "starred", "read",
    "note",
)  # fmt: skip
SLUG_LENGTH = 40  # the query's part of an export's file name, at most
# Multi-valued fields in one CSV cell.
LIST_SEP = "; "
# A cell starting with these is a formula to a spreadsheet (CSV injection): prefixed with '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters that could start emphasis, code, a link or HTML inside a link's text.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~])")
# What would end or break a Markdown link target.
_URL_UNSAFE = re.compile(r"[\s()<>]")


def json_line(record: dict[str, Any]) -> str:
    return json_escape_unsafe(json.dumps(record, ensure_ascii=False))


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with its offset, or None when unknown."""
    return moment.isoformat() if moment else None


def post_record(
    post: Post, *, score: float | None = None, full: bool = False, mark: Mark | None = None
) -> dict[str, Any]:
    """The JSON form of a post: a search hit with its score (and its mark when given), or
    (`full`) all of it with the text."""
    record: dict[str, Any] = {
        "vid_id": post.vid_id,
        "title": post.title,
        "channel": post.channel,
        "url": post.url,
        "uploaded": iso(post.uploaded),
        "posted": iso(post.posted),
        "duration": post.duration,
        "views": post.views,
        "likes": post.likes,
        "dislikes": post.dislikes,
        "tags": list(post.tags),
        "categories": list(post.categories),
        "links": list(post.links),
        "path": post.path,
        "source": post.source,
    }
    if full:
        record |= {"image": post.image, "text": post.text, "warnings": list(post.warnings)}
    else:
        record["score"] = score
    if mark is not None:
        record |= {"starred": mark.starred, "read": mark.read, "note": mark.note}
    return record


def hits(
    library: Library, results: Results, limit: int | None = None
) -> Iterator[tuple[Post, float | None]]:
    """(post, score) for the results in order, fetched in small batches; posts removed since
    the search are skipped (nothing true is left to write about them)."""
    total = results.total if limit is None else min(limit, results.total)
    batch = 500
    for start in range(0, total, batch):
        for row in results.rows(start, min(start + batch, total)):
            post = library.post(row.path)
            if post is not None:
                yield post, row.score


def export(
    library: Library,
    results: Results,
    fmt: str,
    out: TextIO,
    *,
    marks: Marks | None = None,
    limit: int | None = None,
) -> int:
    """Write `results` (the first `limit`, or all) to `out` in `fmt` (one of FORMATS); returns
    the rows written. CSV and JSON carry starred/read/note columns (defaults without marks).
    Raises ValueError for an unknown format; OSError from `out` passes through."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(CSV_FIELDS)
    count = 0
    for post, score in hits(library, results, limit):
        mark = marks.get(post) if marks is not None else DEFAULT
        if writer is not None:
            writer.writerow(csv_row(post, score, mark))
        elif fmt == "json":
            out.write(json_line(post_record(post, score=score, mark=mark)) + "\n")
        elif fmt == "md":
            out.write(markdown_line(post) + "\n")
        else:
            out.write(printable(post.url).replace("\n", " ") + "\n")
        count += 1
    return count


def query_slug(query: str) -> str:
    """The query as a file name's part: ASCII letters and digits (accents dropped), runs of
    anything else one `-`, at most SLUG_LENGTH characters; `all` for the empty query, `query`
    for one with nothing left (e.g. only Devanagari or punctuation)."""
    folded = unicodedata.normalize("NFKD", query.casefold()).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if len(slug) > SLUG_LENGTH:
        cut = slug[:SLUG_LENGTH]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut  # at a word's end when it can
    if slug:
        return slug
    return "query" if query.strip() else "all"


def export_path(
    fmt: str, folder: Path | None = None, now: datetime | None = None, *, query: str = ""
) -> Path:
    """A fresh file name for an export of `query`'s results:
    `<folder>/vidbrowse-tag-music-20261129-204500.csv` (folder: the current one; `-2`, `-3`…
    when the name is taken)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = Path.cwd() if folder is None else folder
    stem = f"vidbrowse-{query_slug(query)}-{stamp}"
    path = folder / f"{stem}.{EXTENSIONS[fmt]}"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"{stem}-{number}.{EXTENSIONS[fmt]}"
    return path


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A text file that appears at `path` only once fully written (through a hidden temporary
    file beside it, renamed at the end): an interrupted export leaves nothing half-written.
    Raises OSError."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def export_file(
    library: Library,
    results: Results,
    fmt: str,
    path: Path,
    *,
    marks: Marks | None = None,
    limit: int | None = None,
) -> int:
    """`export` into the file `path`, atomically (see atomic_text); returns the rows written.
    Raises OSError (e.g. an unwritable folder) and ValueError (unknown format)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    with atomic_text(path) as out:
        return export(library, results, fmt, out, marks=marks, limit=limit)


def csv_row(post: Post, score: float | None, mark: Mark) -> list[object]:
    record = post_record(post, score=score, mark=mark)
    cells: list[object] = []
    for name in CSV_FIELDS:
        value = record[name]
        if isinstance(value, list):
            value = LIST_SEP.join(value)
        elif value is None:
            value = ""
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        if isinstance(value, str) and value.startswith(_FORMULA_START):
            value = "'" + value
        cells.append(value)
    return cells


def markdown_line(post: Post) -> str:
    """`- [title](url) — channel, 2014-09-11`; markup in the title and channel is escaped, so
    text from a post stays text."""
    title = _md_text(post.title)
    url = _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", printable(post.url))
    details = [_md_text(post.channel)] if post.channel else []
    if post.uploaded is not None:
        details.append(day(int(post.uploaded.timestamp())))
    line = f"- [{title}]({url})"
    return f"{line} — {', '.join(details)}" if details else line


def _md_text(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", printable(text).replace("\n", " "))

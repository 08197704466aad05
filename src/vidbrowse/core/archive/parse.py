"""Bytes of a post file → a typed, clean `Post`, or a `Problem` saying in one line why not.

Front matter is split here (not by python-frontmatter) so the silent cases it has — a BOM before
`---`, a missing closing fence, a list or scalar front matter — become clear problems, and it is
read with libyaml's safe loader: `!!python/...` tags are refused, never executed.
"""

from __future__ import annotations

import math
import os
import re
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import isodate
import yaml

from vidbrowse.core.archive.clean import clean_body, clean_line
from vidbrowse.core.archive.names import name_bytes
from vidbrowse.core.archive.post import NOT_A_POST, Post, Problem
from vidbrowse.core.archive.scan import looks_like_post


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader, noting the keys a mapping repeats (YAML keeps the last silently)
    and keeping an impossible unquoted date (`2021-02-30`) as text: the date field then gets a
    warning, as it does quoted, instead of the whole post failing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        if len(set(keys)) < len(keys):
            self.repeated += sorted({key for key in keys if keys.count(key) > 1})
        return super().construct_mapping(node, deep)

    def construct_lenient_timestamp(self, node: yaml.ScalarNode) -> object:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_lenient_timestamp)

MAX_POST_BYTES = 16 * 1024 * 1024
MAX_FRONT_MATTER_CHARS = 1024 * 1024
MAX_NUMBER = 2**63 - 1  # counts and durations must fit the 64-bit columns built from them
_FIRST_LINE = 2  # the front matter's first line in the file, for YAML error messages

# Controls YAML refuses (or, for NEL, reads as a line break inside a title). They carry no text,
# so dropping them repairs the post instead of losing it.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]+")
_OPEN_FENCE = re.compile(r"---[ \t]*(?:\n|\Z)")
_CLOSE_FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
# A cheap hint that the front matter may hold an anchor or alias; confirmed with the parser.
_MAYBE_ALIAS = re.compile(r"(?:^|[\s\[{,:-])[&*][^\s\]},]")


class PostError(ValueError):
    """Why a post cannot be used, as one line a person understands."""


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise PostError(f"not UTF-16 text (bad data at offset {e.start})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise PostError(
            f"not UTF-8 text (invalid byte 0x{data[e.start]:02x} at offset {e.start})"
        ) from None


def _split(text: str) -> tuple[str, str]:
    """(front matter, body); the front matter starts on the file's second line."""
    if not text.strip():
        raise PostError("empty file")
    if not _OPEN_FENCE.match(text):
        raise PostError("no front matter")
    start = text.find("\n") + 1 if "\n" in text else len(text)
    close = _CLOSE_FENCE.search(text, start)
    if close is None:
        raise PostError("front matter is not closed (no second '---' line)")
    if close.start() - start > MAX_FRONT_MATTER_CHARS:
        raise PostError("front matter is over 1 MB")
    body_start = text.find("\n", close.end())
    body = "" if body_start < 0 else text[body_start + 1 :]
    return text[start : close.start()], body


def _yaml_error(e: yaml.YAMLError) -> PostError:
    mark = getattr(e, "problem_mark", None)
    message = getattr(e, "problem", None) or getattr(e, "context", None) or str(e)
    message = clean_line(str(message))[:120]
    if mark is None:
        return PostError(f"YAML error: {message}")
    return PostError(f"YAML error at line {mark.line + _FIRST_LINE}: {message}")


def _load_yaml(front: str, warnings: list[str]) -> dict[Any, Any]:
    try:
        # An alias can repeat a huge structure many times over (the "billion laughs"); real posts
        # never use anchors, so refuse them rather than risk expanding one.
        if _MAYBE_ALIAS.search(front) and any(
            isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None)
            for ev in yaml.parse(front, Loader=_Loader)
        ):
            raise PostError("front matter uses YAML anchors or aliases, which are not accepted")
        loader = _Loader(front)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
        for key in loader.repeated:
            warnings.append(f"{clean_line(key)[:40]!r} is given twice; the last one is kept")
    except yaml.YAMLError as e:
        raise _yaml_error(e) from None
    except RecursionError:
        raise PostError("front matter is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as e:
        # The safe constructors raise these for values like an unquoted `date: 2020-13-45`.
        raise PostError(f"YAML error: {clean_line(str(e))[:120]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PostError("front matter is not a mapping (key: value lines)")
    return data


def _is_scalar(value: object) -> bool:
    return isinstance(value, (str, int, float, date))


def _text(fm: dict[Any, Any], key: str, warnings: list[str], *, required: bool = False) -> str:
    value = fm.get(key)
    if value is None:
        return ""
    if not _is_scalar(value):
        if required:
            raise PostError(f"{key} must be text")
        warnings.append(f"{key} is not text; ignored")
        return ""
    return clean_line(str(value))


def _text_list(fm: dict[Any, Any], key: str) -> tuple[str, ...]:
    value = fm.get(key)
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    seen: dict[str, str] = {}
    for item in items:
        if item is None:
            continue
        if not _is_scalar(item):
            raise PostError(f"{key} must be a list of strings")
        text = clean_line(str(item))
        if text:
            seen.setdefault(text.casefold(), text)
    return tuple(seen.values())


def _datetime(fm: dict[Any, Any], key: str, warnings: list[str]) -> datetime | None:
    value = fm.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text.strip())
        except ValueError:
            warnings.append(f"{key} {clean_line(text)[:40]!r} is not an ISO 8601 date")
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    warnings.append(f"{key} {clean_line(str(value))[:40]!r} is not a date")
    return None


def _duration(fm: dict[Any, Any], warnings: list[str]) -> int | None:
    value = fm.get("duration")
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_NUMBER:
        return value  # a bare number can only mean seconds
    shown = repr(clean_line(str(value))[:40])
    try:
        parsed = isodate.parse_duration(str(value).strip())
        if isinstance(parsed, isodate.Duration):
            # Years and months have no fixed length; measure them from a fixed day.
            warnings.append(f"duration {shown} uses years or months; approximated")
            parsed = parsed.totimedelta(start=datetime(2000, 1, 1))
    except (ValueError, TypeError):
        warnings.append(f"duration {shown} is not ISO 8601")
        return None
    except OverflowError:
        warnings.append(f"duration {shown} is too long")
        return None
    seconds = int(parsed / timedelta(seconds=1))
    if seconds < 0:
        warnings.append(f"duration {shown} is negative")
        return None
    return seconds


def _count(fm: dict[Any, Any], key: str, warnings: list[str]) -> int | None:
    """A view/like count. `""` means unknown (None, silently); nonsense is None with a warning."""
    value = fm.get(key)
    if value is None or value == "":
        return None
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        digits = value.strip().replace(",", "").replace("_", "").replace(" ", "")
        if not digits:
            return None
        try:
            number = int(digits)
        except ValueError:
            try:
                number = float(digits)
            except ValueError:
                number = None
    if number is None or not math.isfinite(number):
        warnings.append(f"{key} {clean_line(str(value))[:40]!r} is not a number")
        return None
    if number < 0:
        warnings.append(f"{key} {value!r} is negative")
        return None
    if number > MAX_NUMBER:
        warnings.append(f"{key} {clean_line(str(value))[:40]!r} is too large")
        return None
    return int(number)


def _source(vid_id: str, image: str, fm: dict[Any, Any]) -> tuple[str, str]:
    host = (urlsplit(image).hostname or "") if image else ""
    other = fm.get("url")
    if (
        host.endswith("dmcdn.net")
        or "dailymotion" in host
        or (isinstance(other, str) and "dailymotion" in other)
    ):
        return "dailymotion", f"https://www.dailymotion.com/video/{quote(vid_id, safe='')}"
    return "youtube", f"https://www.youtube.com/watch?v={quote(vid_id, safe='')}"


def parse_post(data: bytes, path: str) -> Post:
    """Parse one post file's bytes. Raises PostError with a one-line reason."""
    text = _decode(data).lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    warnings: list[str] = []
    text, removed = _CONTROLS.subn("", text)
    if removed:
        warnings.append(f"removed {removed} run(s) of control characters")
    front, body = _split(text)
    fm = _load_yaml(front, warnings)

    vid_id = _text(fm, "vid_id", warnings, required=True)
    if not vid_id:
        raise PostError("no vid_id")
    title = _text(fm, "title", warnings, required=True)
    if not title:
        raise PostError("no title")
    image = _text(fm, "image", warnings)
    source, url = _source(vid_id, image, fm)
    clean_text, links = clean_body(body)
    return Post(
        path=path,
        vid_id=vid_id,
        title=title,
        channel=_text(fm, "channel", warnings),
        tags=_text_list(fm, "tags"),
        categories=_text_list(fm, "categories"),
        posted=_datetime(fm, "date", warnings),
        uploaded=_datetime(fm, "vid_date", warnings),
        duration=_duration(fm, warnings),
        views=_count(fm, "viewcount", warnings),
        likes=_count(fm, "likeCount", warnings),
        dislikes=_count(fm, "dislikeCount", warnings),
        image=image,
        url=url,
        source=source,
        text=clean_text,
        links=links,
        warnings=tuple(warnings),
    )


def _size(n: int, *, limit: bool = False) -> str:
    if n < 1024 * 1024:
        return f"{n:,} bytes"
    size = f"{n / (1024 * 1024):.1f}"
    return f"{size.removesuffix('.0') if limit else size} MB"


def _read(full: bytes, max_bytes: int) -> bytes:
    """Read a regular file, refusing anything else before reading it. Raises PostError."""
    # O_NONBLOCK: opening a FIFO must not hang; it is refused by the type check below.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(full, flags)
    except FileNotFoundError:
        raise PostError("file not found") from None
    except PermissionError:
        raise PostError("permission denied") from None
    except IsADirectoryError:
        raise PostError("is a directory, not a file") from None
    except OSError as e:
        raise PostError(f"cannot open: {e.strerror or e}") from None
    except ValueError:  # a NUL byte in the path
        raise PostError("the path is not valid") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise PostError("is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise PostError("not a regular file")
        if st.st_size > max_bytes:
            raise PostError(
                f"file is {_size(st.st_size)}, over the {_size(max_bytes, limit=True)} limit"
            )
        with os.fdopen(fd, "rb", closefd=False) as f:
            # Sized to the file: asking for max_bytes would allocate 16 MB for every 2 KB post.
            data = f.read(st.st_size + 1)
            if len(data) > st.st_size:  # it grew while we looked: read on up to the limit
                data += f.read(max_bytes + 1 - len(data))
    except OSError as e:
        raise PostError(f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # grew while we looked
        raise PostError(f"file is over the {_size(max_bytes, limit=True)} limit")
    return data


def load_post(root: Path, path: str, *, max_bytes: int = MAX_POST_BYTES) -> Post | Problem:
    """Read and parse `root / path` (path POSIX, relative, escaped as names.py says). Never
    raises: failures are Problems, a file that is not a post one whose reason is NOT_A_POST."""
    try:
        data = _read(os.fsencode(root) + b"/" + name_bytes(path), max_bytes)
    except PostError as e:
        return Problem(path, str(e))
    try:
        return parse_post(data, path)
    except PostError as e:
        return Problem(path, str(e) if looks_like_post(path, data) else NOT_A_POST)
    except Exception as e:  # a parser bug must cost one post, not the whole archive scan
        # The message may quote the post: keep it to one clean line.
        return Problem(
            path, clean_line(f"unexpected error while parsing ({type(e).__name__}: {e})")[:200]
        )

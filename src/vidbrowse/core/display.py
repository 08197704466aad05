"""Turning values into short human text, and post text into something safe for a terminal.

Shared by the CLI and the TUI so both show `43K`, `1:32` and `2014-09-11` the same way.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# C0 (but tab/newline), DEL, C1, and the bidi overrides/isolates that can reorder a terminal line.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


# What an update is doing, in words (core/library's Progress phases), for the app's progress row
# and `vidbrowse index` on a terminal.
PHASES = {
    "wait": "Waiting for another vidbrowse to finish indexing…",
    "scan": "Scanning the archive…",
    "parse": "Reading posts…",
    "index": "Reading and indexing posts…",
    "write": "Writing the index…",  # every post read: the last segments' words being written
    "commit": "Saving…",  # a batch searchable: the results grow
    "merge": "Merging the index's segments…",
}


def printable(text: str) -> str:
    """Replace each control or bidi-override character with U+FFFD: it cannot act on a terminal."""
    return _UNSAFE.sub("\ufffd", text)


def json_escape_unsafe(encoded: str) -> str:
    """Escape, in already-encoded JSON text, what json.dumps(ensure_ascii=False) leaves raw."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def plural(count: int, noun: str) -> str:
    """1 → '1 result', 2036 → '2,036 results'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def partly_known(total: str, unknown: int, posts: int, noun: str) -> str:
    """A total over posts that may lack the value: '2.3B views', '2.3B views (12 unknown)', or
    'views unknown' when none has it (a Dailymotion export: '0 views' would be false)."""
    if posts and unknown >= posts:
        return f"{noun} unknown"
    return total + (f" ({unknown:,} unknown)" if unknown else "")


def human_count(value: int | None) -> str:
    """43336 → '43K', 1234567 → '1.2M', 999950 → '1M' (never '1000K'); None → '?' (unknown is
    not zero)."""
    if value is None:
        return "?"
    units = ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K"), (1, ""))
    for index, (limit, suffix) in enumerate(units):
        if abs(value) < limit and limit > 1:
            continue
        text = _short(value / limit)
        if text.lstrip("-") == "1000" and index:  # rounded up into the next unit
            return _short(value / units[index - 1][0]) + units[index - 1][1]
        return text + suffix
    return str(value)


def _short(scaled: float) -> str:
    """One decimal below 10 (dropped when it is 0), none above."""
    text = f"{scaled:.1f}" if abs(round(scaled, 1)) < 10 else f"{scaled:.0f}"
    return text.removesuffix(".0")


def clock(seconds: int | None) -> str:
    """92 → '1:32', 3723 → '1:02:03', 86400 → '24:00:00' (full hours, never cut), 0 → 'live'
    (P0D marks a live stream); None → '?'."""
    if seconds is None:
        return "?"
    if seconds == 0:
        return "live"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def short_clock(seconds: int | None) -> str:
    """`clock` in at most 7 cells, for a column: from 10 hours on, hours and minutes
    ('24h00m'), from 100 hours on, days and hours ('10d00h')."""
    if seconds is None or seconds < 36_000:
        return clock(seconds)
    hours, rest = divmod(seconds, 3600)
    if hours < 100:
        return f"{hours}h{rest // 60:02}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02}h"


def day(timestamp: int | None) -> str:
    """POSIX seconds → '2014-09-11' (UTC); None → '?'."""
    if timestamp is None:
        return "?"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")

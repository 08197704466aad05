"""Turning values into short human text, and post text into something safe for a terminal.

Shared by the CLI and the TUI so both show `43K`, `1:32` and `2014-09-11` the same way.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# C0 (but tab/newline), DEL, C1, and the bidi overrides/isolates that can reorder a terminal line.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def printable(text: str) -> str:
    """Replace each control or bidi-override character with U+FFFD: it cannot act on a terminal."""
    return _UNSAFE.sub("\ufffd", text)


def json_escape_unsafe(encoded: str) -> str:
    """Escape, in already-encoded JSON text, what json.dumps(ensure_ascii=False) leaves raw."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def human_count(value: int | None) -> str:
    """43336 → '43K', 1234567 → '1.2M'; None → '?' (unknown is not zero)."""
    if value is None:
        return "?"
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if abs(value) >= limit:
            scaled = value / limit
            text = f"{scaled:.1f}" if scaled < 10 else f"{scaled:.0f}"
            return text.removesuffix(".0") + suffix
    return str(value)


def clock(seconds: int | None) -> str:
    """92 → '1:32', 3723 → '1:02:03', 0 → 'live' (P0D marks a live stream); None → '?'."""
    if seconds is None:
        return "?"
    if seconds == 0:
        return "live"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def day(timestamp: int | None) -> str:
    """POSIX seconds → '2014-09-11' (UTC); None → '?'."""
    if timestamp is None:
        return "?"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")

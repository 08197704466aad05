"""Values after `duration:`, `views:`, `uploaded:`… : counts, durations, dates, and the ranges
written with them."""

from __future__ import annotations

import calendar
import re
from decimal import Decimal

from vidbrowse.core.query.nodes import COUNT_FIELDS, DATE_FIELDS, QueryError, Range

MAX_VALUE = 2**63 - 1  # every count, duration and date is a 64-bit column value
_LONG_NUMBER = re.compile(r"\d{20,}")  # more digits than any 64-bit value has
_COUNT_RE = re.compile(r"(\d[\d,]*(?:\.\d+)?)([kmb]?)", re.IGNORECASE)
_COUNT_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_GROUPED_RE = re.compile(r"\d{1,3}(?:,\d{3})+")
_UNITS_RE = re.compile(
    r"(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?",
    re.IGNORECASE,
)
_CLOCK_RE = re.compile(r"(?:(\d+):)?(\d+):(\d{1,2})")
_ISO_RE = re.compile(
    r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", re.IGNORECASE
)
_DATE_RE = re.compile(
    r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?Z?)?)?)?",
    re.IGNORECASE,
)


def parse_count(text: str) -> int:
    """`1000`, `1,000`, `1.5k`, `43K`, `1M`, `2B` → an int. Raises ValueError."""
    m = _COUNT_RE.fullmatch(text)
    if m:
        number, suffix = m.groups()
        whole = number.split(".")[0]
        if "," not in whole or _GROUPED_RE.fullmatch(whole):
            value = Decimal(number.replace(",", "")) * _COUNT_SUFFIX[suffix.lower()]
            if value == value.to_integral_value():
                return int(value)
    raise ValueError(f"'{text}' is not a count (try 1000, 1,000, 1.5k, 2M)")


def parse_duration(text: str) -> int:
    """`90`, `90s`, `10m`, `1h30m`, `2d`, `1:30`, `1:02:03`, `PT1M30S` → seconds.
    Raises ValueError."""
    seconds: Decimal | None = None
    if text.isdigit():
        seconds = Decimal(text)
    elif m := _CLOCK_RE.fullmatch(text):
        hours, minutes, secs = m.groups()
        # Only the leading part may exceed 59: `90:00` is 90 minutes, `1:75` is a typo.
        if int(secs) < 60 and (hours is None or int(minutes) < 60):
            seconds = Decimal(int(hours or 0) * 3600 + int(minutes) * 60 + int(secs))
    elif (m := _UNITS_RE.fullmatch(text)) and any(m.groups()):
        seconds = _weighted(m.groups(), (86400, 3600, 60, 1))
    elif (m := _ISO_RE.fullmatch(text)) and any(m.groups()):
        seconds = _weighted(m.groups(), (604800, 86400, 3600, 60, 1))
    if seconds is not None and seconds == seconds.to_integral_value():
        return int(seconds)
    raise ValueError(f"'{text}' is not a duration (try 90s, 10m, 1h30m, 1:30)")


def _weighted(parts: tuple[str | None, ...], weights: tuple[int, ...]) -> Decimal:
    return sum(
        (Decimal(part) * weight for part, weight in zip(parts, weights, strict=True) if part),
        Decimal(0),
    )


def parse_date_period(text: str) -> tuple[int, int]:
    """`2014`, `2014-03`, `2014-03-05`, `2014-03-05T10:00[:30]` → the whole period it names, as
    half-open UTC POSIX seconds [start, end). Raises ValueError."""
    m = _DATE_RE.fullmatch(text)
    try:
        if not m:
            raise ValueError
        year, month, day, hour, minute, second = (int(g) if g else None for g in m.groups())
        assert year is not None
        if month is None:
            return _utc(year, 1, 1), _utc(year + 1, 1, 1)
        if not 1 <= month <= 12:
            raise ValueError
        if day is None:
            next_month = (year + 1, 1) if month == 12 else (year, month + 1)
            return _utc(year, month, 1), _utc(*next_month, 1)
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise ValueError
        start = _utc(year, month, day)
        if hour is None:
            return start, start + 86400
        assert minute is not None
        if hour > 23 or minute > 59 or (second or 0) > 59:
            raise ValueError
        start += hour * 3600 + minute * 60 + (second or 0)
        return start, start + (60 if second is None else 1)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (try 2014, 2014-03, 2014-03-05)") from None


def _utc(year: int, month: int, day: int) -> int:
    return calendar.timegm((year, month, day, 0, 0, 0))


def _period(field_name: str, text: str) -> tuple[int, int]:
    """The half-open set of integers a single range value stands for."""
    if field_name in DATE_FIELDS:
        return parse_date_period(text)
    value = parse_count(text) if field_name in COUNT_FIELDS else parse_duration(text)
    return value, value + 1


def parse_range(field_name: str, text: str, position: int = 0) -> Range:
    """The value after `duration:` etc.: `>x`, `>=x`, `<x`, `<=x`, `a..b`, `a..`, `..b` or `x`.
    Every value names a period (a number is the period of itself, a date its whole day, month or
    year); bounds include or exclude whole periods. Raises QueryError."""

    def period(value: str, offset: int) -> tuple[int, int]:
        if not value:
            raise QueryError(f"missing value in '{field_name}:{clip(text)}'", position + offset)
        if long := _LONG_NUMBER.search(value):
            raise QueryError(
                f"a number of {len(long.group())} digits is too large for '{field_name}:'",
                position + offset + long.start(),
            )
        try:
            low, high = _period(field_name, value)
        except ValueError as exc:
            raise QueryError(str(exc), position + offset) from None
        if high > MAX_VALUE:
            raise QueryError(f"'{clip(value)}' is too large for '{field_name}:'", position + offset)
        return low, high

    for op in (">=", "<=", ">", "<"):
        if text.startswith(op):
            low, high = period(text[len(op) :], len(op))
            if op == ">=":
                return Range(field_name, low, None)
            if op == ">":
                return Range(field_name, high, None)
            return Range(field_name, None, low if op == "<" else high)
    if ".." in text:
        left, _, right = text.partition("..")
        if not left and not right:
            raise QueryError(f"'{field_name}:..' needs at least one end", position)
        first = period(left, 0)[0] if left else None
        last = period(right, len(left) + 2)[1] if right else None
        if first is not None and last is not None and first >= last:
            raise QueryError(f"range '{text}' is reversed: write low..high", position)
        return Range(field_name, first, last)
    low, high = period(text, 0)
    return Range(field_name, low, high)


def clip(text: str, size: int = 30) -> str:
    """A value quoted in a message, cut short: the message stays one readable line."""
    return text if len(text) <= size else text[: size - 1] + "…"

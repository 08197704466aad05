import json

import pytest

from vidbrowse.core.display import (
    clock,
    day,
    human_count,
    json_escape_unsafe,
    printable,
    short_clock,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "?"), (0, "0"), (999, "999"), (1000, "1K"), (43336, "43K"), (1_234_567, "1.2M"),
     (1_700_000_000, "1.7B"), (12_000_000, "12M"),
     # Rounding up into the next unit: once '1000K' and '1000M'.
     (999_499, "999K"), (999_500, "1M"), (999_950, "1M"), (999_999_999, "1B"), (9_999, "10K")],
)
def test_human_count(value, expected):
    assert human_count(value) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, "?"), (0, "live"), (5, "0:05"), (92, "1:32"), (3723, "1:02:03"), (117373, "32:36:13")],
)
def test_clock(seconds, expected):
    assert clock(seconds) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, "?"), (0, "live"), (3723, "1:02:03"), (35_999, "9:59:59"), (36_000, "10h00m"),
     (86_400, "24h00m"), (359_999, "99h59m"), (864_000, "10d00h"), (8_640_000, "100d00h")],
)
def test_short_clock_fits_a_column_and_never_cuts(seconds, expected):
    """A 24-hour stream once showed as '24:00:…' in the results' 7-cell column."""
    assert short_clock(seconds) == expected and len(expected) <= 7
    assert clock(86_400) == "24:00:00" and clock(864_000) == "240:00:00"  # detail, show


def test_day():
    assert day(1410395114) == "2014-09-11"
    assert day(None) == "?"


def test_printable_neutralises_escape_sequences():
    hostile = "a\x1b]52;c;aGk=\x07b\x9bc\u202ed\tn\ne"
    shown = printable(hostile)
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert "\u202e" not in shown
    assert shown.endswith("d\tn\ne")


def test_json_escape_keeps_json_valid_and_escapes_c1_and_bidi():
    encoded = json_escape_unsafe(json.dumps({"t": "x\x85y\u202ez\x1b"}, ensure_ascii=False))
    assert "\x85" not in encoded and "\u202e" not in encoded and "\x1b" not in encoded
    assert json.loads(encoded) == {"t": "x\x85y\u202ez\x1b"}

import json

import pytest

from vidbrowse.core.display import clock, day, human_count, json_escape_unsafe, printable


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "?"), (0, "0"), (999, "999"), (1000, "1K"), (43336, "43K"), (1_234_567, "1.2M"),
     (1_700_000_000, "1.7B"), (12_000_000, "12M")],
)
def test_human_count(value, expected):
    assert human_count(value) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, "?"), (0, "live"), (5, "0:05"), (92, "1:32"), (3723, "1:02:03"), (117373, "32:36:13")],
)
def test_clock(seconds, expected):
    assert clock(seconds) == expected


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

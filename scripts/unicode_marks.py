"""Write src/vidbrowse/core/engine/combining.py: the combining marks (Unicode Mn, Mc, Me) of this
Python's Unicode tables as regex character-class bodies, those of the BMP apart (a class with
ranges past U+FFFF is tested range by range: matching words took 2.5x as long). Python's `re`
has no `\\p{M}` and its `\\w` matches no mark; scanning every code point at import costs ~0.2 s,
hence a file.

    python scripts/unicode_marks.py
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "src/vidbrowse/core/engine/combining.py"
PER_LINE = 6


def mark_ranges() -> list[tuple[int, int]]:
    """The code points of category Mn, Mc or Me, as inclusive ranges."""
    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return ranges


def _escape(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _class_body(ranges: list[tuple[int, int]]) -> str:
    parts = [_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in ranges]
    rows = [parts[i : i + PER_LINE] for i in range(0, len(parts), PER_LINE)]
    return "\n".join('    "' + "".join(row) + '"' for row in rows)


def module_text() -> str:
    ranges = mark_ranges()
    bmp = [(a, min(b, 0xFFFF)) for a, b in ranges if a <= 0xFFFF]
    astral = [(max(a, 0x10000), b) for a, b in ranges if b > 0xFFFF]
    return (
        '"""Combining marks (Unicode Mn, Mc, Me) as regex character-class bodies, those of the\n'
        "BMP apart: written by scripts/unicode_marks.py from Python's Unicode tables\n"
        '(tests/test_analysis.py checks them)."""\n'
        "\n"
        f'UNICODE_VERSION = "{unicodedata.unidata_version}"\n'
        f"MARKS = (\n{_class_body(bmp)}\n)\n"
        f"ASTRAL_MARKS = (\n{_class_body(astral)}\n)\n"
    )


if __name__ == "__main__":
    TARGET.write_text(module_text(), encoding="utf-8")
    print(f"wrote {TARGET}")

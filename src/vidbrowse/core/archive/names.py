"""File names are bytes; a post's path is text. This maps one to the other and back, losslessly.

A name that is valid UTF-8 and holds nothing unsafe is its own text. Otherwise each byte that is
not part of a safe character is written `\\xNN`: a byte of a name that is not UTF-8, and each
byte of a control character or bidi override (an ESC in a path would act on the terminal, a
newline would break a CSV line). A backslash is written `\\\\`, so the text reads back to the
very bytes (`name_bytes`), whatever the name held: `vidbrowse show ARCHIVE PATH` finds a post by
the path it was shown, and the file is opened by its real name.
"""

from __future__ import annotations

import re

# C0 and C1 controls (ESC, BEL, CSI…), DEL, and the bidi overrides and isolates.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ESCAPE = re.compile(rb"\\(\\|x[0-9a-fA-F]{2})")


def _escaped(char: str) -> str:
    if "\udc80" <= char <= "\udcff":  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{ord(char) - 0xDC00:02x}"
    if char == "\\":
        return "\\\\"
    if UNSAFE.match(char):
        return "".join(f"\\x{byte:02x}" for byte in char.encode("utf-8"))
    return char


def needs_escape(text: str) -> bool:
    """True when a decoded name must be written escaped (see `path_text`)."""
    return "\\" in text or UNSAFE.search(text) is not None


def path_text(raw: bytes) -> str:
    """The text of a file name or relative path (bytes, `/`-separated), escaped as needed."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "surrogateescape")
    else:
        if not needs_escape(text):
            return text
    return "".join(map(_escaped, text))


def name_bytes(text: str) -> bytes:
    """The bytes `path_text` made `text` from."""
    data = text.encode("utf-8", "surrogateescape")
    if b"\\" not in data:
        return data
    return _ESCAPE.sub(
        lambda m: b"\\" if m.group(1) == b"\\" else bytes([int(m.group(1)[1:], 16)]), data
    )

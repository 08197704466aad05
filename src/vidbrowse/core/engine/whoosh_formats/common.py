"""The whoosh3 byte layouts reading and writing share, and the types the seam hands out."""

from __future__ import annotations

import pickle
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo

Postings = tuple[np.ndarray, np.ndarray]  # (docnums, weights)
Read = Callable[[int, int], bytes]  # (position, length) → bytes of a file

# A posting file's list of a term starts with this magic.
BLOCK_MAGIC = WHOOSH3_HEADER_MAGIC
# A term info: flags (1: postings inlined), weight, documents holding the term (at byte 5), min
# and max length bytes, max weight, min and max id.
TERMINFO: struct.Struct = W3TermInfo._struct
EXTENT = struct.Struct("!qi")  # after the term info: offset and length of the postings
ROW = struct.Struct("!ii")  # a term table row: key length, value length, key, value
BLOCK_LENGTH = struct.Struct("!i")  # before each block of postings; negative for the last
# What reading a damaged or unexpected posting list may raise: Whoosh's reader takes over.
UNEXPECTED = (ValueError, IndexError, TypeError, KeyError, EOFError, struct.error, zlib.error,
              pickle.UnpicklingError)  # fmt: skip


class Ways:
    """Which way each side takes in this process (None: not decided yet, the probe decides)."""

    read: bool | None = None
    write: bool | None = None
    verdicts: Path | None = None  # where the reading probe's verdict is kept (remember_probes)
    fallbacks = 0  # reads through the public API while the fast way is on (see public.py)


def note_fallback() -> None:
    """Count a read the fast way handed to the public API (damaged or unexpected bytes, or a
    fast reader that no longer does its job: the engine tests fail on any)."""
    Ways.fallbacks += 1

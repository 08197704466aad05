"""Objects saved for memory mapping: a pickle whose large buffers (numpy arrays, packed strings)
lie apart in the same file, each aligned, and come back as views of the mapped file.

Loading then reads only the pickle's small objects: the buffers are paged in when a search
touches them, are clean pages the kernel can drop and read again, and are shared by every
process that maps the file (the app and a `vidbrowse search` of the same archive). The columns
of a million posts (~450 MB) took seconds to unpickle and as much private memory.

Layout: MAGIC, then (pickle length, number of buffers) and each buffer's (offset, length) as
little-endian 8-byte numbers, the pickle, then the buffers at offsets aligned to ALIGN. The file
must never be written over in place while mapped (a reader would see other bytes, or crash):
it is written beside its final name, in a file no other save shares, and renamed over it, which
leaves a mapping of the old one intact.
"""

from __future__ import annotations

import mmap
import os
import pickle
import struct
import tempfile
from pathlib import Path
from typing import Any

MAGIC = b"VBMAP001"
ALIGN = 64


def save(obj: Any, path: Path) -> None:
    """Write `obj` to `path` atomically (a crash leaves the old file or none)."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    raws = [buffer.raw() for buffer in buffers]
    head = len(MAGIC) + 16 + 16 * len(raws)
    offset = _aligned(head + len(data))
    table = []
    for raw in raws:
        table.append((offset, raw.nbytes))
        offset = _aligned(offset + raw.nbytes)
    # A partial file of its own: a reader that finds no columns for a generation saves them as
    # the writer does, and two saves sharing one partial name wrote into one file (readers then
    # mapped a mix of both: tags past their offsets).
    fd, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + struct.pack("<2q", len(data), len(raws)))
            f.write(b"".join(struct.pack("<2q", *entry) for entry in table))
            f.write(data)
            for (start, _), raw in zip(table, raws, strict=True):
                f.write(b"\0" * (start - f.tell()))
                f.write(raw)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)  # a full disk: no partial file left behind
        raise


def load(path: Path) -> Any:
    """The object saved at `path`, its buffers read-only views of the mapped file. Raises
    OSError, ValueError or pickle's errors when the file is missing or damaged."""
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < len(MAGIC) + 16:
            raise ValueError("too short")
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    view = memoryview(mapped)
    if view[: len(MAGIC)] != MAGIC:
        raise ValueError("not a mapped pickle")
    at = len(MAGIC)
    length, count = struct.unpack_from("<2q", view, at)
    at += 16
    if count < 0 or length < 0 or at + 16 * count + length > size:
        raise ValueError("damaged")
    table = [struct.unpack_from("<2q", view, at + 16 * i) for i in range(count)]
    data = view[at + 16 * count : at + 16 * count + length]
    if any(start < 0 or nbytes < 0 or start + nbytes > size for start, nbytes in table):
        raise ValueError("damaged")
    buffers = [view[start : start + nbytes] for start, nbytes in table]
    # The views keep the mapping alive as long as any object uses them.
    return pickle.loads(data, buffers=buffers)


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN

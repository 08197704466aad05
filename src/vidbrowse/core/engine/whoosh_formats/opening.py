"""Opening a segment: Whoosh's hash file reader with its directory read in one call.

Each segment's term file is a whoosh3 hash file (filedb/filetables.py) ending in a directory of
256 (position, slots) entries, which `HashReader.__init__` reads one entry per `read` call,
through two layers of Python file objects. A `vidbrowse search` opens every segment: at 30k
posts (28 segments) ~7,200 calls, ~5 ms of a ~200 ms process. `install` replaces that
initialiser with one that reads the same bytes in one call; it is installed only when reading
takes the fast way (the probe read whoosh3's files as expected), so the public fallback runs
Whoosh's own code untouched.
"""

from __future__ import annotations

import os

from whoosh.filedb import filetables
from whoosh.filedb.filetables import HashReader
from whoosh.filedb.structfile import StructFile

WHOOSH_INIT = HashReader.__init__  # what `install` replaces (the tests compare the two)


def _init(
    self: HashReader,
    dbfile: StructFile,
    length: int | None = None,
    magic: bytes = b"HSH3",
    startoffset: int = 0,
) -> None:
    """`HashReader.__init__` of whoosh3 3.54, but for the directory's one read."""
    self.dbfile = dbfile
    self.startoffset = startoffset
    self.is_closed = False
    if length is None:
        dbfile.seek(0, os.SEEK_END)
        length = dbfile.tell() - startoffset
    dbfile.seek(startoffset)
    if (filemagic := dbfile.read(4)) != magic:
        raise filetables.FileFormatError(f"Unknown file header {filemagic!r}")
    self.hashtype = dbfile.read_byte()
    self.hashfn = filetables._hash_functions[self.hashtype]
    dbfile.read_int()  # two ints of room for future use
    dbfile.read_int()
    self.startofdata = dbfile.tell()
    exptr = startoffset + length - filetables._INT_SIZE
    expos = exptr - dbfile.get_int(exptr)  # the extras (a pickle), then their length
    dbfile.seek(expos)
    self._read_extras()
    dbfile.seek(expos - filetables._directory_size)
    # The extras follow the directory, so the read is never short.
    directory = dbfile.read(filetables._directory_size)
    self.tables = list(filetables._dir_entry.iter_unpack(directory))
    self.endofdata = self.tables[0][0]


def install() -> None:
    """Use `_init` for every hash file opened from now on (idempotent)."""
    HashReader.__init__ = _init

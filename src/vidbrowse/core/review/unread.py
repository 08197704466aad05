"""Next and previous unread post in the results (newsboat's n and p, mutt's Tab)."""

from __future__ import annotations

import numpy as np

from vidbrowse.core.query.search import Results
from vidbrowse.core.review.marks import Marks


def next_unread(results: Results, marks: Marks | None, index: int, step: int) -> int | None:
    """The index (in display order) of the nearest unread result after `index` (`step` 1) or
    before it (-1), going round the ends; None when no other result is unread. One mask over
    the columns, cached by `marks` until they change: no row is built."""
    if results.columns is None or results.total == 0:
        return None
    positions = results.positions
    if marks is None:  # no marks file: every post is unread
        unread = np.ones(len(positions), dtype=bool)
    else:
        unread = ~marks.mask(results.columns, "read")[positions]
    if 0 <= index < len(unread):
        unread[index] = False  # "another" unread post
    found = np.flatnonzero(unread)
    if not len(found):
        return None
    if step > 0:
        after = found[found > index]
        return int(after[0] if len(after) else found[0])
    before = found[found < index]
    return int(before[-1] if len(before) else found[-1])

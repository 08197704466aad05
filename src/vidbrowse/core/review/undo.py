"""Undo of the user's last mark changes (a star, a read flag, a note; one post or a selection),
like mutt's: a short stack of what each change replaced, written back on request.

Only the part a change touched is written back, so undoing a star keeps a note typed since."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from vidbrowse.core.review.marks import Key, Marks

DEPTH = 20  # changes remembered; older ones are forgotten


@dataclass(frozen=True, slots=True)
class Change:
    part: str  # "read", "starred" or "note"
    before: dict[Key, bool | str]  # each key's value before the change
    what: str  # how to name it: "the star on 3 posts"


class History:
    def __init__(self, depth: int = DEPTH) -> None:
        self._changes: deque[Change] = deque(maxlen=depth)

    def __len__(self) -> int:
        return len(self._changes)

    def change(self, marks: Marks, part: str, values: dict[Key, bool | str], what: str) -> None:
        """Write a change through `marks` (ReviewError leaves nothing written, nothing kept)
        and remember what it replaced."""
        before = marks.write(part, values)
        self._changes.append(Change(part, before, what))

    def undo(self, marks: Marks) -> Change | None:
        """Write back what the last change replaced; None when there is nothing to undo.
        On ReviewError the change stays on the stack (nothing was written)."""
        if not self._changes:
            return None
        change = self._changes[-1]
        marks.write(change.part, change.before)
        self._changes.pop()
        return change

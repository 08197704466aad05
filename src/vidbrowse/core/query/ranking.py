"""The display order of a query's matches, sorted only as far as it is looked at.

Relevance order is a stable sort of every match by score (~4 ms for 50k matches), yet the list
shows one page at a time: the first HEAD rows come from a partial sort (~1 ms), the whole order
only when rows past them, or all positions, are asked for.
"""

from __future__ import annotations

import threading

import numpy as np

# Rows a partial sort puts in order: a results screen and a few pages of scrolling.
HEAD = 1000


class Listed:
    """Positions already in display order (no scores)."""

    def __init__(self, positions: np.ndarray) -> None:
        self.positions = positions

    def first(self, count: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The first `count` positions in display order and their scores."""
        return self.positions[:count], None

    def all(self) -> tuple[np.ndarray, np.ndarray | None]:
        return self.positions, None


class Ranking:
    """Positions by descending score, equal scores in the order given (upload order), the
    whole reversed with `reverse`."""

    def __init__(self, positions: np.ndarray, scores: np.ndarray, reverse: bool) -> None:
        self._positions = positions
        self._scores = scores
        self._reverse = reverse
        self._head: tuple[np.ndarray, np.ndarray] | None = None  # the first HEAD
        self._whole: tuple[np.ndarray, np.ndarray] | None = None
        self._lock = threading.Lock()  # results are read from the UI and worker threads

    def first(self, count: int) -> tuple[np.ndarray, np.ndarray | None]:
        with self._lock:
            if self._whole is None and count <= HEAD < len(self._positions) and not self._reverse:
                if self._head is None:
                    self._head = self._sort(_first_stably(-self._scores, HEAD))
                positions, scores = self._head
            else:
                positions, scores = self._sorted()
        return positions[:count], scores[:count]

    def all(self) -> tuple[np.ndarray, np.ndarray | None]:
        with self._lock:
            return self._sorted()

    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        if self._whole is None:
            positions, scores = self._sort(np.argsort(-self._scores, kind="stable"))
            self._whole = (positions[::-1], scores[::-1]) if self._reverse else (positions, scores)
        return self._whole

    def _sort(self, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._positions[order], self._scores[order]


def _first_stably(keys: np.ndarray, count: int) -> np.ndarray:
    """The first `count` indices of `np.argsort(keys, kind="stable")`, without sorting all."""
    threshold = np.partition(keys, count - 1)[count - 1]
    # Fewer than `count` keys are below the count-th smallest; then equal ones, in order.
    chosen = np.concatenate([np.flatnonzero(keys < threshold), np.flatnonzero(keys == threshold)])
    chosen = chosen[:count]
    return chosen[np.argsort(keys[chosen], kind="stable")]

"""The query language: text → a tree of nodes, or a QueryError saying what is wrong and where.

One parser serves the CLI and the TUI. The tree says *what* to match; `search.py` decides how
(Whoosh for words, in-memory columns for everything else).
"""

from __future__ import annotations

from dataclasses import dataclass

# Fields whose words live in the Whoosh index; None on a Term means "all of them".
TEXT_FIELDS = ("title", "channel", "text")
# Fields matched exactly (case- and accent-insensitive) against the columns.
EXACT_FIELDS = ("tag", "category", "id")
# Fields with ranges. Values are integers: seconds for duration, counts for views/likes/dislikes,
# POSIX timestamps (UTC seconds) for uploaded/posted.
RANGE_FIELDS = ("duration", "views", "likes", "dislikes", "uploaded", "posted")


class QueryError(ValueError):
    """A malformed query. `position` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} (at character {self.position + 1})"


@dataclass(frozen=True, slots=True)
class Everything:
    """The empty query: every post."""


@dataclass(frozen=True, slots=True)
class Term:
    """Words to find with Whoosh. kind: "word", "phrase", "prefix" (`abc*`) or "fuzzy" (`abc~`)."""

    text: str
    kind: str = "word"
    field: str | None = None  # one of TEXT_FIELDS, or None for all


@dataclass(frozen=True, slots=True)
class Exact:
    """`tag:x`, `category:x`, `id:x`: an exact, case-insensitive value."""

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class Range:
    """A half-open range low <= value < high on one of RANGE_FIELDS; None is unbounded.
    Posts whose value is unknown never match a range."""

    field: str
    low: int | None
    high: int | None


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = Everything | Term | Exact | Range | And | Or | Not


def parse_query(text: str) -> Node:
    """Parse a query string. Raises QueryError."""
    raise NotImplementedError


def has_words(node: Node) -> bool:
    """True when the query has a positive Term, so relevance is a meaningful sort."""
    raise NotImplementedError

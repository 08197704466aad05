"""The query tree: the fields a query may name, the nodes text parses to (language.py), and
what a tree asks for (its words, whether it tests the user's marks).

The tree says *what* to match; `search.py` decides how (Whoosh for words, in-memory columns for
everything else). Nodes carry the source span they came from (`start`, `end`; parentheses
included for a group) so `editing.py` can rewrite a query without touching the rest of the
user's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Fields whose words live in the Whoosh index; None on a Term means "all of them".
TEXT_FIELDS = ("title", "channel", "text")
# Fields matched exactly (case- and accent-insensitive) against the columns.
EXACT_FIELDS = ("tag", "category", "site", "id")
# Fields that take `field="whole value"`: the whole value, exactly (case- and accent-insensitive,
# outer spaces ignored). For a channel, `channel:` finds words and `channel=` the whole name.
VALUE_FIELDS = ("channel", *EXACT_FIELDS)
# Parts of a post's links (core/links.py), kept apart from its words.
LINK_FIELDS = ("link",)
# Fields with ranges. Values are integers: seconds for duration, counts for views/likes/dislikes,
# POSIX timestamps (UTC seconds) for uploaded/posted.
RANGE_FIELDS = ("duration", "views", "likes", "dislikes", "uploaded", "posted")
COUNT_FIELDS = ("views", "likes", "dislikes")
DATE_FIELDS = ("uploaded", "posted")
# `similar:VID_ID`: the posts most like one post (see similar.py).
SIMILAR_FIELD = "similar"
# Fields answered from the user's marks and notes (see marks.py), not from the archive.
MARK_FIELDS = ("is", "has", "note")
# `is:` values → the MarkTest name they stand for; `has:` values → the same, or `link` (any
# link, not a mark: a Link node).
IS_VALUES = {"starred": "starred", "star": "starred", "read": "read", "unread": "unread"}
HAS_VALUES = {"note": "note", "notes": "note", "link": "link", "links": "link"}

# Every name accepted before ':' → its canonical field. Extend here (e.g. `is:`, `note:`).
FIELD_NAMES: dict[str, str] = {
    name: name for name in TEXT_FIELDS + EXACT_FIELDS + LINK_FIELDS + RANGE_FIELDS + MARK_FIELDS
}
FIELD_NAMES[SIMILAR_FIELD] = SIMILAR_FIELD
FIELD_NAMES.update(
    tags="tag",
    categories="category",
    sites="site",
    links="link",
    cat="category",
    vid_id="id",
    desc="text",
    description="text",
    body="text",
    notes="note",
)

MAX_FUZZY_DISTANCE = 2
KEYWORDS = ("AND", "OR", "NOT")


class QueryError(ValueError):
    """A malformed query. `position` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} (at character {self.position + 1})"


def _span() -> int:
    # Source offsets are bookkeeping, not meaning: two nodes are equal whatever their position.
    return field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Everything:
    """The empty query: every post."""


@dataclass(frozen=True, slots=True)
class Term:
    """Words to find with Whoosh. kind: "word", "phrase", "prefix" (`abc*`) or "fuzzy" (`abc~`).
    `distance` is the edit distance of a fuzzy term (`abc~2`)."""

    text: str
    kind: str = "word"
    field: str | None = None  # one of TEXT_FIELDS, or None for all
    distance: int = 1
    start: int = _span()
    end: int = _span()


@dataclass(frozen=True, slots=True)
class Exact:
    """`tag:x`, `category:x`, `id:x`, `channel="x"` (any of VALUE_FIELDS written `field="x"`):
    an exact, case-insensitive value."""

    field: str
    value: str
    start: int = _span()
    end: int = _span()


@dataclass(frozen=True, slots=True)
class Range:
    """A half-open range low <= value < high on one of RANGE_FIELDS; None is unbounded.
    Posts whose value is unknown never match a range."""

    field: str
    low: int | None
    high: int | None
    start: int = _span()
    end: int = _span()


@dataclass(frozen=True, slots=True)
class Link:
    """`link:x`: posts with a link holding every part of `x` (see core/links.py); `prefix`:
    a part starting with `x` (`link:patr*`). `has:link` is Link(""): any link."""

    value: str
    prefix: bool = False
    start: int = _span()
    end: int = _span()


@dataclass(frozen=True, slots=True)
class MarkTest:
    """`is:starred`, `is:read`, `is:unread`, `has:note`: name is "starred", "read", "unread" or
    "note". Without marks (none saved, or none given to `execute`) every post is unread."""

    name: str
    start: int = _span()
    end: int = _span()


@dataclass(frozen=True, slots=True)
class NoteMatch:
    """`note:word`, `note:"some words"`: the post's note contains the text, ignoring case,
    accents and runs of spaces (a substring: `note:todo` finds "TODOs")."""

    text: str
    start: int = _span()
    end: int = _span()


@dataclass(frozen=True, slots=True)
class Similar:
    """`similar:VID_ID` (or a post's path): the posts most like that post, sharing its
    significant words, tags or channel, the post itself (and its copies) left out; ranked by
    likeness under relevance (see similar.py). An id no post has matches nothing."""

    target: str
    start: int = _span()
    end: int = _span()


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]
    start: int = _span()
    end: int = _span()


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]
    start: int = _span()
    end: int = _span()


@dataclass(frozen=True, slots=True)
class Not:
    item: Node
    start: int = _span()
    end: int = _span()


Node = Everything | Term | Exact | Link | Range | MarkTest | NoteMatch | Similar | And | Or | Not


def span_start(node: Node) -> int:
    """Where a node's source text starts (-1 for the empty query)."""
    return -1 if isinstance(node, Everything) else node.start


def span_end(node: Node) -> int:
    """Where a node's source text ends (-1 for the empty query)."""
    return -1 if isinstance(node, Everything) else node.end


def positive_terms(node: Node) -> list[Term]:
    """The Terms not negated (an even number of NOTs counts as none), in query order: the
    words to highlight and score."""
    return [n for n in _positive(node, negated=False) if isinstance(n, Term)]


def positive_similar(node: Node) -> list[Similar]:
    """The `similar:` nodes not negated, in query order: their likeness is scored."""
    return [n for n in _positive(node, negated=False) if isinstance(n, Similar)]


def _positive(node: Node, negated: bool) -> list[Term | Similar]:
    if isinstance(node, Term | Similar):
        return [] if negated else [node]
    if isinstance(node, Not):
        return _positive(node.item, not negated)
    if isinstance(node, And | Or):
        return [found for item in node.items for found in _positive(item, negated)]
    return []


def uses_marks(node: Node) -> bool:
    """True when the query tests the user's marks or notes (`is:`, `has:`, `note:`)."""
    if isinstance(node, MarkTest | NoteMatch):
        return True
    if isinstance(node, Not):
        return uses_marks(node.item)
    if isinstance(node, And | Or):
        return any(uses_marks(item) for item in node.items)
    return False



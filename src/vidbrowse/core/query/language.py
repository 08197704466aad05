"""The query language: text → a tree of nodes, or a QueryError saying what is wrong and where.

One parser serves the CLI and the TUI. The tree says *what* to match; `search.py` decides how
(Whoosh for words, in-memory columns for everything else).

Grammar (precedence NOT > AND > OR; AND may be implicit):

    query   := [or_expr]
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*
    unary   := "NOT" unary | "-" primary | primary
    primary := "(" or_expr ")" | word | "phrase" | field ":" value

Nodes carry the source span they came from (`start`, `end`; parentheses included for a group)
so `with_facets` can rewrite a query without touching the rest of the user's text.
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from vidbrowse.core.options import FACET_FIELDS

# Fields whose words live in the Whoosh index; None on a Term means "all of them".
TEXT_FIELDS = ("title", "channel", "text")
# Fields matched exactly (case- and accent-insensitive) against the columns.
EXACT_FIELDS = ("tag", "category", "id")
# Fields with ranges. Values are integers: seconds for duration, counts for views/likes/dislikes,
# POSIX timestamps (UTC seconds) for uploaded/posted.
RANGE_FIELDS = ("duration", "views", "likes", "dislikes", "uploaded", "posted")
COUNT_FIELDS = ("views", "likes", "dislikes")
DATE_FIELDS = ("uploaded", "posted")
# Fields answered from the user's marks and notes (see marks.py), not from the archive.
MARK_FIELDS = ("is", "has", "note")
# `is:` values → the Mark they stand for; `has:` takes only `note`.
IS_VALUES = {"starred": "starred", "star": "starred", "read": "read", "unread": "unread"}
HAS_VALUES = {"note": "note", "notes": "note"}

# Every name accepted before ':' → its canonical field. Extend here (e.g. `is:`, `note:`).
FIELD_NAMES: dict[str, str] = {
    name: name for name in TEXT_FIELDS + EXACT_FIELDS + RANGE_FIELDS + MARK_FIELDS
}
FIELD_NAMES.update(
    tags="tag",
    categories="category",
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
    return field(default=-1, compare=False, repr=False)  # type: ignore[no-any-return]


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
    """`tag:x`, `category:x`, `id:x`: an exact, case-insensitive value."""

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
class Mark:
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


Node = Everything | Term | Exact | Range | Mark | NoteMatch | And | Or | Not


# ---------------------------------------------------------------------------- value parsers

_COUNT_RE = re.compile(r"(\d[\d,]*(?:\.\d+)?)([kmb]?)", re.IGNORECASE)
_COUNT_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_GROUPED_RE = re.compile(r"\d{1,3}(?:,\d{3})+")
_UNITS_RE = re.compile(
    r"(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?",
    re.IGNORECASE,
)
_CLOCK_RE = re.compile(r"(?:(\d+):)?(\d+):(\d{1,2})")
_ISO_RE = re.compile(
    r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", re.IGNORECASE
)
_DATE_RE = re.compile(
    r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?Z?)?)?)?",
    re.IGNORECASE,
)


def parse_count(text: str) -> int:
    """`1000`, `1,000`, `1.5k`, `43K`, `1M`, `2B` → an int. Raises ValueError."""
    m = _COUNT_RE.fullmatch(text)
    if m:
        number, suffix = m.groups()
        whole = number.split(".")[0]
        if "," not in whole or _GROUPED_RE.fullmatch(whole):
            value = Decimal(number.replace(",", "")) * _COUNT_SUFFIX[suffix.lower()]
            if value == value.to_integral_value():
                return int(value)
    raise ValueError(f"'{text}' is not a count (try 1000, 1,000, 1.5k, 2M)")


def parse_duration(text: str) -> int:
    """`90`, `90s`, `10m`, `1h30m`, `2d`, `1:30`, `1:02:03`, `PT1M30S` → seconds.
    Raises ValueError."""
    seconds: Decimal | None = None
    if text.isdigit():
        seconds = Decimal(text)
    elif m := _CLOCK_RE.fullmatch(text):
        hours, minutes, secs = m.groups()
        # Only the leading part may exceed 59: `90:00` is 90 minutes, `1:75` is a typo.
        if int(secs) < 60 and (hours is None or int(minutes) < 60):
            seconds = Decimal(int(hours or 0) * 3600 + int(minutes) * 60 + int(secs))
    elif (m := _UNITS_RE.fullmatch(text)) and any(m.groups()):
        seconds = _weighted(m.groups(), (86400, 3600, 60, 1))
    elif (m := _ISO_RE.fullmatch(text)) and any(m.groups()):
        seconds = _weighted(m.groups(), (604800, 86400, 3600, 60, 1))
    if seconds is not None and seconds == seconds.to_integral_value():
        return int(seconds)
    raise ValueError(f"'{text}' is not a duration (try 90s, 10m, 1h30m, 1:30)")


def _weighted(parts: tuple[str | None, ...], weights: tuple[int, ...]) -> Decimal:
    return sum(
        (Decimal(part) * weight for part, weight in zip(parts, weights, strict=True) if part),
        Decimal(0),
    )


def parse_date_period(text: str) -> tuple[int, int]:
    """`2014`, `2014-03`, `2014-03-05`, `2014-03-05T10:00[:30]` → the whole period it names, as
    half-open UTC POSIX seconds [start, end). Raises ValueError."""
    m = _DATE_RE.fullmatch(text)
    try:
        if not m:
            raise ValueError
        year, month, day, hour, minute, second = (int(g) if g else None for g in m.groups())
        assert year is not None
        if month is None:
            return _utc(year, 1, 1), _utc(year + 1, 1, 1)
        if not 1 <= month <= 12:
            raise ValueError
        if day is None:
            next_month = (year + 1, 1) if month == 12 else (year, month + 1)
            return _utc(year, month, 1), _utc(*next_month, 1)
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise ValueError
        start = _utc(year, month, day)
        if hour is None:
            return start, start + 86400
        assert minute is not None
        if hour > 23 or minute > 59 or (second or 0) > 59:
            raise ValueError
        start += hour * 3600 + minute * 60 + (second or 0)
        return start, start + (60 if second is None else 1)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (try 2014, 2014-03, 2014-03-05)") from None


def _utc(year: int, month: int, day: int) -> int:
    return calendar.timegm((year, month, day, 0, 0, 0))


def _period(field_name: str, text: str) -> tuple[int, int]:
    """The half-open set of integers a single range value stands for."""
    if field_name in DATE_FIELDS:
        return parse_date_period(text)
    value = parse_count(text) if field_name in COUNT_FIELDS else parse_duration(text)
    return value, value + 1


def parse_range(field_name: str, text: str, position: int = 0) -> Range:
    """The value after `duration:` etc.: `>x`, `>=x`, `<x`, `<=x`, `a..b`, `a..`, `..b` or `x`.
    Every value names a period (a number is the period of itself, a date its whole day, month or
    year); bounds include or exclude whole periods. Raises QueryError."""

    def period(value: str, offset: int) -> tuple[int, int]:
        if not value:
            raise QueryError(f"missing value in '{field_name}:{text}'", position + offset)
        try:
            return _period(field_name, value)
        except ValueError as exc:
            raise QueryError(str(exc), position + offset) from None

    for op in (">=", "<=", ">", "<"):
        if text.startswith(op):
            low, high = period(text[len(op) :], len(op))
            if op == ">=":
                return Range(field_name, low, None)
            if op == ">":
                return Range(field_name, high, None)
            return Range(field_name, None, low if op == "<" else high)
    if ".." in text:
        left, _, right = text.partition("..")
        if not left and not right:
            raise QueryError(f"'{field_name}:..' needs at least one end", position)
        low = period(left, 0)[0] if left else None
        high = period(right, len(left) + 2)[1] if right else None
        if low is not None and high is not None and low >= high:
            raise QueryError(f"range '{text}' is reversed: write low..high", position)
        return Range(field_name, low, high)
    low, high = period(text, 0)
    return Range(field_name, low, high)


# ---------------------------------------------------------------------------- lexer


class Token(NamedTuple):
    kind: str  # "(", ")", "AND", "OR", "NOT", "-" or "atom"
    start: int
    end: int
    node: Node | None = None


_FIELD_RE = re.compile(r"([A-Za-z_]+):")
_STOPS = frozenset(' \t\r\n\f\v()"')


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The value of the quoted string opening at `start` and the offset after its closing quote.
    `\\"` and `\\\\` are escapes; any other backslash is literal."""
    out: list[str] = []
    i = start + 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
        elif c == '"':
            return "".join(out), i + 1
        else:
            out.append(c)
            i += 1
    raise QueryError("unclosed quote", start)


def _is_blank_word(word: str) -> bool:
    return not any(c.isalnum() for c in word)


def _word_term(word: str, field_name: str | None, start: int, end: int) -> Term | None:
    """A bare word → Term (prefix/fuzzy by its ending), or None for punctuation-only words."""
    if word.endswith("*"):
        stem = word[:-1]
        if not stem or _is_blank_word(stem):
            raise QueryError("a bare '*' matches nothing: put 2+ letters before it", start)
        if len(stem) < 2:
            raise QueryError(f"'{word}': a prefix needs at least 2 characters before '*'", start)
        return Term(stem, "prefix", field_name, start=start, end=end)
    if m := re.fullmatch(r"(.*[^~])~(\d*)", word):
        stem, digits = m.groups()
        if not _is_blank_word(stem):
            distance = int(digits) if digits else 1
            if not 1 <= distance <= MAX_FUZZY_DISTANCE:
                raise QueryError(f"'{word}': fuzzy distance must be 1 or 2", start)
            return Term(stem, "fuzzy", field_name, distance, start=start, end=end)
    if _is_blank_word(word):
        return None
    return Term(word, "word", field_name, start=start, end=end)


def _canonical_field(name: str, position: int) -> str:
    """The field a name before ':' stands for, or a QueryError naming the known ones."""
    canonical = FIELD_NAMES.get(name.lower())
    if canonical is None:
        close = difflib.get_close_matches(name.lower(), sorted(FIELD_NAMES), n=1)
        hint = f" — did you mean {close[0]}:?" if close else ""
        main = ", ".join(f"{f}:" for f in TEXT_FIELDS + EXACT_FIELDS + RANGE_FIELDS + MARK_FIELDS)
        raise QueryError(f"unknown field '{name}:'{hint} (fields: {main})", position)
    return canonical


def _field_atom(
    name: str, value: str, quoted: bool, name_start: int, value_start: int, end: int
) -> Node | None:
    canonical = _canonical_field(name, name_start)
    if canonical in MARK_FIELDS:
        return _mark_atom(name, canonical, value, value_start, name_start, end)
    if canonical in RANGE_FIELDS:
        return replace(parse_range(canonical, value, value_start), start=name_start, end=end)
    if canonical in EXACT_FIELDS:
        if not value.strip():
            raise QueryError(f"empty value after '{name}:'", value_start)
        return Exact(canonical, value, start=name_start, end=end)
    if quoted:
        if _is_blank_word(value):
            return None
        return Term(value, "phrase", canonical, start=name_start, end=end)
    term = _word_term(value, canonical, value_start, end)
    return term and replace(term, start=name_start)


def _mark_atom(
    name: str, canonical: str, value: str, value_start: int, name_start: int, end: int
) -> Node:
    if canonical == "note":
        if not value.strip():
            raise QueryError(f"empty value after '{name}:'", value_start)
        return NoteMatch(value, start=name_start, end=end)
    known = IS_VALUES if canonical == "is" else HAS_VALUES
    mark = known.get(value.lower())
    if mark is None:
        choices = ", ".join(f"{canonical}:{v}" for v in dict.fromkeys(known.values()))
        close = difflib.get_close_matches(value.lower(), sorted(known), n=1)
        hint = f" — did you mean {canonical}:{close[0]}?" if close else ""
        raise QueryError(
            f"unknown '{canonical}:' value '{value}'{hint} (try {choices})", value_start
        )
    return Mark(mark, start=name_start, end=end)


def tokenize(text: str) -> list[Token]:
    """Split a query into tokens; atoms (words, phrases, field:value) are already nodes.
    Punctuation-only words are dropped here. Raises QueryError."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(Token(c, i, i + 1))
            i += 1
        elif c == '"':
            value, end = _read_quoted(text, i)
            if not _is_blank_word(value):
                tokens.append(Token("atom", i, end, Term(value, "phrase", start=i, end=end)))
            i = end
        else:
            j = i
            while j < n and text[j] not in _STOPS:
                j += 1
            i = _word_tokens(text, i, j, tokens)
    return tokens


def _word_tokens(text: str, start: int, end: int, tokens: list[Token]) -> int:
    """Tokens for the chunk text[start:end] (which stops before space, paren or quote); returns
    where lexing resumes (past a quoted field value if there was one)."""
    word = text[start:end]
    nxt = text[end] if end < len(text) else ""
    if word in KEYWORDS:
        tokens.append(Token(word, start, end))
        return end
    while word.startswith("-") and (len(word) > 1 or nxt in ('"', "(")):
        # `-x`, `-field:x`, `-"phrase"`, `-(group)`: negation binds to what follows directly.
        tokens.append(Token("-", start, start + 1))
        start += 1
        word = word[1:]
        if not word:
            return end
    m = _FIELD_RE.match(word)
    if m is None:
        if word == "*":
            raise QueryError("a bare '*' matches nothing: put 2+ letters before it", start)
        node = _word_term(word, None, start, end)
    else:
        name = m.group(1)
        value = word[m.end() :]
        value_start = start + m.end()
        if not value and nxt == '"':
            value, end = _read_quoted(text, value_start)
            node = _field_atom(name, value, True, start, value_start, end)
        elif not value and nxt == "(":
            _canonical_field(name, start)  # an unknown field is the first thing to fix
            raise QueryError(
                f"'{name}:' cannot take a (group): write {name}:a OR {name}:b", value_start
            )
        elif not value:
            _canonical_field(name, start)
            raise QueryError(f"empty value after '{name}:'", value_start)
        else:
            node = _field_atom(name, value, False, start, value_start, end)
    if node is not None:
        tokens.append(Token("atom", start, end, node))
    else:
        while tokens and tokens[-1].kind == "-" and tokens[-1].end == start:
            start -= 1
            tokens.pop()  # `-&`: the negated word vanished, so do its minuses
    return end


# ---------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Node:
        if not self.tokens:
            return Everything()
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:  # only a stray ')' can stop or_expr early
            raise QueryError("unmatched ')'", tok.start)
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.pos += 1
            self._need_operand(tok)
            items.append(self.and_expr())
        return _group(Or, items)

    def and_expr(self) -> Node:
        items = [self.unary()]
        while (tok := self.peek()) is not None and tok.kind not in ("OR", ")"):
            if tok.kind == "AND":
                self.pos += 1
                self._need_operand(tok)
            items.append(self.unary())
        return _group(And, items)

    def _need_operand(self, op: Token) -> None:
        nxt = self.peek()
        if nxt is None or nxt.kind in ("AND", "OR", ")"):
            raise QueryError(f"'{op.kind}' needs something after it", op.start)

    def unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QueryError("query ends too early", len(self.text))
        if tok.kind in ("AND", "OR"):
            raise QueryError(f"'{tok.kind}' needs something before it", tok.start)
        if tok.kind in ("NOT", "-"):
            self.pos += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in ("AND", "OR", ")"):
                raise QueryError(f"'{tok.kind}' needs something after it", tok.start)
            item = self.unary()
            return Not(item, start=tok.start, end=item.end)  # type: ignore[union-attr]
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        assert tok is not None
        self.pos += 1
        if tok.kind == "atom":
            assert tok.node is not None
            return tok.node
        if tok.kind == "(":
            nxt = self.peek()
            if nxt is None:
                raise QueryError("unclosed '('", tok.start)
            if nxt.kind == ")":
                raise QueryError("empty parentheses", tok.start)
            node = self.or_expr()
            close = self.peek()
            if close is None:
                raise QueryError("unclosed '('", tok.start)
            self.pos += 1
            # The group's span includes its parentheses so it can be cut out cleanly.
            return replace(node, start=tok.start, end=close.end)  # type: ignore[type-var]
        if tok.kind == ")":
            raise QueryError("unmatched ')'", tok.start)
        raise QueryError(f"unexpected '{tok.kind}'", tok.start)


def _group(kind: type[And] | type[Or], items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    return kind(tuple(items), start=_start(items[0]), end=_end(items[-1]))


def _start(node: Node) -> int:
    return -1 if isinstance(node, Everything) else node.start


def _end(node: Node) -> int:
    return -1 if isinstance(node, Everything) else node.end


def parse_query(text: str) -> Node:
    """Parse a query string. Raises QueryError."""
    try:
        return _Parser(text, tokenize(text)).parse()
    except RecursionError:
        # Hundreds of nested brackets or NOTs exhaust Python's stack: no one means such a query.
        raise QueryError("the query is nested too deeply", 0) from None


# ---------------------------------------------------------------------------- tree helpers


def positive_terms(node: Node) -> list[Term]:
    """The Terms not negated (an even number of NOTs counts as none), in query order: the
    words to highlight and score."""
    return _terms(node, negated=False)


def _terms(node: Node, negated: bool) -> list[Term]:
    if isinstance(node, Term):
        return [] if negated else [node]
    if isinstance(node, Not):
        return _terms(node.item, not negated)
    if isinstance(node, And | Or):
        return [term for item in node.items for term in _terms(item, negated)]
    return []


def uses_marks(node: Node) -> bool:
    """True when the query tests the user's marks or notes (`is:`, `has:`, `note:`)."""
    if isinstance(node, Mark | NoteMatch):
        return True
    if isinstance(node, Not):
        return uses_marks(node.item)
    if isinstance(node, And | Or):
        return any(uses_marks(item) for item in node.items)
    return False


def has_words(node: Node) -> bool:
    """True when the query has a positive Term, so relevance is a meaningful sort."""
    return bool(positive_terms(node))


def format_value(value: str) -> str:
    """A value as it must be typed after `field:` to parse back to itself: quoted (with `\\"`
    and `\\\\` escaped) when it holds spaces, quotes, parentheses, colons, starts with `-`, is
    empty or is an operator keyword."""
    needs_quotes = (
        not value
        or value.startswith("-")
        or value in KEYWORDS
        or any(c.isspace() or c in '"():' for c in value)
    )
    if not needs_quotes:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class FacetSelection:
    """The values of one exact field that the whole query requires: every one of them
    (mode "and", from top-level `tag:a tag:b`) or any one of them (mode "or", from a top-level
    `(tag:a OR tag:b)`)."""

    values: tuple[str, ...]
    mode: str = "and"


def _top_items(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Everything):
        return ()
    return node.items if isinstance(node, And) else (node,)


def _facet_item(node: Node) -> tuple[str, str] | None:
    """(field, value) of a facet selection item: an Exact, or `channel:word`/`channel:"a b"`."""
    if isinstance(node, Exact):
        return node.field, node.value
    if isinstance(node, Term) and node.field == "channel" and node.kind in ("word", "phrase"):
        return "channel", node.text
    return None


def _facet_group(node: Node) -> tuple[str, list[str]] | None:
    """(field, values) of an Or made only of facet items of one field, else None."""
    if not isinstance(node, Or):
        return None
    items = [_facet_item(item) for item in node.items]
    if not all(items) or len({field for field, _ in items}) != 1:  # type: ignore[misc]
        return None
    return items[0][0], [value for _, value in items]  # type: ignore[index,misc]


def _facet_field(node: Node) -> str | None:
    found = _facet_item(node) or _facet_group(node)
    return found[0] if found else None


def selected_facets(text: str) -> dict[str, FacetSelection]:
    """What the facet pane should show as selected, per facet field. Plain top-level items win
    (mode "and"); otherwise the first top-level OR group (mode "or"). A query that does not
    parse selects nothing."""
    try:
        node = parse_query(text)
    except QueryError:
        return {}
    plain: dict[str, list[str]] = {}
    groups: dict[str, list[str]] = {}
    for item in _top_items(node):
        if (single := _facet_item(item)) is not None:
            values = plain.setdefault(single[0], [])
            if single[1] not in values:
                values.append(single[1])
        elif (group := _facet_group(item)) is not None and group[0] not in groups:
            groups[group[0]] = list(dict.fromkeys(group[1]))
    out = {name: FacetSelection(tuple(values), "or") for name, values in groups.items()}
    out.update((name, FacetSelection(tuple(values), "and")) for name, values in plain.items())
    return out


def with_facets(text: str, field_name: str, values: list[str] | tuple[str, ...], mode: str) -> str:
    """`text` with the facet selection of `field_name` replaced: its top-level Exact items and
    OR groups are cut out (with an `AND` joining them), then `tag:a tag:b` (mode "and") or
    `(tag:a OR tag:b)` (mode "or") is appended; no values just removes. The rest of the text is
    kept byte for byte, except that a top-level `x OR y` is put in parentheses before appending
    so the new filter applies to all of it. Raises QueryError if `text` does not parse."""
    canonical = FIELD_NAMES.get(field_name, field_name)
    if canonical not in FACET_FIELDS:
        raise ValueError(f"{field_name!r} is not a facet field")
    if mode not in ("and", "or"):
        raise ValueError(f"mode must be 'and' or 'or', not {mode!r}")
    addition = _facet_text(canonical, list(dict.fromkeys(values)), mode)
    return _replace_top_items(text, lambda item: _facet_field(item) == canonical, addition)


def with_range(text: str, field_name: str, value: str) -> str:
    """`text` narrowed to `field:value` (e.g. `uploaded`, `2014-03`): top-level ranges on that
    field are replaced, the rest is kept as `with_facets` keeps it. Raises QueryError if `text`
    or the value does not parse."""
    canonical = FIELD_NAMES.get(field_name, field_name)
    if canonical not in RANGE_FIELDS:
        raise ValueError(f"{field_name!r} is not a range field")
    parse_range(canonical, value)
    addition = f"{canonical}:{value}"
    return _replace_top_items(
        text, lambda item: isinstance(item, Range) and item.field == canonical, addition
    )


def _replace_top_items(text: str, cut: Callable[[Node], bool], addition: str) -> str:
    """Cut the top-level items `cut` selects (with an `AND` joining them), then append
    `addition`, parenthesising a top-level `x OR y` so the addition applies to all of it."""
    tokens = tokenize(text)
    node = _Parser(text, tokens).parse()
    cuts = [_cut_span(tokens, item) for item in _top_items(node) if cut(item)]
    rest = text
    for start, end in reversed(cuts):
        before, after = rest[:start].rstrip(), rest[end:].lstrip()
        rest = f"{before} {after}" if before and after else before + after
    rest = rest.strip()
    if not addition:
        return rest
    if not rest:
        return addition
    rest_tokens = tokenize(rest)
    if isinstance(_Parser(rest, rest_tokens).parse(), Or) and not _is_one_group(rest_tokens):
        rest = f"({rest})"
    return f"{rest} {addition}"


def _is_one_group(tokens: list[Token]) -> bool:
    """True when the first '(' closes at the last token: the whole query is one group."""
    if not tokens or tokens[0].kind != "(":
        return False
    depth = 0
    for k, tok in enumerate(tokens):
        depth += (tok.kind == "(") - (tok.kind == ")")
        if depth == 0:
            return k == len(tokens) - 1
    return False


def _cut_span(tokens: list[Token], item: Node) -> tuple[int, int]:
    """The span of a top-level item plus the explicit AND that joins it to a neighbour."""
    start, end = _start(item), _end(item)
    first = next(k for k, t in enumerate(tokens) if t.start >= start)
    last = max(k for k, t in enumerate(tokens) if t.end <= end)
    if first > 0 and tokens[first - 1].kind == "AND":
        start = tokens[first - 1].start
    elif last + 1 < len(tokens) and tokens[last + 1].kind == "AND":
        end = tokens[last + 1].end
    return start, end


def _facet_text(name: str, values: list[str], mode: str) -> str:
    parts = [f"{name}:{format_value(v)}" for v in values]
    if mode == "or" and len(parts) > 1:
        return "(" + " OR ".join(parts) + ")"
    return " ".join(parts)

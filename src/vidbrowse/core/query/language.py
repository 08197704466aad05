"""The query language: text → a tree of nodes, or a QueryError saying what is wrong and where.

One parser serves the CLI and the TUI. The tree says *what* to match; `search.py` decides how
(Whoosh for words, in-memory columns for everything else).

Grammar (precedence NOT > AND > OR; AND may be implicit):

    query   := [or_expr]
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*
    unary   := "NOT" unary | "-" primary | primary
    primary := "(" or_expr ")" | word | "phrase" | field ":" value | field "=" value

The tree's nodes and fields are in nodes.py, the values of range fields in values.py, rewriting
a query's filters in editing.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import NamedTuple

from vidbrowse.core.links import query_parts
from vidbrowse.core.query.nodes import (
    EXACT_FIELDS,
    FIELD_NAMES,
    HAS_VALUES,
    IS_VALUES,
    KEYWORDS,
    LINK_FIELDS,
    MARK_FIELDS,
    MAX_FUZZY_DISTANCE,
    RANGE_FIELDS,
    SIMILAR_FIELD,
    TEXT_FIELDS,
    VALUE_FIELDS,
    And,
    Everything,
    Exact,
    Link,
    MarkTest,
    Node,
    Not,
    NoteMatch,
    Or,
    Similar,
    Term,
    positive_similar,
    positive_terms,
    span_end,
    span_start,
    uses_marks,
)
from vidbrowse.core.query.nodes import QueryError as QueryError  # what parsing raises
from vidbrowse.core.query.values import clip, parse_range

# ---------------------------------------------------------------------------- lexer


class Token(NamedTuple):
    kind: str  # "(", ")", "AND", "OR", "NOT", "-" or "atom"
    start: int
    end: int
    node: Node | None = None


_FIELD_RE = re.compile(r"([A-Za-z_]+):")
_VALUE_RE = re.compile(r"([A-Za-z_]+)=")  # `channel="CNN"`: a field only when the name is one
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
            distance = 1 if not digits else int(digits) if len(digits) <= 2 else 0  # 0: refused
            if not 1 <= distance <= MAX_FUZZY_DISTANCE:
                raise QueryError(f"'{clip(word)}': fuzzy distance must be 1 or 2", start)
            return Term(stem, "fuzzy", field_name, distance, start=start, end=end)
    if _is_blank_word(word):
        return None
    return Term(word, "word", field_name, start=start, end=end)


def _canonical_field(name: str, position: int) -> str:
    """The field a name before ':' stands for, or a QueryError naming the known ones."""
    canonical = FIELD_NAMES.get(name.lower())
    if canonical is None:
        from difflib import get_close_matches  # only a misspelt field pays for it

        close = get_close_matches(name.lower(), sorted(FIELD_NAMES), n=1)
        hint = f" — did you mean {close[0]}:?" if close else ""
        known = (*TEXT_FIELDS, *EXACT_FIELDS, *LINK_FIELDS, *RANGE_FIELDS, *MARK_FIELDS,
                 SIMILAR_FIELD)  # fmt: skip
        main = ", ".join(f"{f}:" for f in known)
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
    if canonical in LINK_FIELDS:
        return _link_atom(name, value, value_start, name_start, end)
    if canonical in EXACT_FIELDS or canonical == SIMILAR_FIELD:
        if not value.strip():
            raise QueryError(f"empty value after '{name}:'", value_start)
        if canonical == SIMILAR_FIELD:
            return Similar(value, start=name_start, end=end)
        return Exact(canonical, value, start=name_start, end=end)
    if quoted:
        if _is_blank_word(value):
            return None
        return Term(value, "phrase", canonical, start=name_start, end=end)
    term = _word_term(value, canonical, value_start, end)
    return term and replace(term, start=name_start)


def _value_atom(
    text: str, name: str, value: str, name_start: int, value_start: int, end: int
) -> tuple[Node, int]:
    """`field="whole value"` or `field=value`: an Exact of one of VALUE_FIELDS, and the offset
    after it."""
    canonical = _canonical_field(name, name_start)
    if canonical not in VALUE_FIELDS:
        known = ", ".join(f"{f}=" for f in VALUE_FIELDS)
        raise QueryError(
            f"'{name}=' takes no whole value ('=' is for {known}): write {name}:", name_start
        )
    nxt = text[end] if end < len(text) else ""
    if not value and nxt == '"':
        value, end = _read_quoted(text, value_start)
    elif not value and nxt == "(":
        raise QueryError(
            f'\'{name}=\' cannot take a (group): write {name}="a" OR {name}="b"', value_start
        )
    if not value.strip():
        raise QueryError(f"empty value after '{name}='", value_start)
    return Exact(canonical, value, start=name_start, end=end), end


def _link_atom(name: str, value: str, value_start: int, name_start: int, end: int) -> Link:
    prefix = value.endswith("*")
    stem = value[:-1] if prefix else value
    parts = query_parts(stem)
    if not parts or not all(parts):
        raise QueryError(
            f"'{name}:' needs a site, a URL or a word of one (e.g. {name}:patreon.com)",
            value_start,
        )
    if prefix and (len(parts) > 1 or len(parts[0]) < 2):
        raise QueryError(
            f"'{clip(value)}': a prefix is one part of 2+ characters and '*'", value_start
        )
    return Link(stem, prefix, start=name_start, end=end)


def _mark_atom(
    name: str, canonical: str, value: str, value_start: int, name_start: int, end: int
) -> Node:
    if canonical == "note":
        if not value.strip():
            raise QueryError(f"empty value after '{name}:'", value_start)
        return NoteMatch(value, start=name_start, end=end)
    known = IS_VALUES if canonical == "is" else HAS_VALUES
    mark = known.get(value.lower())
    if mark == "link":
        return Link("", start=name_start, end=end)
    if mark is None:
        choices = ", ".join(f"{canonical}:{v}" for v in dict.fromkeys(known.values()))
        from difflib import get_close_matches

        close = get_close_matches(value.lower(), sorted(known), n=1)
        hint = f" — did you mean {canonical}:{close[0]}?" if close else ""
        raise QueryError(
            f"unknown '{canonical}:' value '{value}'{hint} (try {choices})", value_start
        )
    return MarkTest(mark, start=name_start, end=end)


_UNDECODED = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8 (surrogateescape)


def tokenize(text: str) -> list[Token]:
    """Split a query into tokens; atoms (words, phrases, field:value) are already nodes.
    Punctuation-only words are dropped here. Raises QueryError."""
    if bad := _UNDECODED.search(text):
        byte = ord(bad.group()) - 0xDC00
        raise QueryError(
            f"byte 0x{byte:02x} is not UTF-8 text: the query cannot use it", bad.start()
        )
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
    node: Node | None
    m = _FIELD_RE.match(word)
    exact = None if m else _VALUE_RE.match(word)
    if exact is not None and exact.group(1).lower() in FIELD_NAMES:
        value_start = start + exact.end()
        node, end = _value_atom(text, exact.group(1), word[exact.end() :], start, value_start, end)
    elif m is None:
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
            if self.text.strip():  # words of punctuation only: an empty query would list all
                raise QueryError(
                    "nothing to search for: the query has no letters or digits "
                    "(an empty query lists every post)",
                    0,
                )
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
            return replace(node, start=tok.start, end=close.end)  # type: ignore[arg-type]
        if tok.kind == ")":
            raise QueryError("unmatched ')'", tok.start)
        raise QueryError(f"unexpected '{tok.kind}'", tok.start)


def _group(kind: type[And] | type[Or], items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    return kind(tuple(items), start=span_start(items[0]), end=span_end(items[-1]))


def parse_query(text: str) -> Node:
    """Parse a query string. Raises QueryError."""
    try:
        return _Parser(text, tokenize(text)).parse()
    except RecursionError:
        # Hundreds of nested brackets or NOTs exhaust Python's stack: no one means such a query.
        raise QueryError("the query is nested too deeply", 0) from None


def parse_tokens(text: str) -> tuple[list[Token], Node]:
    """The tokens of a query and its tree (for rewriting it in place). Raises QueryError."""
    tokens = tokenize(text)
    return tokens, _Parser(text, tokens).parse()


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query analysed once per search: its text, its tree and the words it looks for. Made by
    `Library.search` from the query bar's text (or by the command line, which also asks it
    whether marks are needed), it comes back as `Results.query` to the term highlighter and
    the facet pane, neither of which parses the text again."""

    text: str
    tree: Node
    terms: tuple[Term, ...]  # the positive terms: words to score and highlight
    similar: tuple[Similar, ...] = ()  # the positive `similar:`, scored by likeness

    @classmethod
    def parse(cls, text: str) -> ParsedQuery:
        """Raises QueryError for a malformed query."""
        return cls.of(parse_query(text), text)

    @classmethod
    def of(cls, tree: Node, text: str = "") -> ParsedQuery:
        """A tree built by code rather than typed (`text` is then only a label)."""
        return cls(text, tree, tuple(positive_terms(tree)), tuple(positive_similar(tree)))

    @property
    def ranked(self) -> bool:
        """Whether relevance is a meaningful sort: positive words, or `similar:`."""
        return bool(self.terms or self.similar)

    @property
    def uses_marks(self) -> bool:
        """Whether the query tests the user's marks or notes (`is:`, `has:`, `note:`)."""
        return uses_marks(self.tree)

    def default_sort(self) -> str:
        """The order of results when none is asked for: by relevance when the query has words
        or `similar:`, else newest upload first. The one place this is decided."""
        return "relevance" if self.ranked else "uploaded"


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
    return quoted(value) if needs_quotes else value


def quoted(value: str) -> str:
    """`value` in double quotes, `\"` and `\\` escaped: read back as itself."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def exact_text(field_name: str, value: str) -> str:
    """A query item that matches the whole value `value` of `field_name` (one of VALUE_FIELDS)
    and parses back to it: `tag:x` where `field:` is already exact, else `field="x"`."""
    if field_name in EXACT_FIELDS:
        return f"{field_name}:{format_value(value)}"
    return f"{field_name}={quoted(value)}"

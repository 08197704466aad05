"""Reading and rewriting a query's filters: which facet values it selects (for the facet
pane and its counts), and the text with a facet selection or a range replaced (the user's other
words kept byte for byte)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vidbrowse.core.options import FACET_FIELDS, ONE_VALUE_FACETS
from vidbrowse.core.query.facets import value_key
from vidbrowse.core.query.language import ParsedQuery, Token, exact_text, parse_tokens
from vidbrowse.core.query.nodes import (
    FIELD_NAMES,
    RANGE_FIELDS,
    And,
    Everything,
    Exact,
    Node,
    Or,
    QueryError,
    Range,
    span_end,
    span_start,
)
from vidbrowse.core.query.values import parse_range


@dataclass(frozen=True, slots=True)
class FacetSelection:
    """The values of one exact field that the whole query requires: every one of them
    (mode "and", from top-level `tag:a tag:b`) or any one of them (mode "or", from a top-level
    `(tag:a OR tag:b)`)."""

    values: tuple[str, ...]
    mode: str = "and"


def top_items(node: Node) -> tuple[Node, ...]:
    """The items the whole query requires (one unless it is an And; none for the empty query)."""
    if isinstance(node, Everything):
        return ()
    return node.items if isinstance(node, And) else (node,)


def _facet_item(node: Node) -> tuple[str, str] | None:
    """(field, value) of a facet selection item: an exact value (`tag:x`, `channel="x"`). A
    channel's words (`channel:cnn`) are not one: they also match longer names."""
    if isinstance(node, Exact) and node.field in FACET_FIELDS:
        return node.field, node.value
    return None


def _facet_group(node: Node) -> tuple[str, list[str]] | None:
    """(field, values) of an Or made only of facet items of one field, else None."""
    if not isinstance(node, Or):
        return None
    items = [_facet_item(item) for item in node.items]
    if not all(items) or len({field for field, _ in items}) != 1:  # type: ignore[misc]
        return None
    return items[0][0], [value for _, value in items]  # type: ignore[index,misc]


def facet_selections(node: Node) -> dict[str, tuple[FacetSelection, tuple[int, ...]]]:
    """Per facet field, what the query selects and the indexes of the `top_items` that hold it:
    its plain top-level items (mode "and"), else its first top-level OR group (mode "or").
    Those items are what `with_facets` replaces and what the counts of a field's other values
    leave out (search.py), so a count is what a tick finds."""
    items = top_items(node)
    plain: dict[str, dict[str, None]] = {}  # field → values (in order, once each)
    plain_at: dict[str, list[int]] = {}
    groups: dict[str, tuple[FacetSelection, tuple[int, ...]]] = {}
    for k, item in enumerate(items):
        if (single := _facet_item(item)) is not None:
            plain.setdefault(single[0], {})[single[1]] = None
            plain_at.setdefault(single[0], []).append(k)
        elif (group := _facet_group(item)) is not None and group[0] not in groups:
            groups[group[0]] = FacetSelection(tuple(dict.fromkeys(group[1])), "or"), (k,)
    for name, values in plain.items():
        groups[name] = FacetSelection(tuple(values), "and"), tuple(plain_at[name])
    return groups


def selected_facets(query: ParsedQuery | str) -> dict[str, FacetSelection]:
    """What the facet pane should show as selected, per facet field (see `facet_selections`).
    Query text that does not parse selects nothing."""
    if isinstance(query, str):
        try:
            query = ParsedQuery.parse(query)
        except QueryError:
            return {}
    return {name: found[0] for name, found in facet_selections(query.tree).items()}


def with_facets(text: str, field_name: str, values: list[str] | tuple[str, ...], mode: str) -> str:
    """`text` with the facet selection of `field_name` replaced: the items holding it (see
    `facet_selections`) are cut out (with an `AND` joining them), then `tag:a tag:b` (mode "and")
    or `(tag:a OR tag:b)` (mode "or") is appended, each value written exactly (`exact_text`:
    `channel="A"`); no values just removes. The rest of the text is kept byte for byte, except
    that a top-level `x OR y` is put in parentheses before appending so the new filter applies
    to all of it. Raises QueryError if `text` does not parse."""
    canonical = FIELD_NAMES.get(field_name, field_name)
    if canonical not in FACET_FIELDS:
        raise ValueError(f"{field_name!r} is not a facet field")
    if mode not in ("and", "or"):
        raise ValueError(f"mode must be 'and' or 'or', not {mode!r}")
    addition = _facet_text(canonical, list(dict.fromkeys(values)), mode)

    def held(node: Node) -> tuple[int, ...]:
        found = facet_selections(node).get(canonical)
        return found[1] if found else ()

    return _replace_top_items(text, held, addition)


def tick_mode(field_name: str, selection: FacetSelection | None, pane_mode: str) -> str:
    """How a tick of `field_name` combines with its `selection`: "or" for a field with one value
    per post (two channels can only mean either), a selection of two or more keeps its own
    mode, else the facet pane's `pane_mode`."""
    if field_name in ONE_VALUE_FACETS:
        return "or"
    if selection is not None and len(selection.values) > 1:
        return selection.mode
    return pane_mode


def ticked(text: str, field_name: str, value: str, on: bool, pane_mode: str) -> str:
    """`text` after the facet pane ticks (`on`) or unticks `value` of `field_name`: the value
    joins or leaves the field's selection (compared as the counts compare values), combined as
    `tick_mode` says. Raises QueryError if `text` does not parse."""
    current = selected_facets(text).get(field_name)
    key = value_key(value)
    values = [v for v in (current.values if current else ()) if value_key(v) != key]
    if on:
        values.append(value)
    return with_facets(text, field_name, values, tick_mode(field_name, current, pane_mode))


def with_range(text: str, field_name: str, value: str) -> str:
    """`text` narrowed to `field:value` (e.g. `uploaded`, `2014-03`): top-level ranges on that
    field are replaced, the rest is kept as `with_facets` keeps it. Raises QueryError if `text`
    or the value does not parse."""
    canonical = FIELD_NAMES.get(field_name, field_name)
    if canonical not in RANGE_FIELDS:
        raise ValueError(f"{field_name!r} is not a range field")
    parse_range(canonical, value)
    addition = f"{canonical}:{value}"

    def ranges(node: Node) -> list[int]:
        items = enumerate(top_items(node))
        return [k for k, item in items if isinstance(item, Range) and item.field == canonical]

    return _replace_top_items(text, ranges, addition)


def _replace_top_items(text: str, cut: Callable[[Node], Iterable[int]], addition: str) -> str:
    """Cut the top-level items `cut` picks (their indexes in `top_items`, with an `AND` joining
    them), then append `addition`, parenthesising a top-level `x OR y` so the addition applies
    to all of it."""
    tokens, node = parse_tokens(text)
    items = top_items(node)
    cuts = [_cut_span(tokens, items[k]) for k in sorted(cut(node))]
    rest = text
    for start, end in reversed(cuts):
        before, after = rest[:start].rstrip(), rest[end:].lstrip()
        rest = f"{before} {after}" if before and after else before + after
    rest = rest.strip()
    if not addition:
        return rest
    if not rest:
        return addition
    rest_tokens, rest_node = parse_tokens(rest)
    if isinstance(rest_node, Or) and not _is_one_group(rest_tokens):
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
    start, end = span_start(item), span_end(item)
    first = next(k for k, t in enumerate(tokens) if t.start >= start)
    last = max(k for k, t in enumerate(tokens) if t.end <= end)
    if first > 0 and tokens[first - 1].kind == "AND":
        start = tokens[first - 1].start
    elif last + 1 < len(tokens) and tokens[last + 1].kind == "AND":
        end = tokens[last + 1].end
    return start, end


def _facet_text(name: str, values: list[str], mode: str) -> str:
    parts = [exact_text(name, v) for v in values]
    if mode == "or" and len(parts) > 1:
        return "(" + " OR ".join(parts) + ")"
    return " ".join(parts)

"""Reading and rewriting a query's filters: which facet values it selects (for the facet
pane), and the text with a facet selection or a range replaced (the user's other words kept
byte for byte)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vidbrowse.core.options import FACET_FIELDS
from vidbrowse.core.query.language import ParsedQuery, Token, format_value, parse_tokens
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
    Term,
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


def selected_facets(query: ParsedQuery | str) -> dict[str, FacetSelection]:
    """What the facet pane should show as selected, per facet field. Plain top-level items win
    (mode "and"); otherwise the first top-level OR group (mode "or"). Query text that does not
    parse selects nothing."""
    if isinstance(query, str):
        try:
            query = ParsedQuery.parse(query)
        except QueryError:
            return {}
    plain: dict[str, list[str]] = {}
    groups: dict[str, list[str]] = {}
    for item in _top_items(query.tree):
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
    tokens, node = parse_tokens(text)
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
    parts = [f"{name}:{format_value(v)}" for v in values]
    if mode == "or" and len(parts) > 1:
        return "(" + " OR ".join(parts) + ")"
    return " ".join(parts)

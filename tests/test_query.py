"""The query language: syntax → node trees, errors → message and position, value parsers,
and the facet rewriting helpers used by the TUI."""

from __future__ import annotations

import calendar

import pytest

from vidbrowse.core.query.editing import FacetSelection, selected_facets, with_facets, with_range
from vidbrowse.core.query.language import format_value, parse_query
from vidbrowse.core.query.nodes import (
    And,
    Everything,
    Exact,
    MarkTest,
    Not,
    NoteMatch,
    Or,
    QueryError,
    Range,
    Term,
    positive_terms,
)
from vidbrowse.core.query.values import parse_count, parse_date_period, parse_duration


def utc(year: int, month: int = 1, day: int = 1) -> int:
    return calendar.timegm((year, month, day, 0, 0, 0))


def w(text: str, field: str | None = None) -> Term:
    return Term(text, "word", field)


TREES: list[tuple[str, object]] = [
    ("", Everything()),
    ("   \t ", Everything()),
    ("cat", w("cat")),
    ("cat video", And((w("cat"), w("video")))),
    ("Café Ünïcode", And((w("Café"), w("Ünïcode")))),
    ('"a Phrase"', Term("a Phrase", "phrase")),
    (r'"say \"hi\" \\ ok"', Term('say "hi" \\ ok', "phrase")),
    ("cat*", Term("cat", "prefix")),
    ("cat~", Term("cat", "fuzzy")),
    ("cat~2", Term("cat", "fuzzy", distance=2)),
    ("a AND b", And((w("a"), w("b")))),
    ("a b AND c", And((w("a"), w("b"), w("c")))),
    ("a OR b", Or((w("a"), w("b")))),
    ("a OR b OR c", Or((w("a"), w("b"), w("c")))),
    ("a and b or c", And((w("a"), w("and"), w("b"), w("or"), w("c")))),
    # NOT > AND > OR
    ("a b OR c", Or((And((w("a"), w("b"))), w("c")))),
    ("a OR b c", Or((w("a"), And((w("b"), w("c")))))),
    ("a AND b OR c AND d", Or((And((w("a"), w("b"))), And((w("c"), w("d")))))),
    ("NOT a b", And((Not(w("a")), w("b")))),
    ("NOT NOT a", Not(Not(w("a")))),
    ("a OR NOT b", Or((w("a"), Not(w("b"))))),
    ("(a OR b) c", And((Or((w("a"), w("b"))), w("c")))),
    ("((a))", w("a")),
    ("(a b) c", And((And((w("a"), w("b"))), w("c")))),
    ("-a", Not(w("a"))),
    ("NOT a", Not(w("a"))),
    ("a -b", And((w("a"), Not(w("b"))))),
    ('-"x y"', Not(Term("x y", "phrase"))),
    ("-(a OR b)", Not(Or((w("a"), w("b"))))),
    ("-tag:x", Not(Exact("tag", "x"))),
    ("-views:>10", Not(Range("views", 11, None))),
    ("--a", Not(Not(w("a")))),
    ("self-driving", w("self-driving")),
    ("don't", w("don't")),
    # punctuation-only words vanish
    ("a - b & c", And((w("a"), w("b"), w("c")))),
    ("-& a", w("a")),
    ("--& a", w("a")),
    ("-NOT a", And((Not(w("NOT")), w("a")))),  # a keyword glued to "-" is a word
    ('"" a', w("a")),
    # text fields and their aliases
    ("title:Cat", w("Cat", "title")),
    ("channel:foo", w("foo", "channel")),
    ("text:foo", w("foo", "text")),
    ("desc:foo", w("foo", "text")),
    ("description:foo", w("foo", "text")),
    ("body:foo", w("foo", "text")),
    ("Title:foo", w("foo", "title")),
    ('title:"big cat"', Term("big cat", "phrase", "title")),
    ("title:cat*", Term("cat", "prefix", "title")),
    ("title:cat~2", Term("cat", "fuzzy", "title", 2)),
    # exact fields and aliases
    ("tag:Music", Exact("tag", "Music")),
    ("tags:x", Exact("tag", "x")),
    ("category:x", Exact("category", "x")),
    ("categories:x", Exact("category", "x")),
    ("cat:x", Exact("category", "x")),
    ("id:dQw4w9WgXcQ", Exact("id", "dQw4w9WgXcQ")),
    ("vid_id:-abc", Exact("id", "-abc")),
    ('tag:"rock & roll"', Exact("tag", "rock & roll")),
    (r'tag:"say \"x\""', Exact("tag", 'say "x"')),
    ("tag:a*", Exact("tag", "a*")),
    ("tag:x)", None),  # error: unmatched ')' (checked below)
    ("(tag:x)", Exact("tag", "x")),
    # whole values: `field="value"` (channel included: `channel:` is its words)
    ('channel="CNN"', Exact("channel", "CNN")),
    ("channel=CNN", Exact("channel", "CNN")),
    ('Channel="CNN 10"', Exact("channel", "CNN 10")),
    ('channel="  Zoë \\"Q\\" (live) "', Exact("channel", '  Zoë "Q" (live) ')),
    ("channel=a:b", Exact("channel", "a:b")),
    ('-channel="A" x', And((Not(Exact("channel", "A")), w("x")))),
    ('cat="Film & Animation"', Exact("category", "Film & Animation")),
    ('tags="rock"', Exact("tag", "rock")),
    ("id=abc", Exact("id", "abc")),
    ("x=y", w("x=y")),  # not a field: a word, as before
    ("tag:a=b", Exact("tag", "a=b")),
    # ranges
    ("views:1000", Range("views", 1000, 1001)),
    ("views:>1k", Range("views", 1001, None)),
    ("views:>=1k", Range("views", 1000, None)),
    ("views:<1k", Range("views", None, 1000)),
    ("views:<=1k", Range("views", None, 1001)),
    ("likes:10..20", Range("likes", 10, 21)),
    ("dislikes:10..", Range("dislikes", 10, None)),
    ("views:..20", Range("views", None, 21)),
    ("views:5..5", Range("views", 5, 6)),
    ('views:"1,000"', Range("views", 1000, 1001)),
    ("duration:90s..1h30m", Range("duration", 90, 5401)),
    ("duration:>10m", Range("duration", 601, None)),
    ("duration:<1:30", Range("duration", None, 90)),
    ("uploaded:2014", Range("uploaded", utc(2014), utc(2015))),
    ("uploaded:>2014", Range("uploaded", utc(2015), None)),
    ("uploaded:>=2014", Range("uploaded", utc(2014), None)),
    ("uploaded:<2014-03", Range("uploaded", None, utc(2014, 3))),
    ("uploaded:<=2014-03", Range("uploaded", None, utc(2014, 4))),
    ("uploaded:2014-03..2015", Range("uploaded", utc(2014, 3), utc(2016))),
    ("posted:2014-12", Range("posted", utc(2014, 12), utc(2015))),
    ("posted:..2014-02-28", Range("posted", None, utc(2014, 3))),
    (
        "cat title:dog tag:pets views:>1M -tag:sad",
        And(
            (
                w("cat"),
                w("dog", "title"),
                Exact("tag", "pets"),
                Range("views", 1_000_001, None),
                Not(Exact("tag", "sad")),
            )
        ),
    ),
]


@pytest.mark.parametrize(("text", "expected"), [t for t in TREES if t[1] is not None])
def test_parse_tree(text: str, expected: object) -> None:
    assert parse_query(text) == expected


ERRORS: list[tuple[str, str, int]] = [
    ("(a b", "unclosed '('", 0),
    ("a (b (c)", "unclosed '('", 2),
    ("a b)", "unmatched ')'", 3),
    ("tag:x)", "unmatched ')'", 5),
    ("()", "empty parentheses", 0),
    ('a "b c', "unclosed quote", 2),
    ('tag:"b c', "unclosed quote", 4),
    (r'"b c\"', "unclosed quote", 0),
    ("tilte:x", "did you mean title:?", 0),
    ("a tilte:x", "unknown field 'tilte:'", 2),
    ("-tilte:x", "did you mean title:?", 1),
    ("foo:x", "fields: title:, channel:", 0),
    ("is:watched", "unknown 'is:' value 'watched'", 3),
    ("a is:stared", "did you mean is:starred?", 5),
    ("has:tags", "unknown 'has:' value 'tags' (try has:note, has:link)", 4),
    ("note:", "empty value after 'note:'", 5),
    ('note:""', "empty value after 'note:'", 5),
    ("title:", "empty value after 'title:'", 6),
    ("a tag: b", "empty value after 'tag:'", 6),
    ('tag:""', "empty value after 'tag:'", 4),
    ("views:", "empty value after 'views:'", 6),
    ("title:(a b)", "cannot take a (group)", 6),
    ("views:10x", "'10x' is not a count", 6),
    ("views:1,00", "is not a count", 6),
    ("views:1.2345k", "is not a count", 6),
    ("views:>", "missing value", 7),
    ("views:..", "needs at least one end", 6),
    ("duration:10x", "'10x' is not a duration (try 90s, 10m, 1h30m", 9),
    ("duration:1..x", "'x' is not a duration", 12),
    ("uploaded:2014-13", "is not a date", 9),
    ("uploaded:2014-02-30", "is not a date", 9),
    ("uploaded:14", "is not a date", 9),
    ("likes:20..10", "reversed", 6),
    ("uploaded:2015..2014", "reversed", 9),
    ("a AND", "'AND' needs something after it", 2),
    ("a OR", "'OR' needs something after it", 2),
    ("OR a", "'OR' needs something before it", 0),
    ("AND a", "'AND' needs something before it", 0),
    ("a OR OR b", "'OR' needs something after it", 2),
    ("a AND OR b", "'AND' needs something after it", 2),
    ("(a OR) b", "'OR' needs something after it", 3),
    ("NOT", "'NOT' needs something after it", 0),
    ("a NOT", "'NOT' needs something after it", 2),
    ("*", "bare '*'", 0),
    ("a *", "bare '*'", 2),
    ("a*", "at least 2 characters", 0),
    ("title:a*", "at least 2 characters", 6),
    ("cat~3", "fuzzy distance must be 1 or 2", 0),
    ("channel=", "empty value after 'channel='", 8),
    ('a channel=""', "empty value after 'channel='", 10),
    ('channel="x', "unclosed quote", 8),
    ("channel=(a b)", "cannot take a (group)", 8),
    ('title="x"', "'title=' takes no whole value ('=' is for channel=, tag=", 0),
    ("x views=10", "write views:", 2),
]


@pytest.mark.parametrize(("text", "fragment", "position"), ERRORS)
def test_parse_errors(text: str, fragment: str, position: int) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(text)
    assert fragment in info.value.message
    assert info.value.position == position
    assert str(info.value).endswith(f"(at character {position + 1})")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("1000", 1000),
        ("1,000", 1000),
        ("12,345,678", 12_345_678),
        ("1.5k", 1500),
        ("43K", 43_000),
        ("1M", 1_000_000),
        ("1.2m", 1_200_000),
        ("2B", 2_000_000_000),
        ("2.5b", 2_500_000_000),
    ],
)
def test_parse_count(text: str, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["", "k", "1x", "1,0000", ",100", "1.5", "-3", "1.2345k", "1e3"])
def test_parse_count_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not a count"):
        parse_count(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("10m", 600),
        ("1h30m", 5400),
        ("1H30M5S", 5405),
        ("1h", 3600),
        ("2d", 172_800),
        ("1.5h", 5400),
        ("1:30", 90),
        ("90:00", 5400),
        ("1:02:03", 3723),
        ("PT1M30S", 90),
        ("pt1h", 3600),
        ("P1DT1S", 86401),
        ("PT0S", 0),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10x", "1:75", "1:60:00", "P", "PT", "1.5s", "h", "P1Y"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2014", (utc(2014), utc(2015))),
        ("2014-03", (utc(2014, 3), utc(2014, 4))),
        ("2014-12", (utc(2014, 12), utc(2015))),
        ("2014-3-5", (utc(2014, 3, 5), utc(2014, 3, 6))),
        ("2016-02-29", (utc(2016, 2, 29), utc(2016, 3, 1))),
        ("2014-12-31", (utc(2014, 12, 31), utc(2015))),
        ("2014-03-05T10:00", (utc(2014, 3, 5) + 36000, utc(2014, 3, 5) + 36060)),
        ("2014-03-05T10:00:30Z", (utc(2014, 3, 5) + 36030, utc(2014, 3, 5) + 36031)),
        ("1970", (0, 31_536_000)),
    ],
)
def test_parse_date_period(text: str, period: tuple[int, int]) -> None:
    assert parse_date_period(text) == period


@pytest.mark.parametrize(
    "text", ["", "14", "2014-00", "2014-13", "2015-02-29", "2014-03-05T24:00", "2014/03", "x"]
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_date_period(text)


def test_spans_cover_the_source() -> None:
    text = 'cat (tag:a OR tag:"b c") -views:>10'
    node = parse_query(text)
    assert isinstance(node, And)
    assert [text[i.start : i.end] for i in node.items] == [  # type: ignore[union-attr]
        "cat",
        '(tag:a OR tag:"b c")',
        "-views:>10",
    ]


def test_positive_terms() -> None:
    node = parse_query('cat -dog NOT (fish OR bird) "a b" OR title:xy* tag:y')
    assert [t.text for t in positive_terms(node)] == ["cat", "a b", "xy"]
    assert not positive_terms(parse_query("-cat tag:x views:>10"))
    assert not positive_terms(parse_query(""))
    assert positive_terms(parse_query("NOT -cat")) == [w("cat")]


@pytest.mark.parametrize(
    ("value", "typed"),
    [
        ("music", "music"),
        ("rock-n-roll", "rock-n-roll"),
        ("rock & roll", '"rock & roll"'),
        ("-x", '"-x"'),
        ('say "x"', r'"say \"x\""'),
        ("a:b", '"a:b"'),
        ("(x)", '"(x)"'),
        ("OR", '"OR"'),
        ("back\\slash", "back\\slash"),
        ('back\\ "q', r'"back\\ \"q"'),
    ],
)
def test_format_value_round_trips(value: str, typed: str) -> None:
    assert format_value(value) == typed
    assert parse_query(f"tag:{typed}") == Exact("tag", value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("tag:a cat tag:b", {"tag": FacetSelection(("a", "b"), "and")}),
        ("(tag:a OR tag:b) x", {"tag": FacetSelection(("a", "b"), "or")}),
        ("tag:a OR tag:b", {"tag": FacetSelection(("a", "b"), "or")}),
        ("tag:z (tag:a OR tag:b)", {"tag": FacetSelection(("z",), "and")}),
        ("cat:x -tag:y", {"category": FacetSelection(("x",), "and")}),
        ("a OR tag:b", {}),
        ("(tag:a", {}),  # does not parse: nothing selected
        ('x (channel="TEDx Talks" OR channel=TED)',
         {"channel": FacetSelection(("TEDx Talks", "TED"), "or")}),
        # A channel's words are no selection (they match longer names too), nor are prefixes.
        ('channel:ted channel:"TEDx Talks" channel:ted* channel:tedd~', {}),
        ("id:x title:y", {}),  # exact, but no facet field
    ],
)
def test_selected_facets(text: str, expected: dict[str, FacetSelection]) -> None:
    assert selected_facets(text) == expected


REWRITES: list[tuple[str, str, list[str], str, str]] = [
    # (text, field, values, mode, result)
    ("", "tag", ["a"], "and", "tag:a"),
    ("", "tag", ["a", "b"], "and", "tag:a tag:b"),
    ("", "tag", ["a", "b"], "or", "(tag:a OR tag:b)"),
    ("", "tag", ["a"], "or", "tag:a"),
    ("cat  video", "tag", ["a"], "and", "cat  video tag:a"),
    ("cat tag:a", "tag", ["a", "b"], "and", "cat tag:a tag:b"),
    ("tag:a cat", "tag", ["b"], "and", "cat tag:b"),
    ("cat tag:a  dog", "tag", [], "and", "cat dog"),
    ("cat tag:a", "tag", ["a", "b"], "or", "cat (tag:a OR tag:b)"),
    ("cat (tag:a OR tag:b) dog", "tag", ["a"], "and", "cat dog tag:a"),
    ("cat AND tag:a", "tag", [], "and", "cat"),
    ("tag:a AND cat", "tag", [], "and", "cat"),
    ("x AND tag:a AND y", "tag", [], "and", "x AND y"),
    ("tag:a OR tag:b", "tag", ["c"], "and", "tag:c"),
    ("(tag:a)", "tag", [], "and", ""),
    ("foo OR bar", "tag", ["a"], "and", "(foo OR bar) tag:a"),
    ("(foo OR bar)", "tag", ["a"], "and", "(foo OR bar) tag:a"),
    ("(a) OR (b)", "tag", ["x"], "and", "((a) OR (b)) tag:x"),
    ("x -tag:a cat:b", "tag", ["c"], "and", "x -tag:a cat:b tag:c"),
    ("x categories:b", "category", ["c d"], "and", 'x category:"c d"'),
    ("x cat:b", "cat", [], "and", "x"),
    ('Ünï  title:"A  b" tag:x', "tag", ['q"z'], "and", 'Ünï  title:"A  b" tag:"q\\"z"'),
    ("x (tag:a OR cat:b)", "tag", ["c"], "and", "x (tag:a OR cat:b) tag:c"),
]


@pytest.mark.parametrize(("text", "field", "values", "mode", "result"), REWRITES)
def test_with_facets(text: str, field: str, values: list[str], mode: str, result: str) -> None:
    assert with_facets(text, field, values, mode) == result
    canonical = {"cat": "category", "categories": "category"}.get(field, field)
    selection = selected_facets(result).get(canonical)
    if values:
        assert selection == FacetSelection(tuple(values), mode if len(values) > 1 else "and")
    else:
        assert selection is None


def test_with_facets_round_trip_keeps_other_fields() -> None:
    text = with_facets("music", "tag", ["a b", "c"], "or")
    text = with_facets(text, "category", ["Film"], "and")
    assert selected_facets(text) == {
        "tag": FacetSelection(("a b", "c"), "or"),
        "category": FacetSelection(("Film",), "and"),
    }
    text = with_facets(text, "tag", [], "or")
    assert text == "music category:Film"


def test_with_facets_writes_channels_exactly() -> None:
    text = with_facets("cats", "channel", ["TEDx Talks", "TED"], "or")
    assert text == 'cats (channel="TEDx Talks" OR channel="TED")'
    assert parse_query(text).items[1] == Or(
        (Exact("channel", "TEDx Talks"), Exact("channel", "TED"))
    )
    assert with_facets(text, "channel", [], "or") == "cats"


def test_with_facets_replaces_only_the_selection() -> None:
    # The selection is the plain items; the group stays (the counts leave out the same items).
    text = "tag:z (tag:a OR tag:b)"
    assert with_facets(text, "tag", ["z", "c"], "and") == "(tag:a OR tag:b) tag:z tag:c"
    # `channel:cnn` is words, not a selection: a tick keeps it.
    assert with_facets("channel:cnn", "channel", ["CNN"], "or") == 'channel:cnn channel="CNN"'


def test_with_facets_rejects_bad_input() -> None:
    with pytest.raises(QueryError):
        with_facets("(a", "tag", ["x"], "and")
    with pytest.raises(ValueError, match="not a facet field"):
        with_facets("a", "title", ["x"], "and")
    with pytest.raises(ValueError, match="mode"):
        with_facets("a", "tag", ["x"], "xor")


@pytest.mark.parametrize(("text", "expected"), [
    ("is:starred", MarkTest("starred")),
    ("IS:Star", MarkTest("starred")),
    ("-is:read has:note", And((Not(MarkTest("read")), MarkTest("note")))),
    ("is:unread OR note:todo", Or((MarkTest("unread"), NoteMatch("todo")))),
    ('notes:"two  words"', NoteMatch("two  words")),
])  # fmt: skip
def test_mark_terms(text: str, expected: object) -> None:
    node = parse_query(text)
    assert node == expected
    assert not positive_terms(node)


@pytest.mark.parametrize(("text", "value", "result"), [
    ("", "2014", "uploaded:2014"),
    ("cats", "2014", "cats uploaded:2014"),
    ("cats uploaded:2014 tag:x", "2014-03", "cats tag:x uploaded:2014-03"),
    ("cats AND uploaded:>2010", "2014", "cats uploaded:2014"),
    ("a OR b", "2014", "(a OR b) uploaded:2014"),
    ("(uploaded:2014 OR b)", "2015", "(uploaded:2014 OR b) uploaded:2015"),
])  # fmt: skip
def test_with_range_narrows_to_a_bar(text: str, value: str, result: str) -> None:
    assert with_range(text, "uploaded", value) == result
    parse_query(result)


def test_with_range_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="not a range field"):
        with_range("", "tag", "x")
    with pytest.raises(QueryError, match="not a date"):
        with_range("", "uploaded", "2014-13")

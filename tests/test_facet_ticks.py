"""Exact facet values (issue 12, point 4): `channel="CNN"` is the whole name, ticking a value
writes its exact form, and the count beside every value is what ticking it finds, over
generated archives, awkward values and the shared corpus; within a field, counts leave out the
field's own selection where a tick adds an alternative (disjunctive facets)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.cli import cli_env
from helpers.cli import run_text as run_cli
from helpers.facets import AWKWARD, check_every_tick, write_awkward_posts
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.editing import selected_facets, ticked, with_facets
from vidbrowse.core.query.facets import value_key
from vidbrowse.core.query.language import exact_text, parse_query
from vidbrowse.core.query.nodes import VALUE_FIELDS, Exact
from vidbrowse.generate import generate_archive

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("ticks")
    archive = root / "archive"
    generate_archive(archive, 400, seed=5)
    write_awkward_posts(archive)
    with Library.open(archive, cache_dir=root / "cache") as library:
        library.update()
    return archive, root / "cache"


def _channels(library: Library, text: str) -> set[str]:
    results = library.search(text, facet_limit=0)
    return {row.channel for row in results.rows(0, results.total)}


def test_a_ticked_channel_is_that_channel_only(library: Library) -> None:
    text = ticked("", "channel", "CNN", True, "and")
    assert text == 'channel="CNN"'
    assert {value_key(c) for c in _channels(library, text)} == {"cnn"}  # "cnn" folds with it
    assert "CNN 10" in _channels(library, "channel:CNN")  # the words still match longer names
    counts = dict(library.search("").facets["channel"])
    assert counts["CNN"] == 4 and counts["CNN 10"] == 2
    assert library.search(text).total == 4


def test_a_second_channel_is_ticked_from_the_list(library: Library) -> None:
    one = library.search('channel="CNN"')
    # The channel counts leave out the channel selection; the other fields' do not.
    assert dict(one.counts_for("channel", "or"))["CNN 10"] == 2
    assert one.facets["channel"] == [("CNN", 4)]
    assert dict(one.counts_for("tag", "or")) == dict(one.facets["tag"])  # no tag selection
    both = ticked('channel="CNN"', "channel", "CNN 10", True, "and")
    assert both == '(channel="CNN" OR channel="CNN 10")'
    assert library.search(both).total == 6
    assert selected_facets(both)["channel"].values == ("CNN", "CNN 10")
    assert ticked(both, "channel", "cnn", False, "and") == 'channel="CNN 10"'  # unticked


def test_counts_are_disjunctive_only_where_a_tick_adds_an_alternative(library: Library) -> None:
    # Tags in "all" mode: a tick narrows, so counts are over the results.
    narrowed = library.search("tag:news")
    assert dict(narrowed.counts_for("tag", "and"))["kids"] == 1
    # In "any" mode they leave out the tag selection (and keep the channel's).
    either = library.search('(tag:news OR tag:live) channel="CNN 10"')
    assert dict(either.counts_for("tag", "or"))["kids"] == 2
    assert dict(either.facets["tag"])["kids"] == 1
    assert "live" not in dict(either.counts_for("tag", "or"))  # no CNN 10 post is "live"


@pytest.mark.parametrize("channel", sorted({channel for channel, _, _ in AWKWARD}))
def test_every_awkward_value_round_trips(library: Library, channel: str) -> None:
    every = library.search("", facet_limit=None).facets["channel"]
    label = next(v for v, _ in every if value_key(v) == value_key(channel))
    text = ticked("x -tag:y", "channel", label, True, "and")
    assert selected_facets(text)["channel"].values == (label,)
    holding = sum(value_key(c) == value_key(channel) for c, _, _ in AWKWARD)
    assert library.search(text.replace("x -tag:y ", "")).total == holding


def test_every_shown_count_is_what_its_tick_finds(library: Library) -> None:
    everything = library.search("")
    tag, channel, category = (everything.facets[f][0][0] for f in ("tag", "channel", "category"))
    second_tag = everything.facets["tag"][1][0]
    bases = [
        "",
        exact_text("tag", tag),
        f"({exact_text('tag', tag)} OR {exact_text('tag', second_tag)})",
        exact_text("channel", channel),
        f"{exact_text('category', category)} duration:>2m",
        f'-{exact_text("tag", tag)} (channel="CNN" OR channel="AND")',
        "tag:news",
        "video OR music",
    ]
    assert sum(check_every_tick(library, base) for base in bases) > 500


# Names that differ only by a mark that is part of a letter: a Devanagari virama (पत्रिका is
# patrika, पतरिका another word), a nukta, a Thai vowel sign; and spellings that are one value.
MARKED = [
    ("पत्रिका", ["समाचार"], "News & Politics"),
    ("पत्रिका", ["समाचार"], "News & Politics"),
    ("पतरिका", ["समचार"], "News & Politics"),
    ("राज़ टीवी", ["ज़िंदगी"], "Music"),
    ("राज टीवी", ["जिंदगी"], "Music"),
    ("ครูสอน", ["ดนตรี"], "Education"),
    ("ครสอน", ["ดนตร"], "Education"),
    ("Café Ｔｖ", ["Ёлка"], "Music"),
    ("CAFE tv", ["ёлка"], "Music"),
]


def test_names_differing_by_a_letters_own_mark_are_two_values(tmp_path: Path) -> None:
    write_awkward_posts(tmp_path / "archive", MARKED)
    with Library.open(tmp_path / "archive", cache_dir=tmp_path / "cache") as library:
        library.update()
        everything = library.search("", facet_limit=None)
        channels = dict(everything.facets["channel"])
        assert channels["पत्रिका"] == 2 and channels["पतरिका"] == 1
        assert channels["राज़ टीवी"] == channels["राज टीवी"] == 1
        assert channels["ครูสอน"] == channels["ครสอน"] == 1
        assert channels.get("Café Ｔｖ", channels.get("CAFE tv")) == 2  # case, width, accents fold
        tags = dict(everything.facets["tag"])
        assert tags["समाचार"] == 2 and tags["समचार"] == 1
        assert library.search('channel="पतरिका"').total == 1
        assert library.search("tag:ज़िंदगी").total == 1
        assert check_every_tick(library, "") >= 2 * len(channels)


@pytest.mark.slow  # indexes the corpus's ~6k posts (about a minute on a busy machine)
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_every_shown_count_is_what_its_tick_finds_in_the_corpus(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with Library.open(CORPUS, cache_dir=tmp_path_factory.mktemp("corpus")) as library:
        library.update()
        everything = library.search("")
        channel = everything.facets["channel"][0][0]
        tag = everything.facets["tag"][0][0]
        bases = ["", exact_text("channel", channel), f"music {exact_text('tag', tag)}"]
        assert sum(check_every_tick(library, base) for base in bases) > 300


VALUES = st.text(min_size=1, max_size=30).filter(
    lambda v: v.strip() != "" and not any("\udc80" <= c <= "\udcff" for c in v)
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(VALUE_FIELDS), VALUES)
def test_exact_values_parse_back_to_themselves(field: str, value: str) -> None:
    assert parse_query(exact_text(field, value)) == Exact(field, value)
    if field != "id":
        values = tuple(dict.fromkeys([value, "x"]))
        written = with_facets("a OR b", field, values, "or")
        assert selected_facets(written)[field].values == values


def test_the_command_line_takes_exact_values(indexed: tuple[Path, Path], tmp_path: Path) -> None:
    archive, cache = indexed
    env = cli_env(cache)
    found = run_cli("search", str(archive), 'channel="CNN"', "--json", env=env)
    assert found.returncode == 0, found.stderr
    assert found.stdout.count("\n") == 4 and "CNN 10" not in found.stdout
    facets = run_cli("facets", str(archive), 'channel="CNN 10"', "--field", "channel", env=env)
    assert facets.returncode == 0, facets.stderr
    assert "CNN 10" in facets.stdout and "2" in facets.stdout
    wrong = run_cli("search", str(archive), 'title="CNN"', env=env)
    assert wrong.returncode == 2 and "'title=' takes no whole value" in wrong.stderr

"""More like this (`similar:VID_ID`, core/query/similar.py): the closest posts first, the post
and its copies left out, unrelated posts not listed; the engine's document counts both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.similar import indexed_similar_archive
from vidbrowse.core.engine.postings import PostingSources
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.language import ParsedQuery, QueryError, parse_query
from vidbrowse.core.query.nodes import Not, Similar


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return indexed_similar_archive(tmp_path_factory.mktemp("similar"))


def similar_ids(library: Library, query: str) -> list[str]:
    results = library.search(query, facet_limit=0)
    return [row.vid_id for row in results.rows(0, results.total)]


def test_a_near_duplicate_ranks_first_and_the_post_itself_is_left_out(library: Library) -> None:
    found = similar_ids(library, "similar:SRC")
    assert found[0] == "TWIN"
    assert "SRC" not in found  # neither the post nor its copy at another path


def test_posts_sharing_less_follow_and_the_channel_counts(library: Library) -> None:
    found = similar_ids(library, "similar:SRC")
    # The bagel posts share words ("baking", "dough", "oven") and a tag; the one in the post's
    # own channel comes first, though the other shares "crust" too.
    assert found[1:3] == ["BAGEL2", "-BAGEL"]


def test_unrelated_posts_are_not_listed(library: Library) -> None:
    """The fillers share only common words ("the", "a", "with") with the post."""
    found = similar_ids(library, "similar:SRC")
    assert not [vid for vid in found if vid.startswith("FILL")]


def test_a_post_sharing_nothing_lists_nothing(library: Library) -> None:
    assert similar_ids(library, "similar:LONE") == []


def test_a_post_is_found_by_its_path_too(library: Library) -> None:
    assert similar_ids(library, 'similar:"_posts/twin.md"')[0] == "SRC"


def test_an_unknown_id_matches_nothing(library: Library) -> None:
    assert similar_ids(library, "similar:NO_SUCH_ID") == []


def test_ranked_by_likeness_unless_another_sort_is_asked(library: Library) -> None:
    query = ParsedQuery.parse("similar:SRC")
    assert query.default_sort() == "relevance"
    results = library.search(query, facet_limit=0)
    scores = [row.score for row in results.rows(0, results.total)]
    assert scores == sorted(scores, reverse=True) and all(s and s > 0 for s in scores)
    by_title = library.search(query, sort="title", facet_limit=0)
    assert {r.vid_id for r in by_title.rows(0, 10)} == {r.vid_id for r in results.rows(0, 10)}


def test_it_combines_with_filters_and_negation(library: Library) -> None:
    assert similar_ids(library, "similar:SRC channel:crumb") == ["BAGEL2"]
    everything_else = similar_ids(library, "-similar:SRC")
    assert "TWIN" not in everything_else and "SRC" in everything_else


def test_the_query_language_reads_similar() -> None:
    assert parse_query("similar:abc") == Similar("abc")
    assert parse_query('-similar:"a b"') == Not(Similar("a b"))
    with pytest.raises(QueryError, match="empty value after 'similar:'"):
        parse_query('similar:""')
    with pytest.raises(QueryError, match="did you mean similar:"):
        parse_query("similr:abc")


@pytest.fixture
def sources(library: Library, engine: str) -> Iterator[PostingSources]:
    from vidbrowse.core.engine.index import open_searcher

    _, searcher = open_searcher(library.home / "text")
    with searcher:
        yield PostingSources(searcher.reader())


def test_document_counts_read_from_the_term_tables(sources: PostingSources) -> None:
    """Both ways (the `engine` fixture): counts of words in a field, 0 for an absent word."""
    words = [("title", "sourdough"), ("text", "crust"), ("tags", "bake"), ("title", "zzz")]
    # Three posts have "sourdough" in the title (the copy too), four "crust" in the text, five
    # "baking" (stemmed "bake") in the tags.
    assert sources.documents_of(words) == [3, 4, 5, 0]

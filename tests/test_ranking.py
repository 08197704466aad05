"""Relevance order sorted as far as asked: any page, before or after the whole list is sorted,
equals the same page of one stable sort (equal scores in the order given), reversed or not."""

import numpy as np
import pytest

from vidbrowse.core.query import ranking
from vidbrowse.core.query.columns import ColumnRow, Columns
from vidbrowse.core.query.language import ParsedQuery
from vidbrowse.core.query.ranking import Listed, Ranking
from vidbrowse.core.query.search import Results


def reference(positions: np.ndarray, scores: np.ndarray, reverse: bool) -> tuple[list, list]:
    order = np.argsort(-scores, kind="stable")
    p, s = positions[order], scores[order]
    if reverse:
        p, s = p[::-1], s[::-1]
    return p.tolist(), s.tolist()


@pytest.fixture(params=[0, 1, 7])
def matches(request: pytest.FixtureRequest) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(request.param)
    size = 3000
    # Few distinct scores: long runs of ties across the partial-sort boundary; zeros too.
    scores = rng.integers(0, 6, size).astype(np.float64) * 0.5
    return rng.permutation(size * 2)[:size], scores


@pytest.mark.parametrize("head", [1, 10, 1000, 5000])
@pytest.mark.parametrize("reverse", [False, True])
def test_pages_equal_one_stable_sort(
    matches: tuple[np.ndarray, np.ndarray], head: int, reverse: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(ranking, "HEAD", head)
    positions, scores = matches
    wanted_positions, wanted_scores = reference(positions, scores, reverse)
    ranked = Ranking(positions, scores, reverse)
    for count in (0, 1, 50, head - 1, head, head + 1, len(positions), len(positions) + 5):
        got_positions, got_scores = ranked.first(max(count, 0))
        assert got_positions.tolist() == wanted_positions[:count]
        assert got_scores is not None and got_scores.tolist() == wanted_scores[:count]
    assert ranked.all()[0].tolist() == wanted_positions
    # Once the whole order is known, a first page comes from it, still the same.
    assert ranked.first(50)[0].tolist() == wanted_positions[:50]


def test_results_rows_across_the_partial_sort(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranking, "HEAD", 40)
    size = 100
    rows = [
        ColumnRow(i, f"_posts/{i}.md", f"v{i}", f"t{i}", "c", (), (), None, i, *[None] * 4)
        for i in range(size)
    ]
    columns = Columns(rows)
    scores = np.repeat([3.0, 2.0, 1.0, 0.0], 25)[::-1].copy()  # ties, best last in given order
    positions = np.arange(size)
    results = Results(ParsedQuery.parse("q"), "relevance", False, size, {},
                      order=Ranking(positions, scores, False), columns=columns)  # fmt: skip
    wanted = reference(positions, scores, False)[0]
    assert [r.rowid for r in results.rows(30, 50)] == wanted[30:50]  # crosses HEAD
    assert [r.rowid for r in results.rows(0, 10)] == wanted[:10]
    assert [r.score for r in results.rows(0, 1)] == [3.0]
    assert results.positions.tolist() == wanted
    assert results.scores is not None and results.scores.tolist() == sorted(scores, reverse=True)
    listed = Results(ParsedQuery.parse(""), "views", False, 3, {},
                     order=Listed(np.array([2, 0, 1])), columns=columns)  # fmt: skip
    assert [r.rowid for r in listed.rows(0, 3)] == [2, 0, 1] and listed.scores is None
    assert listed.rows(1, 2)[0].score is None

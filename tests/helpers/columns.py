"""Comparing two sets of per-post columns by everything a search can see of them."""

from __future__ import annotations

import numpy as np

from vidbrowse.core.query.columns import Columns


def assert_same_columns(got: Columns, want: Columns) -> None:
    """Everything a search can see of two columns is the same."""
    assert got.rowids.tolist() == want.rowids.tolist()
    for name in ("paths", "vid_ids", "titles", "channels", "tags", "categories", "sites"):
        assert list(getattr(got, name)) == list(getattr(want, name)), name
    for name, numeric in want.numeric.items():
        assert got.numeric[name].values.tolist() == numeric.values.tolist(), name
        assert got.numeric[name].known.tolist() == numeric.known.tolist(), name
    assert got.title_rank().tolist() == want.title_rank().tolist()
    for key in ("title", *got.numeric):
        for reverse in (False, True):
            assert got.order(key, reverse).tolist() == want.order(key, reverse).tolist()
    masks = [np.ones(len(want), dtype=bool), np.arange(len(want)) % 3 == 1]
    for name, facet in want.facets.items():
        for mask in masks:
            assert got.facets[name].counts(mask, None) == facet.counts(mask, None), name
            assert got.facets[name].counts(mask, 3) == facet.counts(mask, 3), name
        for label in [*facet.labels, "nothing such"]:
            assert (
                got.facets[name].matching(label, len(got)).tolist()
                == facet.matching(label, len(want)).tolist()
            ), (name, label)

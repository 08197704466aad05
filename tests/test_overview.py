"""The overview: every line's count is what running its query gives."""

from __future__ import annotations

from pathlib import Path

from vidbrowse.core.archive.post import Post
from vidbrowse.core.library.library import Library
from vidbrowse.core.reports.overview import overview
from vidbrowse.core.review.state import Review
from vidbrowse.generate import generate_archive


def test_every_line_runs_to_its_count(tmp_path: Path) -> None:
    generate_archive(tmp_path / "archive", 80, seed=5)
    with (
        Library.open(tmp_path / "archive", cache_dir=tmp_path / "cache") as library,
        Review.open(library.archive, data_dir=tmp_path / "data") as review,
    ):
        library.update()
        first = library.search("", sort="title").rows(0, 3)
        review.marks.toggle_star(first[0])
        review.marks.mark_read(first[1])
        review.marks.update(Post(path="", vid_id=first[2].vid_id, title=""), note="see")
        review.saved.save("long ones", "duration:>10m")
        review.saved.save("seen", "views:>1")
        seen = overview(library, review.saved.list(), review.marks, top=5)
        assert seen.posts == 80
        assert [(line.label, line.count) for line in seen.marks] == [
            ("Starred", 1), ("Unread", 79), ("With a note", 1),
        ]  # fmt: skip
        assert [line.label for line in seen.saved] == ["long ones", "seen"]
        assert set(seen.facets) == {"tag", "channel", "category", "site"}
        exact = (*seen.facets["tag"], *seen.facets["category"], *seen.facets["site"])
        assert seen.facets["site"]
        for line in (*seen.saved, *seen.marks, *exact):
            assert library.search(line.query, marks=review.marks).total == line.count, line
        for line in seen.facets["channel"]:  # word-searched: at least the channel's posts
            assert library.search(line.query).total >= line.count  # type: ignore[operator]

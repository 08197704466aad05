"""Saved searches: save, list in order, overwrite, rename, delete, counts; kept across opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidbrowse.core.archive.post import Post
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.language import QueryError
from vidbrowse.core.review.searches import SavedSearch, counts
from vidbrowse.core.review.state import Review


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    for i, tag in enumerate(("cats", "cats", "dogs")):
        (root / f"p{i}.md").write_text(
            f'---\ntitle: "Video {i}"\nvid_id: "id{i}"\ntags: ["{tag}"]\n---\nwords\n'
        )
    return root


def test_save_list_rename_delete_persist(archive: Path) -> None:
    with Review.open(archive) as review:
        saved = review.saved
        saved.save("cats", "tag:cats")
        saved.save("  to   watch ", "is:unread")
        saved.save("cats", "tag:cats views:>10")  # overwrite keeps the place
        assert saved.list() == [
            SavedSearch("cats", "tag:cats views:>10"),
            SavedSearch("to watch", "is:unread"),
        ]
        assert saved.rename("cats", "Cats!") == SavedSearch("Cats!", "tag:cats views:>10")
        with pytest.raises(ValueError, match="already named"):
            saved.rename("Cats!", "to watch")
        with pytest.raises(ValueError, match="no saved search named 'x'"):
            saved.rename("x", "y")
    with Review.open(archive) as review:
        assert [s.name for s in review.saved.list()] == ["Cats!", "to watch"]
        assert review.saved.delete("Cats!") and not review.saved.delete("Cats!")
        assert review.saved.get("to watch") == SavedSearch("to watch", "is:unread")


@pytest.mark.parametrize(("name", "query", "error"), [
    ("", "x", ValueError), ("   ", "x", ValueError), ("n" * 81, "x", ValueError),
    ("ok", "(unclosed", QueryError),
])  # fmt: skip
def test_bad_names_and_queries_are_refused(
    archive: Path, name: str, query: str, error: type[Exception]
) -> None:
    with Review.open(archive) as review:
        with pytest.raises(error):
            review.saved.save(name, query)
        assert review.saved.list() == []


def test_counts_use_marks(archive: Path) -> None:
    with Library.open(archive) as library, Review.open(archive) as review:
        library.update()
        review.marks.mark_read(Post(path="p0.md", vid_id="id0", title="t"))
        review.saved.save("cats", "tag:cats")
        review.saved.save("unread cats", "tag:cats is:unread")
        review.saved.save("dogs", "tag:dogs")
        assert counts(library, review.saved.list(), review.marks) == {
            "cats": 2, "unread cats": 1, "dogs": 1,
        }  # fmt: skip

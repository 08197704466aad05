"""Marks and notes: saved atomically, outside the index, keyed by vid_id, searchable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from vidbrowse.core.archive.post import Post
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.language import QueryError, parse_query
from vidbrowse.core.review.database import ReviewError
from vidbrowse.core.review.marks import Mark, post_key
from vidbrowse.core.review.state import Review


def post_text(title: str, vid_id: str) -> str:
    return f'---\ntitle: "{title}"\nvid_id: "{vid_id}"\n---\n{{% raw %}}words{{% endraw %}}\n'


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive" / "_posts"
    root.mkdir(parents=True)
    for i in range(6):
        (root / f"p{i}.md").write_text(post_text(f"Video {i}", f"id{i}"))
    # Real archives repeat ids: the same video posted twice shares its marks.
    (root / "again.md").write_text(post_text("Video 0 again", "id0"))
    return root.parent


def post(vid_id: str, path: str = "x.md") -> Post:
    return Post(path=path, vid_id=vid_id, title="t")


def ids(library: Library, query: str, review: Review) -> list[str]:
    results = library.search(query, sort="title", marks=review.marks)
    return sorted(row.path for row in results.rows(0, results.total))


def test_marks_default_then_change_and_persist(archive: Path) -> None:
    with Review.open(archive) as review:
        assert review.marks.get(post("id1")) == Mark()
        assert review.marks.toggle_star(post("id1")) == Mark(starred=True)
        review.marks.mark_read(post("id1"))
        review.marks.update(post("id2"), note="  Check the Café scene  ")
        assert review.path.parent.parent.parent == Path(os.environ["VIDBROWSE_DATA_DIR"])
    with Review.open(archive) as review:
        assert review.marks.get(post("id1")) == Mark(read=True, starred=True)
        assert review.marks.get(post("id2")).note == "Check the Café scene"
        review.marks.update(post("id1"), read=False, starred=False)
        assert len(review.marks) == 1  # a mark back to the default takes no room


def test_marks_survive_a_rebuilt_index(archive: Path) -> None:
    with Library.open(archive) as library, Review.open(archive) as review:
        library.update()
        review.marks.toggle_star(post("id3"))
        library.update(rebuild=True)
        assert ids(library, "is:starred", review) == ["_posts/p3.md"]


def test_query_terms_select_by_marks(archive: Path) -> None:
    with Library.open(archive) as library, Review.open(archive) as review:
        library.update()
        marks = review.marks
        marks.toggle_star(post("id0"))
        marks.mark_read(post("id1"))
        marks.mark_read(post("id0"))
        marks.update(post("id2"), note="Later: CAFÉ scene")
        assert ids(library, "is:starred", review) == ["_posts/again.md", "_posts/p0.md"]
        assert ids(library, "is:read", review) == [
            "_posts/again.md",
            "_posts/p0.md",
            "_posts/p1.md",
        ]
        assert ids(library, "is:unread -has:note", review) == [
            "_posts/p3.md",
            "_posts/p4.md",
            "_posts/p5.md",
        ]
        assert ids(library, "has:note", review) == ["_posts/p2.md"]
        assert ids(library, "note:cafe", review) == ["_posts/p2.md"]
        assert ids(library, 'note:"later:  café"', review) == ["_posts/p2.md"]
        assert ids(library, "note:nothing", review) == []
        assert ids(library, "is:starred OR note:caf", review) == [
            "_posts/again.md",
            "_posts/p0.md",
            "_posts/p2.md",
        ]
        # A change shows in the next search (the cached masks are dropped).
        marks.toggle_star(post("id0"))
        assert ids(library, "is:starred", review) == []
        # Without marks, every post is unread and none is starred.
        assert library.search("is:unread").total == 7
        assert library.search("is:starred OR has:note OR note:x").total == 0


def test_another_process_change_is_seen(archive: Path) -> None:
    with Review.open(archive) as one, Review.open(archive) as two:
        assert one.marks.get(post("id4")) == Mark()
        two.marks.toggle_star(post("id4"))
        assert one.marks.get(post("id4")).starred


def test_a_post_without_id_is_keyed_by_path(archive: Path) -> None:
    with Review.open(archive) as review:
        review.marks.toggle_star(post("", "a.md"))
        assert review.marks.get(post("", "a.md")).starred
        assert not review.marks.get(post("", "b.md")).starred
        assert not review.marks.get(post("a.md", "c.md")).starred


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("is:stared", "did you mean is:starred?"),
        ("is:new", "try is:starred, is:read, is:unread"),
        ("has:tags", "try has:note"),
        ("note:", "empty value after 'note:'"),
    ],
)
def test_bad_mark_terms(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(query)


def test_failed_write_keeps_earlier_marks(archive: Path) -> None:
    with Review.open(archive) as review:
        review.marks.write("starred", {post_key(post(f"id{i}")): True for i in range(3)})

        class Unsaveable:  # its id cannot be stored: the batch fails after its first row
            path = "boom.md"
            vid_id = object()

        with pytest.raises(ReviewError, match="cannot save"):
            review.marks.write("read", {post_key(post("id3")): True, post_key(Unsaveable()): True})
        assert not review.marks.get(post("id3")).read
    with Review.open(archive) as review:
        assert [review.marks.get(post(f"id{i}")).starred for i in range(4)] == [
            True,
            True,
            True,
            False,
        ]
        assert not review.marks.get(post("id3")).read


CRASHER = """
import sys
from pathlib import Path
from vidbrowse.core.archive.post import Post
from vidbrowse.core.review.state import Review
review = Review.open(Path(sys.argv[1]))
i = 0
while True:
    review.marks.update(Post(path="p", vid_id=f"v{i}", title="t"), note="note " * 200 + str(i))
    print(i, flush=True)
    i += 1
"""


def test_killed_while_saving_keeps_every_saved_mark(archive: Path) -> None:
    """SIGKILL lands at a random point of a stream of commits: every commit reported done
    must be there, and the file must open cleanly."""
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHER, str(archive)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert child.stdout is not None
    done = -1
    for line in child.stdout:
        done = int(line)
        if done >= 40:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    with Review.open(archive) as review:
        for i in range(done + 1):
            assert review.marks.get(post(f"v{i}")).note.endswith(str(i))


def test_unusable_file_is_a_one_line_error(archive: Path, tmp_path: Path) -> None:
    with Review.open(archive) as review:
        path = review.path
    for sidecar in path.parent.glob("review.sqlite3*"):
        sidecar.unlink()
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(ReviewError, match="move it away"):
        Review.open(archive)


def test_unwritable_data_folder_is_a_one_line_error(archive: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with pytest.raises(ReviewError, match="set VIDBROWSE_DATA_DIR to a writable folder"):
        Review.open(archive, data_dir=blocker)


def test_a_first_opening_on_a_full_disk_leaves_no_empty_file(archive: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    code = (  # in a child: a file-size limit stands for a full disk (writes fail with EFBIG)
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from vidbrowse.core.review.state import Review\n"
        "from vidbrowse.core.review.database import ReviewError\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))\n"
        "try:\n"
        "    Review.open(Path(sys.argv[1]), data_dir=Path(sys.argv[2]))\n"
        "except ReviewError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(archive), str(data)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.startswith("cannot open the marks file ")
    assert [p for p in data.rglob("*") if p.is_file()] == []
    # With room again, marks work: no damaged file is left to refuse.
    with (
        Review.open(archive, data_dir=data) as review,
        Library.open(archive, cache_dir=tmp_path / "cache") as library,
    ):
        library.update()
        review.marks.toggle_star(library.find("id1")[0])
        assert library.search("is:starred", marks=review.marks).total == 1

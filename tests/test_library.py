"""The Library end to end on small generated archives: build, update, repair, concurrency."""

import itertools
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest
import whoosh.index

from vidbrowse.core.archive.post import Post
from vidbrowse.core.engine import index
from vidbrowse.core.engine.builders import Builders
from vidbrowse.core.library import columncache, writing
from vidbrowse.core.library import store as store_module
from vidbrowse.core.library.library import Library, LibraryError, Progress
from vidbrowse.core.library.store import Store, StoreError
from vidbrowse.core.query.columns import NUMERIC_FIELDS, ColumnRow, Columns

TAGS = ("cats", "dogs", "birds")


def post_text(title: str, vid_id: str, tag: str = "cats", body: str = "plain words") -> str:
    return (
        f'---\ntitle: "{title}"\nvid_id: "{vid_id}"\ntags: ["{tag}"]\n'
        'date: "2022-03-07T17:18:29+03:00"\nvid_date: "2014-09-11T00:25:14Z"\n'
        'duration: "PT1M32S"\nviewcount: "100"\nchannel: "Some Channel"\n'
        f"---\n{{% raw %}}{body}{{% endraw %}}\n"
    )


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    path.write_text(text)
    if existed:  # a coarse clock must not hide the change
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def make_archive(root: Path, count: int = 12) -> Path:
    for i in range(count):
        write(root, f"_posts/p{i:03}.md", post_text(f"Video number{i}", f"id{i}", TAGS[i % 3]))
    return root


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def paths(lib: Library, query: str) -> list[str]:
    results = lib.search(query, sort="title")
    return [row.path for row in results.rows(0, results.total)]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIDBROWSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    return make_archive(tmp_path / "archive")


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records every Whoosh writer the library opens (its `bulk` flag)."""
    opened: list[bool] = []
    real = index.writer

    def spy(ix, *, bulk=False):
        opened.append(bulk)
        return real(ix, bulk=bulk)

    monkeypatch.setattr(index, "writer", spy)
    return opened


def test_cold_build_then_search(posts: Path, writers: list[bool]):
    before = snapshot(posts)
    with Library.open(posts) as lib:
        assert lib.needs_update()
        summary = lib.update()
        assert (summary.posts, summary.added, summary.problems) == (12, 12, 0)
        assert summary.rebuilt_reason is None
        assert paths(lib, "number3") == ["_posts/p003.md"]
        assert len(paths(lib, "tag:dogs")) == 4
        assert lib.search("").total == 12
        assert lib.post("_posts/p003.md").title == "Video number3"  # type: ignore[union-attr]
        assert [p.path for p in lib.find("id4")] == ["_posts/p004.md"]
        assert lib.stats().posts == 12
        assert not lib.needs_update()
    assert len(writers) == 1
    assert snapshot(posts) == before


def test_unchanged_archive_opens_no_writer(posts: Path, writers: list[bool]):
    with Library.open(posts) as lib:
        lib.update()
    writers.clear()
    with Library.open(posts) as lib:
        assert not lib.needs_update()
        summary = lib.update()
        assert (summary.added, summary.changed, summary.removed, summary.posts) == (0, 0, 0, 12)
        assert len(paths(lib, "number5")) == 1
    assert writers == []


def test_add_change_remove(posts: Path, writers: list[bool]):
    before = snapshot(posts)
    with Library.open(posts) as lib:
        lib.update()
        (old,) = lib.search("number1", sort="title").rows(0, 1)
        write(posts, "_posts/new.md", post_text("Fresh arrival", "idnew"))
        write(posts, "_posts/p001.md", post_text("Renamed thing", "id1", body="giraffe"))
        (posts / "_posts/p002.md").unlink()
        writers.clear()
        summary = lib.update()
        assert (summary.added, summary.changed, summary.removed, summary.posts) == (1, 1, 1, 12)
        assert writers == [False]  # one plain writer, one commit
        assert paths(lib, "fresh") == ["_posts/new.md"]
        assert paths(lib, "number1") == []
        (row,) = lib.search("giraffe").rows(0, 1)
        assert (row.path, row.rowid) == ("_posts/p001.md", old.rowid)  # kept its rowid
        assert paths(lib, "number2") == []
        assert lib.post("_posts/p002.md") is None
    after = snapshot(posts)
    assert {k: v for k, v in after.items() if "p00" in k and k != "_posts/p001.md"} == {
        k: v
        for k, v in before.items()
        if "p00" in k and k not in ("_posts/p001.md", "_posts/p002.md")
    }


def test_problems_recorded_then_cleared(posts: Path):
    write(posts, "_posts/bad.md", "---\ntitle: [unclosed\n---\nbody\n")
    with Library.open(posts) as lib:
        summary = lib.update()
        assert summary.problems == 1
        (problem,) = lib.problems()
        assert problem.path == "_posts/bad.md"
        assert "YAML" in problem.reason
        assert lib.update().problems == 1  # unchanged bad file: still known, not re-read
        write(posts, "_posts/bad.md", post_text("Repaired", "idbad"))
        summary = lib.update()
        assert (summary.problems, summary.posts) == (0, 13)
        assert lib.problems() == []
        assert paths(lib, "repaired") == ["_posts/bad.md"]
        # a good post turning bad leaves the index too
        write(posts, "_posts/p000.md", "")
        summary = lib.update()
        assert (summary.problems, summary.posts) == (1, 12)
        assert paths(lib, "number0") == []


def test_scan_problems_replace_each_other(posts: Path):
    bad = os.fsencode(posts / "_posts") + b"/bad\xff.md"
    with open(bad, "w") as f:
        f.write("x")
    with Library.open(posts) as lib:
        lib.update()
        assert [p.path for p in lib.problems()] == ["_posts/bad\\xff.md"]
        os.unlink(bad)
        assert lib.needs_update()
        lib.update()
        assert lib.problems() == []


def test_a_cold_build_publishes_each_job_as_it_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Growth you can watch: every builder job is committed and searchable when it is done
    (the first jobs 5, 10 and 15 posts: one per builder, so they finish in turn)."""
    root = make_archive(tmp_path / "big", 30)
    monkeypatch.setattr(writing, "FIRST_JOB", 5)
    monkeypatch.setattr(writing, "BULK_MIN", 10)
    monkeypatch.setattr(index, "BULK_PROCS", 3)
    seen: list[tuple[int, int, int]] = []
    phases: list[str] = []
    with Library.open(root) as lib:

        def progress(p: Progress) -> None:
            phases.append(p.phase)
            if p.phase == "commit":
                seen.append((p.done, p.total, lib.search("video").total))

        lib.update(progress=progress)
        assert lib.search("number29").total == 1
        segments = len(lib._home.need_view().searcher.reader().leaf_readers())
    assert [found for done, _, found in seen] == [done for done, _, _ in seen]  # all shown
    assert len(seen) == 3 and seen[-1] == (30, 30, 30)
    done = [0] + [d for d, _, _ in seen]
    assert sorted(b - a for a, b in itertools.pairwise(done)) == [5, 10, 15]
    assert segments == 3  # one per job
    assert phases[0] == "scan" and phases[-1] == "commit"
    assert not (root.parent / "building").exists()


def test_job_sizes_stagger_then_follow_the_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writing, "FIRST_JOB", 100)
    monkeypatch.setattr(writing, "JOB_SECONDS", 2.0)
    sizes = writing.JobSizes(3)
    assert [sizes.next() for _ in range(3)] == [100, 200, 300]  # the builders finish in turn
    assert sizes.next() == 200  # twice the last one, no pace known yet: at least 1/8 of 600
    sizes.done(1000, 1.0)  # 1000 posts a second a builder: 6000 posts in 2 s
    assert [sizes.next() for _ in range(3)] == [400, 800, 1600]  # doubling towards the pace
    assert sizes.next() == 3200
    assert sizes.next() == 6000  # the pace: a commit every ~2 s
    sizes.done(10, 1.0)  # a very slow machine: never below 1/8 of the posts handed out
    assert sizes.next() == (100 + 200 + 300 + 200 + 400 + 800 + 1600 + 3200 + 6000) // 8


def test_a_cold_build_says_it_is_writing_once_every_post_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bar never sits on "indexing" at 100% while the last segments are written."""
    root = make_archive(tmp_path / "big", 40)
    monkeypatch.setattr(writing, "BULK_MIN", 10)
    monkeypatch.setattr(index, "BULK_PROCS", 1)
    events: list[Progress] = []
    with Library.open(root) as lib:
        lib.update(progress=events.append)
    phases = [p.phase for p in events]
    assert phases[phases.index("write") :] == ["write", "commit"]
    assert events[phases.index("write")].done == 40


def test_one_builder_process_serves_every_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Forked once, at the first bulk batch (while this process is small), then reused; gone
    when the update ends."""
    root = make_archive(tmp_path / "big", 40)
    monkeypatch.setattr(writing, "FIRST_JOB", 5)  # jobs of 5, 10, 15, then the rest
    monkeypatch.setattr(writing, "BULK_MIN", 10)
    forks: list[int] = []
    real = Builders.__init__

    def counting(self: Builders, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        forks.append(len(multiprocessing.active_children()))

    monkeypatch.setattr(Builders, "__init__", counting)
    with Library.open(root) as lib:
        summary = lib.update()
        assert summary.posts == 40
        assert forks == [index.BULK_PROCS]
        assert multiprocessing.active_children() == []
        assert lib.search("video").total == 40
        stored = lib.post("_posts/p039.md")
        assert stored is not None and stored.title == "Video number39"


def test_a_bulk_batch_is_indexed_by_the_builders_with_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This process indexes nothing itself: the builders' progress is what the display shows."""
    root = make_archive(tmp_path / "big", 600)
    monkeypatch.setattr(writing, "FIRST_JOB", 300)  # one job of 300 posts a builder
    monkeypatch.setattr(index, "BULK_PROCS", 2)
    events: list[Progress] = []
    with Library.open(root) as lib:
        summary = lib.update(progress=events.append)
        assert summary.posts == 600
        assert lib.search("video").total == 600
        assert lib.search("number599").total == 1
    indexed = [p.done for p in events if p.phase in ("index", "write")]
    # Each builder reports its 250th post, then its last: the sum only grows, up to all.
    assert indexed and indexed == sorted(indexed) and indexed[-1] <= 600
    assert all(p.total == 600 for p in events if p.phase in ("index", "write"))


DAMAGES = {
    "segment deleted": lambda text: [p.unlink() for p in text.glob("*.seg")],
    "toc truncated": lambda text: [p.write_bytes(p.read_bytes()[:20]) for p in text.glob("*.toc")],
    "segment truncated": lambda text: [
        p.write_bytes(p.read_bytes()[:99]) for p in text.glob("*.seg")
    ],
    "garbage toc": lambda text: (text / "_MAIN_99.toc").write_bytes(b"\x00garbage" * 50),
    "store garbage": lambda text: (text.parent / "store.sqlite3").write_bytes(b"garbage" * 100),
    "text folder gone": lambda text: [p.unlink() for p in text.iterdir()],
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_home_is_rebuilt(posts: Path, damage: str):
    with Library.open(posts) as lib:
        lib.update()
        home = lib.home
    DAMAGES[damage](home / "text")
    with Library.open(posts) as lib:
        summary = lib.update()
        assert summary.rebuilt_reason
        assert "\n" not in summary.rebuilt_reason
        assert summary.posts == 12
        assert paths(lib, "number7") == ["_posts/p007.md"]
    assert (posts / "_posts/p007.md").exists()


def test_schema_version_bump_rebuilds(posts: Path, monkeypatch: pytest.MonkeyPatch):
    with Library.open(posts) as lib:
        lib.update()
    monkeypatch.setattr(index, "SCHEMA_VERSION", index.SCHEMA_VERSION + 1)
    with Library.open(posts) as lib:
        summary = lib.update()
        assert "version" in (summary.rebuilt_reason or "")
        assert summary.added == 12
        assert lib.search("number7").total == 1


def test_stale_whoosh_lock_is_broken(posts: Path):
    with Library.open(posts) as lib:
        lib.update()
        stale = whoosh.index.open_dir(str(lib.home / "text")).lock("WRITELOCK")
        assert stale.acquire()  # as if a writer hung while holding it
        write(posts, "_posts/p001.md", post_text("Renamed thing", "id1"))
        summary = lib.update()
        assert (summary.changed, summary.rebuilt_reason) == (1, None)
        assert paths(lib, "renamed") == ["_posts/p001.md"]


def test_index_docs_unknown_to_the_store_are_ignored_then_removed(posts: Path):
    with Library.open(posts) as lib:
        lib.update()
        # An update that died between the Whoosh commit and the SQLite commit.
        writer = index.writer(whoosh.index.open_dir(str(lib.home / "text")))
        writer.add_document(**index.document(999, Post(path="x", vid_id="x", title="ghost")))
        writer.commit()
    with Library.open(posts) as lib:
        assert lib.search("ghost").total == 0
        assert lib.needs_update()
        lib.update()
        assert not lib.needs_update()
        assert lib.search("ghost").total == 0


def test_rebuild_on_request(posts: Path):
    with Library.open(posts) as lib:
        lib.update()
        summary = lib.update(rebuild=True)
        assert summary.rebuilt_reason and summary.added == 12
        assert lib.search("number4").total == 1


def test_bad_archives_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(LibraryError, match="not found"):
        Library.open(tmp_path / "nope")
    (tmp_path / "file.md").write_text("x")
    with pytest.raises(LibraryError, match="is a file, not a folder"):
        Library.open(tmp_path / "file.md")
    monkeypatch.setenv("VIDBROWSE_CACHE_DIR", str(tmp_path / "file.md" / "cache"))
    with pytest.raises(LibraryError, match="VIDBROWSE_CACHE_DIR") as caught:
        Library.open(tmp_path)
    assert str(tmp_path / "file.md") in str(caught.value)
    with pytest.raises(LibraryError, match="choose a writable folder"):
        Library.open(tmp_path, cache_dir=tmp_path / "file.md")


def test_symlink_loop_in_archive(posts: Path):
    (posts / "_posts" / "loop").symlink_to(posts)
    with Library.open(posts) as lib:
        assert lib.update().posts == 12


_UPDATER = """
import json, sys
from pathlib import Path
from vidbrowse.core.library.library import Library
with Library.open(Path(sys.argv[1])) as lib:
    s = lib.update()
    print(json.dumps([s.posts, s.added]))
"""


def test_two_processes_update_at_once(tmp_path: Path):
    root = make_archive(tmp_path / "shared", 200)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _UPDATER, str(root)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [json.loads(run.communicate(timeout=120)[0]) for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert sorted(outputs) == [[200, 0], [200, 200]]
    with Library.open(root) as lib:
        assert lib.search("").total == 200
        assert lib.search("number150").total == 1


def test_waiting_for_the_lock_times_out(posts: Path):
    with Library.open(posts) as first, Library.open(posts) as second:
        second.lock_timeout = 0.3
        with first._home.file_lock(None), pytest.raises(LibraryError, match="another vidbrowse"):
            second.update()


def test_store_round_trips_every_post_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    when = datetime(2022, 3, 7, 17, 18, 29, tzinfo=timezone(timedelta(hours=3)))
    post = Post(
        path="_posts/ü.md",
        vid_id="abc",
        title="Café",
        channel="Chan",
        tags=("a b", "ç"),
        categories=("People",),
        posted=when,
        uploaded=when.astimezone(UTC),
        duration=92,
        views=None,
        likes=0,
        dislikes=3,
        image="https://i/x.jpg",
        url="https://y",
        source="dailymotion",
        text="body\nwith lines",
        links=("https://l1", "https://l2"),
        warnings=("odd duration",),
    )
    store = Store(tmp_path / "s.sqlite3", "/archive", 1)
    store.apply([(7, post, (10, 20))])
    assert store.post(post.path) == post
    assert store.posts_by_vid_id("abc") == [post]
    columns = store.columns()
    row = ColumnRow(
        int(columns.rowids[0]),
        columns.paths[0],
        columns.vid_ids[0],
        columns.titles[0],
        columns.channels[0],
        columns.tags[0],
        columns.categories[0],
        *(columns.numeric[name].get(0) for name in NUMERIC_FIELDS),
    )
    assert len(columns) == 1
    assert row == ColumnRow(
        7, post.path, "abc", "Café", "Chan", ("a b", "ç"), ("People",),
        int(when.timestamp()), int(when.timestamp()), 92, None, 0, 3,
    )  # fmt: skip
    assert store.manifest() == {post.path: (10, 20)}
    store.apply([], removed=[post.path])
    assert store.post(post.path) is None
    # Posts are read a chunk at a time, from any iterable.
    monkeypatch.setattr(store_module, "_CHUNK", 3)
    many = ((rowid, replace(post, path=f"p{rowid}.md"), (1, 2)) for rowid in range(10, 17))
    store.apply(many)
    assert store.count_posts() == 7
    assert store.post("p16.md") == replace(post, path="p16.md")
    store.apply([], removed=[f"p{rowid}.md" for rowid in range(10, 17)])
    assert store.count_posts() == 0
    store.close()
    with pytest.raises(StoreError, match="another archive"):
        Store(tmp_path / "s.sqlite3", "/elsewhere", 1)


def test_catches_up_with_another_process(posts: Path, writers: list[bool]):
    with Library.open(posts) as mine, Library.open(posts) as theirs:
        mine.update()
        assert theirs.needs_update()  # opened before the build: stale view
        assert theirs.update().added == 0  # catches up instead of indexing again
        assert theirs.search("number3").total == 1
        theirs.update(rebuild=True)  # replaces the store file under `mine`
        write(posts, "_posts/p001.md", post_text("Renamed thing", "id1"))
        assert mine.update().changed == 1
        assert paths(mine, "renamed") == ["_posts/p001.md"]
    assert writers == [False, False, False]


def test_cache_cleared_while_open(posts: Path):
    with Library.open(posts) as lib:
        lib.update()
        shutil.rmtree(lib.home)
        summary = lib.update()
        assert (summary.added, summary.posts) == (12, 12)
        assert lib.search("number2").total == 1


def test_many_new_posts_go_through_the_parallel_writer(
    posts: Path, writers: list[bool], monkeypatch: pytest.MonkeyPatch
):
    jobs: list[int] = []
    real = Builders.send
    monkeypatch.setattr(
        Builders,
        "send",
        lambda self, worker, job: jobs.append(len(job[1])) or real(self, worker, job),
    )
    with Library.open(posts) as lib:
        lib.update()
        for i in range(20):
            write(posts, f"more/m{i}.md", post_text(f"Extra clip{i}", f"m{i}"))
        write(posts, "_posts/p001.md", post_text("Renamed thing", "id1"))
        (posts / "_posts/p002.md").unlink()
        monkeypatch.setattr(writing, "BULK_MIN", 20)
        summary = lib.update()
        assert (summary.added, summary.changed, summary.removed, summary.posts) == (20, 1, 1, 31)
        assert writers == [False, False]  # a small update's, then the commit of the builders'
        assert jobs == [21]
        assert lib.search("extra").total == 20
        assert paths(lib, "renamed") == ["_posts/p001.md"]
        assert paths(lib, "number1") == paths(lib, "number2") == []


def count_column_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one each time this process builds columns from the store."""
    built: list[int] = []
    real_build = Columns.from_source
    monkeypatch.setattr(
        Columns, "from_source", lambda column: built.append(1) or real_build(column)
    )
    return built


def test_columns_are_saved_for_the_next_open_and_renewed_by_an_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = make_archive(tmp_path / "archive")
    with Library.open(archive) as lib:
        lib.update()
        home = lib.home
    [saved] = home.glob(f"{columncache.COLUMNS_FILE}-*")
    built = count_column_builds(monkeypatch)
    with Library.open(archive) as lib:
        assert built == []  # loaded from the saved copy
        assert len(paths(lib, "")) == 12
        write(archive, "new.md", post_text("Brand new", "new1"))
        lib.update()
        assert built == [1]  # the store changed: built again, and saved under a new name
        assert paths(lib, "brand") == ["new.md"]
    [renewed] = home.glob(f"{columncache.COLUMNS_FILE}-*")
    assert renewed != saved
    with Library.open(archive) as lib:
        assert len(paths(lib, "")) == 13 and built == [1]


def orders(lib: Library) -> dict[str, list[str]]:
    """Every post's path in the orders a few columns give."""
    out = {}
    for sort in ("uploaded", "title", "views", "duration"):
        results = lib.search("", sort=sort)
        out[sort] = [row.path for row in results.rows(0, results.total)]
    return out


T = TypeVar("T")


def indexed_without_saved_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expect: Callable[[Library], T]
) -> tuple[Path, Path, T]:
    """An indexed archive, its home and `expect` of it, its saved columns then removed and
    every store large enough for the columns to be built in a fresh process."""
    archive = make_archive(tmp_path / "archive")
    with Library.open(archive) as lib:
        lib.update()
        expected = expect(lib)
        home = lib.home
    for saved in home.glob(f"{columncache.COLUMNS_FILE}-*"):
        saved.unlink()
    monkeypatch.setattr(columncache, "CHILD_MIN_POSTS", 1)
    return archive, home, expected


def test_a_large_stores_columns_are_built_in_a_fresh_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, home, expected = indexed_without_saved_columns(tmp_path, monkeypatch, orders)
    built = count_column_builds(monkeypatch)
    with Library.open(archive) as lib:
        assert built == []  # built by the child, loaded from its copy
        assert orders(lib) == expected
    assert len(list(home.glob(f"{columncache.COLUMNS_FILE}-*"))) == 1


def test_columns_are_built_here_when_the_fresh_process_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, _, expected = indexed_without_saved_columns(
        tmp_path, monkeypatch, lambda lib: paths(lib, "")
    )
    monkeypatch.setattr(columncache, "_CHILD_CODE", "raise SystemExit(3)")
    with Library.open(archive) as lib:
        assert paths(lib, "") == expected

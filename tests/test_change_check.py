"""The no-change check: after each update the store notes a fingerprint of the scan (paths,
sizes, mtimes, problems) and the text index's generation. While both match, nothing is compared
file by file; every way the archive, the index or the store can move on makes the note stale, and
the update that follows compares in full and notes the new state."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers.posts import post_text, write_posts
from vidbrowse.core.archive.parse import load_post
from vidbrowse.core.archive.post import Post
from vidbrowse.core.engine import index
from vidbrowse.core.library.library import Library
from vidbrowse.core.library.update import Updater


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    write_posts(root, range(10))
    return root


@pytest.fixture
def opened(archive: Path) -> Iterator[Library]:
    with Library.open(archive) as library:
        library.update()
        yield library


def no_full_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("compared file by file")

    monkeypatch.setattr(Updater, "plan", refuse)


def test_nothing_changed_compares_nothing(
    archive: Path, opened: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_full_comparison(monkeypatch)
    assert not opened.needs_update()
    assert opened.update().added == 0
    with Library.open(archive) as again:
        assert not again.needs_update()
        summary = again.update()
    assert (summary.added, summary.changed, summary.removed) == (0, 0, 0)


def same_size_edit_in_the_same_second(archive: Path) -> None:
    path = archive / "_posts/p00001.md"
    st = path.stat()
    text = path.read_text().replace("w1x", "z1z")
    assert len(text) == st.st_size
    path.write_text(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))


def replaced_by_another_with_the_same_mtime(archive: Path) -> None:
    path = archive / "_posts/p00002.md"
    st = path.stat()
    replacement = archive / "replacement.tmp"
    replacement.write_text(post_text(2, title="Replaced z2z"))
    os.utime(replacement, ns=(st.st_atime_ns, st.st_mtime_ns))
    replacement.rename(path)


def renamed(archive: Path) -> None:
    (archive / "_posts/p00003.md").rename(archive / "_posts/p00003-moved.md")


def added(archive: Path) -> None:
    write_posts(archive, range(10, 11), folder="more")


def removed(archive: Path) -> None:
    (archive / "_posts/p00004.md").unlink()


def broken_link(archive: Path) -> None:
    (archive / "_posts/gone.md").symlink_to(archive / "nowhere.md")


STALE = {
    same_size_edit_in_the_same_second: ((0, 1, 0), "z1z"),
    replaced_by_another_with_the_same_mtime: ((0, 1, 0), "z2z"),
    renamed: ((1, 0, 1), "w3x"),
    added: ((1, 0, 0), "w10x"),
    removed: ((0, 0, 1), None),
    broken_link: ((0, 0, 0), None),
}


@pytest.mark.parametrize("change", STALE, ids=lambda change: change.__name__)
def test_each_change_makes_the_note_stale(
    archive: Path, opened: Library, change: Callable[[Path], None]
) -> None:
    counts, word = STALE[change]
    change(archive)
    assert opened.needs_update()
    with Library.open(archive) as again:
        assert again.needs_update()
    summary = opened.update()
    assert (summary.added, summary.changed, summary.removed) == counts
    if word is not None:
        assert opened.search(word).total == 1
    assert not opened.needs_update()
    with Library.open(archive) as again:
        assert not again.needs_update()
    if change is broken_link:
        assert [p.path for p in opened.problems()] == ["_posts/gone.md"]


def test_a_commit_to_the_index_alone_makes_it_stale(archive: Path, opened: Library) -> None:
    # As if an update crashed after committing the text index and before the store, and the
    # archive had then been put back as it was.
    post = load_post(archive, "_posts/p00005.md")
    assert isinstance(post, Post)
    writer = index.writer(opened._home.need_view().ix)
    writer.add_document(**index.document(9_999, post))
    writer.commit()
    with Library.open(archive) as again:
        assert again.needs_update()
        again.update()
        assert 9_999 not in again._home.need_view().live_rowids
        assert not again.needs_update()


def test_any_other_store_write_forgets_the_note(archive: Path, opened: Library) -> None:
    store = opened._home.need_store()
    assert store.scan_record()
    store.apply([], scan_problems=[])
    assert store.scan_record() == ""
    assert opened.needs_update()
    opened.update()
    assert store.scan_record() and not opened.needs_update()


def test_a_store_without_a_note_gets_one_without_a_new_generation(
    archive: Path, opened: Library
) -> None:
    # A store written by an older vidbrowse: noting the scan must not make the saved columns
    # stale (the generation names them).
    store = opened._home.need_store()
    store._db.execute("DELETE FROM meta WHERE key = 'scan'")
    generation = store.generation()
    with Library.open(archive) as again:
        assert again.needs_update()
        summary = again.update()
        assert (summary.added, summary.changed, summary.removed) == (0, 0, 0)
        assert not again.needs_update()
        assert again._home.need_store().generation() == generation


def test_a_note_from_a_scan_in_another_order_only_costs_a_comparison(
    archive: Path, opened: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.scandir

    class Reversed(list):  # a listing in another order, usable as `with os.scandir(…)` too
        def __enter__(self) -> Reversed:
            return self

        def __exit__(self, *_: object) -> None:
            pass

    monkeypatch.setattr(
        "vidbrowse.core.archive.scan.os.scandir", lambda path: Reversed(reversed(list(real(path))))
    )
    assert opened.needs_update()
    summary = opened.update()
    assert (summary.added, summary.changed, summary.removed) == (0, 0, 0)
    assert not opened.needs_update()


# --- the fingerprint worked out in a forked child (what `vidbrowse search` does) -------------

FORKED = """
import sys, threading
from pathlib import Path
from vidbrowse.core.archive.scan import BackgroundFingerprint, scan
root = Path(sys.argv[1])
if sys.argv[2] == "thread":  # another thread running: no fork, no answer
    threading.Thread(target=threading.Event().wait, args=(5,), daemon=True).start()
pending = BackgroundFingerprint(root)
here = scan(root) if root.is_dir() else None
print(pending.result() == (here.fingerprint() if here else None))
if sys.argv[2] == "closed":  # only the fingerprint was wanted: the scan is gone with the child
    pending.close()
got = pending.scan()
same = got is None if got is None or here is None else (got.files, got.problems) == (
    here.files, here.problems) and len(here.problems) == 1
print(same, got is not None, pending._pid == 0)
"""


@pytest.mark.parametrize(
    ("where", "mode", "expected"),
    [
        ("archive", "alone", "True True True True"),  # the child's answer and scan, then gone
        ("archive", "closed", "True True False True"),
        ("missing", "alone", "True True False True"),  # nothing to scan: None, the caller scans
        ("archive", "thread", "False True False True"),  # with other threads: None, no fork
    ],
)
def test_background_fingerprint(
    archive: Path, where: str, mode: str, expected: str
) -> None:
    import subprocess
    import sys

    root = archive if where == "archive" else archive.parent / "nowhere"
    if root.is_dir():
        (root / "_posts/broken.md").symlink_to(root / "gone.md")  # a problem, sent too
    done = subprocess.run(
        [sys.executable, "-c", FORKED, str(root), mode], capture_output=True, text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == expected.split()


def test_a_given_fingerprint_stands_for_the_scan(
    archive: Path, opened: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vidbrowse.core.archive.scan import scan

    current = scan(archive.resolve()).fingerprint()
    monkeypatch.setattr(Updater, "scan", lambda _: pytest.fail("scanned again"))
    assert not opened.needs_update(current)
    assert opened.needs_update("0" * 32)  # a fingerprint of another state

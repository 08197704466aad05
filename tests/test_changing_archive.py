"""The archive changes under an open Library and under the app: posts added, edited, deleted,
renamed, turned bad and fixed, removed between the scan and the read. An update brings every change
in; the next launch does too."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from textual.widgets import Static

from helpers.cli import VIDBROWSE, cli_env, run_cli
from helpers.posts import post_text, touch_later, write_posts
from helpers.tui import SIZE, settle, settle_update, static_text, synchronous
from vidbrowse.core.archive import parse as parse_module
from vidbrowse.core.archive.parse import load_post
from vidbrowse.core.library.library import Library
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.commands import COMMANDS


def listed(library: Library, query: str = "") -> set[str]:
    results = library.search(query)
    return {row.path for row in results.rows(0, results.total)}


def change_everything(archive: Path) -> None:
    write_posts(archive, range(20, 25))  # added
    edited = archive / "_posts/p00003.md"
    edited.write_text(post_text(3, title="Retitled zqnewtitlek"))
    touch_later(edited)
    (archive / "_posts/p00004.md").unlink()  # deleted
    (archive / "_posts/p00005.md").rename(archive / "_posts/moved/p00005.md")  # renamed
    bad = archive / "_posts/p00006.md"
    bad.write_text("---\ntitle: [broken\n---\n")  # turned bad
    touch_later(bad)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    write_posts(root, range(20))
    (root / "_posts/moved").mkdir()
    return root


def assert_changes_in(library: Library) -> None:
    paths = listed(library)
    assert len(paths) == 20 + 5 - 2  # one deleted, one turned bad
    assert {f"_posts/p{i:05}.md" for i in range(20, 25)} <= paths
    assert listed(library, "zqnewtitlek") == {"_posts/p00003.md"}
    assert listed(library, "w3x") == {"_posts/p00003.md"}
    assert "_posts/p00004.md" not in paths and library.post("_posts/p00004.md") is None
    assert listed(library, "w5x") == {"_posts/moved/p00005.md"}
    assert library.post("_posts/p00005.md") is None
    assert [p.path for p in library.problems()] == ["_posts/p00006.md"]


def test_an_update_brings_in_every_change(archive: Path) -> None:
    with Library.open(archive) as library:
        library.update()
        change_everything(archive)
        # Until the update, the open library answers from what it indexed: nothing breaks.
        assert len(listed(library)) == 20
        assert library.post("_posts/p00004.md") is not None  # the stored copy of a deleted file
        assert library.needs_update()
        summary = library.update()
        assert (summary.added, summary.changed, summary.removed) == (6, 2, 2)
        assert_changes_in(library)
        # The bad post fixed again comes back.
        fixed = archive / "_posts/p00006.md"
        fixed.write_text(post_text(6))
        touch_later(fixed, 4)
        library.update()
        assert listed(library, "w6x") == {"_posts/p00006.md"}
        assert library.problems() == []
    with Library.open(archive) as reopened:  # the next launch sees the same
        assert not reopened.needs_update()
        assert listed(reopened, "w6x") == {"_posts/p00006.md"}


def test_a_file_removed_between_scan_and_read(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def vanishing(root: Path, path: str, **options: int):  # type: ignore[no-untyped-def]
        if path == "_posts/p00007.md":
            (root / path).unlink(missing_ok=True)
        return load_post(root, path, **options)

    with Library.open(archive) as library:
        library.update()
        changed = archive / "_posts/p00007.md"
        changed.write_text(post_text(7, title="changed"))
        touch_later(changed)
        # The library imports the parser when it updates: patched where it lives.
        monkeypatch.setattr(parse_module, "load_post", vanishing)
        library.update()
        assert library.post("_posts/p00007.md") is None
        assert [(p.path, p.reason) for p in library.problems()] == [
            ("_posts/p00007.md", "file not found")
        ]
        monkeypatch.undo()
        library.update()  # the next scan no longer sees it: no problem left, no post
        assert library.problems() == []
        assert len(listed(library)) == 19


@synchronous
async def test_the_next_launch_brings_in_changes(archive: Path) -> None:
    with Library.open(archive) as library:
        library.update()
    change_everything(archive)
    with Library.open(archive) as library:
        app = VidbrowseApp(library, needs_update=True)  # as `vidbrowse ARCHIVE` starts
        async with app.run_test(size=SIZE) as pilot:
            await settle_update(pilot, app, 23)
            assert app.main_screen.results is not None and app.main_screen.results.total == 23
        assert_changes_in(library)


@synchronous
async def test_a_deleted_post_still_listed_is_shown_without_a_crash(archive: Path) -> None:
    with Library.open(archive) as library:
        library.update()
        app = VidbrowseApp(library, query="w4x", needs_update=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            (archive / "_posts/p00004.md").unlink()
            await pilot.press("enter")  # the reader on a post whose file is gone
            await settle(pilot, app)
            assert "no longer in the archive" in str(
                app.screen.query_one("#detail-body", Static).render()
            )
            await pilot.press("escape")
            await settle(pilot, app)
            assert app.is_running


@synchronous
async def test_a_refresh_key_brings_in_changes(archive: Path) -> None:
    refresh = [c for c in COMMANDS if any(w in c.id for w in ("refresh", "update", "reindex"))]
    assert refresh, "no refresh command"
    with Library.open(archive) as library:
        library.update()
        app = VidbrowseApp(library, needs_update=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            change_everything(archive)
            await pilot.press(refresh[0].keys.split(",")[0])
            await settle_update(pilot, app, 23)
            assert app.main_screen.results is not None and app.main_screen.results.total == 23


@synchronous
async def test_reading_a_post_whose_file_vanished_says_so(archive: Path) -> None:
    with Library.open(archive) as library:
        library.update()
        (archive / "_posts/p00004.md").unlink()
        app = VidbrowseApp(library, query="w4x", needs_update=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            assert "no longer in the archive" in static_text(app, "#detail-body")


@synchronous
async def test_the_app_keeps_answering_while_another_process_indexes(
    archive: Path, tmp_path: Path
) -> None:
    with Library.open(archive) as library:
        library.update()
        app = VidbrowseApp(library, needs_update=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            write_posts(archive, range(20, 400))
            other = subprocess.Popen(
                [*VIDBROWSE, "index", str(archive), "--quiet"], env=cli_env(tmp_path / "cache")
            )
            typed = 0
            while other.poll() is None or typed < 2:
                await pilot.press("slash", *f"w{typed % 20}x", "enter")
                await settle(pilot, app)
                assert app.main_screen.results is not None and app.main_screen.results.total == 1
                await pilot.press("slash", *["backspace"] * 4, "enter")
                await settle(pilot, app)
                assert app.main_screen.results is not None and app.main_screen.results.total == 20
                typed += 1
            assert other.wait(timeout=60) == 0


@synchronous
async def test_the_app_shows_what_another_process_indexed_after_its_update(
    archive: Path, tmp_path: Path
) -> None:
    with Library.open(archive) as library:
        library.update()
        app = VidbrowseApp(library, needs_update=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            write_posts(archive, range(20, 60))
            other = run_cli("index", str(archive), "--quiet", env=cli_env(tmp_path / "cache"))
            assert other.returncode == 0
            app.main_screen.update_row.update_index()  # as at start, or as a refresh key would
            await settle(pilot, app)
            assert library.search("").total == 60  # the library did catch up
            assert app.main_screen.results is not None and app.main_screen.results.total == 60

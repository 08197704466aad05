"""A post far longer than a screen: its detail shows the beginning at once, the reader reads on
to the end piece by piece, and the query's words are lit up in every piece shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Static

from helpers.tui import SIZE, screen_text, settle, static_text, synchronous
from vidbrowse.core.library.library import Library
from vidbrowse.generate import generate_archive
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.screens.reader import ReaderScreen
from vidbrowse.tui.widgets.detail import MATCH_STYLE, PIECE_CHARS

LINES = 4000  # ~250k characters: many pieces


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("bigpost")
    archive, cache = root / "archive", root / "cache"
    generate_archive(archive, 5, seed=7)
    lines = [f"line {n:05d} zzbigword and some filler words to wrap" for n in range(1, LINES)]
    body = "\n".join([*lines, "the zzlastline of the post"])
    front = '---\ntitle: "Big"\nvid_id: "b1gp0st0001"\n---\n'
    (archive / "_posts" / "2022-01-01-big.md").write_text(front + body, encoding="utf-8")
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
    return archive, cache


def lit_words(app: VidbrowseApp, selector: str) -> set[str]:
    """The words of the shown Statics drawn in the match style."""
    words: set[str] = set()
    for static in app.screen.query(selector).results(Static):
        content = static.content
        assert isinstance(content, Text)
        words |= {content.plain[s.start : s.end] for s in content.spans if s.style == MATCH_STYLE}
    return words


@synchronous
async def test_a_big_post_shows_its_beginning_and_the_reader_reads_on(library: Library) -> None:
    assert LINES * 50 > 10 * PIECE_CHARS
    app = VidbrowseApp(library, query="zzbigword", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        row = app.main_screen.results_list.current
        assert row is not None and row.vid_id == "b1gp0st0001"
        assert static_text(app, "#detail-body").startswith("line 00001 zzbigword")
        assert "zzlastline" not in static_text(app, "#detail-body")
        assert "more lines" in static_text(app, "#detail-more")
        assert "line 00001 zzbigword" in screen_text(app)
        assert lit_words(app, "#detail-body") == {"zzbigword"}

        await pilot.press("enter")
        assert isinstance(app.screen, ReaderScreen)
        for _ in range(60):
            if "zzlastline" in screen_text(app):
                break
            await pilot.press("end")
            await pilot.pause(0.05)
        assert "zzlastline" in screen_text(app)
        assert f"line {LINES - 1:05d}" in screen_text(app)
        assert not app.screen.query_one("#detail-more", Static).display
        assert lit_words(app, ".detail-piece") == {"zzbigword"}
        await pilot.press("home")
        await pilot.pause(0.05)
        assert "line 00001 zzbigword" in screen_text(app)

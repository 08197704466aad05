"""The app's links: `L` opens the picker of the highlighted post's links (from the list and from
the reader), Enter/c copies one, o opens it, Esc closes; the Sites facet filters exactly; the
detail pane says how many links and their sites. Keys pressed, the screen read back."""

from __future__ import annotations

import re
import webbrowser
from pathlib import Path
from typing import Any

import pytest

from helpers.tui import SIZE, screen_text, settle, static_text, synchronous
from vidbrowse.core.library.library import Library
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.screens.links import LinksScreen
from vidbrowse.tui.screens.reader import ReaderScreen
from vidbrowse.tui.widgets.facets import FacetList

LONG = "https://example.org/" + "long-path-segment/" * 12 + "end"
HOSTILE = "https://www.youtube.com/@[bold]Chan[/bold]/[@click=app.quit]x[/]"
LINKS = ("https://www.patreon.com/someone", HOSTILE, LONG)


def post(vid_id: str, title: str, body: str) -> str:
    return (
        f'---\ntitle: "{title}"\nvid_id: "{vid_id}"\ntags: ["music"]\n'
        'vid_date: "2014-09-11T00:25:14Z"\nviewcount: "100"\n'
        f"---\n{{% raw %}}{body}{{% endraw %}}\n"
    )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("links")
    archive, cache = root / "archive", root / "cache"
    (archive / "_posts").mkdir(parents=True)
    anchors = "<br />".join(f'<a href="{url}">{url}</a>' for url in LINKS)
    posts = {
        "linked": post("linked00001", "Linked post", f"Support: {anchors}"),
        "soundcloud": post("sound000001", "Sound post", "Listen www.soundcloud.com/band"),
        "plain": post("plain000001", "Plain post", "no links at all"),
    }
    for name, text in posts.items():
        (archive / f"_posts/{name}.md").write_text(text, encoding="utf-8")
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
    return archive, cache


def heard(app: VidbrowseApp) -> list[tuple[str, str, bool]]:
    """Every notification from now on as (title, message, markup): kept, since a toast can
    expire under load before it is read."""
    notes: list[tuple[str, str, bool]] = []
    notify = app.notify

    def record(message: str, *, title: str = "", markup: bool = True, **options: Any) -> None:
        notes.append((title, message, markup))
        notify(message, title=title, markup=markup, **options)

    app.notify = record  # type: ignore[method-assign]
    return notes


async def open_picker(app: VidbrowseApp, pilot: object, query: str) -> LinksScreen:
    await settle(pilot, app)  # type: ignore[arg-type]
    assert app.main_screen.results is not None and app.main_screen.results.total == 1, query
    await pilot.press("L")  # type: ignore[attr-defined]
    await settle(pilot, app)  # type: ignore[arg-type]
    assert isinstance(app.screen, LinksScreen)
    await shown_with(app, pilot, "Esc close")
    return app.screen


async def shown_with(app: VidbrowseApp, pilot: object, text: str) -> str:
    """The screen once it shows `text` (a modal is drawn a frame after it is pushed)."""
    for _ in range(50):
        shown = screen_text(app)
        if text in shown:
            return shown
        await pilot.pause()  # type: ignore[attr-defined]
    raise AssertionError(f"{text!r} never shown:\n{shown}")


@synchronous
async def test_the_picker_lists_links_literally_and_copies_the_chosen_one(
    library: Library,
) -> None:
    app = VidbrowseApp(library, query="link:patreon", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        notes = heard(app)
        await open_picker(app, pilot, "link:patreon")
        shown = screen_text(app)
        assert "3 links" in shown and "Linked post" in shown
        # number, domain, URL; markup in a URL is shown as typed, never run
        assert " 1  patreon.com  https://www.patreon.com/someone" in shown
        assert f" 2  youtube.com  {HOSTILE}" in shown
        # a long URL is cut to its line with an ellipsis, not wrapped
        line = next(line for line in shown.splitlines() if " 3  example.org" in line)
        assert "…" in line and "end" not in line
        assert not any("long-path-segment/end" in line for line in shown.splitlines())
        await pilot.press("j", "enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, LinksScreen)
        assert copied == [HOSTILE]
        assert notes == [("Link copied", HOSTILE, False)]
        # c copies too; Esc closes without doing anything
        await pilot.press("L", "c")
        assert copied == [HOSTILE, LINKS[0]]
        await pilot.press("L", "escape")
        assert not isinstance(app.screen, LinksScreen) and len(copied) == 2


class _Recorder(webbrowser.BackgroundBrowser):
    def __init__(self) -> None:
        super().__init__("true")
        self.opened: list[str] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)
        return True


@synchronous
async def test_o_opens_the_chosen_link_in_the_browser(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = _Recorder()
    monkeypatch.setattr(webbrowser, "get", lambda using=None: browser)
    app = VidbrowseApp(library, query="link:patreon", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_picker(app, pilot, "link:patreon")
        await pilot.press("down", "down", "o")
        await settle(pilot, app)
        assert browser.opened == [LONG]
        assert not isinstance(app.screen, LinksScreen)


@synchronous
async def test_the_picker_works_from_the_reader(library: Library) -> None:
    app = VidbrowseApp(library, query="link:soundcloud", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("L")
        await settle(pilot, app)
        assert isinstance(app.screen, LinksScreen)
        assert "soundcloud.com  http://www.soundcloud.com/band" in (
            await shown_with(app, pilot, "Esc close")
        )
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ReaderScreen) and copied == ["http://www.soundcloud.com/band"]


@synchronous
async def test_a_post_without_links_says_so(library: Library) -> None:
    app = VidbrowseApp(library, query="-has:link", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        notes = heard(app)
        await settle(pilot, app)
        assert "Links none" in static_text(app, "#detail-meta")
        await pilot.press("L")
        await settle(pilot, app)
        assert not isinstance(app.screen, LinksScreen)
        assert [message for _, message, _ in notes] == ["This post has no links."]


@synchronous
async def test_the_detail_pane_counts_links_and_names_their_sites(library: Library) -> None:
    app = VidbrowseApp(library, query="link:patreon", needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "Links 3 (L): patreon.com, youtube.com, example.org" in static_text(
            app, "#detail-meta"
        )


@synchronous
async def test_ticking_a_site_filters_by_it_and_its_count_is_the_results(
    library: Library,
) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sites = app.query_one("#facet-site", FacetList)
        assert sites.border_title == "Sites"
        values = [sites.get_option_at_index(i).value for i in range(sites.option_count)]
        assert values == ["example.org", "patreon.com", "soundcloud.com", "youtube.com"]
        assert re.search(r"soundcloud\.com +1\b", screen_text(app))
        sites.focus()
        sites.highlighted = values.index("soundcloud.com")
        await pilot.press("space")
        await settle(pilot, app)
        assert app.main_screen.query_bar.text == "site:soundcloud.com"
        assert app.main_screen.results is not None and app.main_screen.results.total == 1
        assert app.query_one("#facet-site", FacetList).selected == ["soundcloud.com"]

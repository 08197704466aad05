"""Driving the app in tests: the archive the pilot tests share, waiting for searches and
updates to land, and the screen read back as plain text."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.worker import WorkerCancelled

from vidbrowse.core.library.library import Library
from vidbrowse.generate import generate_archive
from vidbrowse.tui.app import VidbrowseApp

SIZE = (120, 40)
POSTS = 120
HOSTILE_TITLE = "[bold]Bold[/] [@click=app.quit]click me[/] \u001b[31mred"
HOSTILE_POST = """\
---
title: "[bold]Bold[/] [@click=app.quit]click me[/] \\e[31mred"
vid_id: "h0stil3p0st"
categories: "News-Politics"
tags: ["[link=file:///etc/passwd]pw[/link]","zzhostile"]
date: "2022-08-27T01:36:57+03:00"
vid_date: "2021-07-14T07:24:39Z"
duration: "PT1M32S"
viewcount: "43336"
likeCount: "12"
dislikeCount: ""
channel: "[red]Evil channel"
---
{% raw %}Body with [bold]not bold[/] and [link=file:///etc/passwd]a link[/link].<br />\
OSC \x1b]52;c;ZXZpbA==\x07 and CSI \x1b[2J and C1 \u009b here.{% endraw %}
"""


def synchronous(test: Callable[..., Coroutine[None, None, None]]) -> Callable[..., None]:
    """Run an async test with asyncio (no async pytest plugin is a dependency)."""

    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def make_archive(root: Path, count: int = POSTS) -> tuple[Path, Path]:
    """A generated archive plus the hostile post, indexed; returns (archive, cache)."""
    archive, cache = root / "archive", root / "cache"
    generate_archive(archive, count, seed=7)
    (archive / "_posts" / "2022-08-27-hostile.md").write_text(HOSTILE_POST, encoding="utf-8")
    library = Library.open(archive, cache_dir=cache)
    library.update()
    library.close()
    return archive, cache


def make_review_archive(root: Path, count: int = 60) -> tuple[Path, Path]:
    """The review tests' generated archive, indexed; returns (archive, cache)."""
    archive, cache = root / "archive", root / "cache"
    generate_archive(archive, count, seed=11)
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
    return archive, cache


def screen_text(app: VidbrowseApp) -> str:
    """Everything on screen as plain text, line by line (what the user reads)."""
    svg = app.export_screenshot()
    lines: dict[int, str] = defaultdict(str)
    for number, text in re.findall(r'-line-(\d+)\)">([^<]*)</text>', svg):
        lines[int(number)] += html.unescape(text).replace("\xa0", " ")
    return "\n".join(lines[number] for number in sorted(lines))


async def scrolled_text(pilot: Pilot[Any], app: VidbrowseApp, pages: int = 6) -> str:
    """The screen's text, then again after each PgDn (e.g. the help, longer than the screen)."""
    shown = [screen_text(app)]
    for _ in range(pages):
        await pilot.press("pagedown")
        await pilot.pause()
        shown.append(screen_text(app))
    return "\n".join(shown)


def static_text(app: VidbrowseApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def settle(pilot: Pilot[Any], app: VidbrowseApp) -> None:
    """Let the debounce timer and the search/post workers finish, and their results land."""
    for _ in range(200):
        await pilot.pause()
        with contextlib.suppress(WorkerCancelled):  # a newer search replaced it: by design
            await app.workers.wait_for_complete()
        await pilot.pause()
        if app.main_screen._debounce is None and not any(
            worker.is_running for worker in app.workers
        ):
            return
        await pilot.pause(0.02)


async def settle_update(pilot: Pilot[Any], app: VidbrowseApp, total: int | None = None) -> None:
    """Wait (up to ~5 s) until the background index update is over and, when given, the results
    hold `total` posts: the update starts shortly after the first results and runs in a thread."""
    for _ in range(100):
        await settle(pilot, app)
        done = app.main_screen.results is not None and (
            total is None or app.main_screen.results.total == total
        )
        if not app.main_screen.update_row.updating and done:
            return
        await pilot.pause(0.05)


async def type_query(pilot: Pilot[Any], app: VidbrowseApp, text: str) -> None:
    await pilot.press("slash")
    app.query_one("#query-input", Input).value = ""
    await pilot.press(*text)
    await settle(pilot, app)


def steps(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Press keys, letting searches finish after each; the query cursor does not blink."""

    async def run(pilot: Pilot[Any]) -> None:
        main = pilot.app.screen_stack[0]  # the main screen, under the overview when it starts
        main.query_one("#query-input", Input).cursor_blink = False
        await pilot.pause(0.2)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.2)
            with contextlib.suppress(WorkerCancelled):  # replaced by a newer search
                await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.1)

    return run


HEARD: dict[int, list[str]] = {}


def listened(app: VidbrowseApp) -> VidbrowseApp:
    """`app`, its notifications kept for `said` (a toast expires: under load, before it is read;
    and a toast wraps its lines)."""
    heard = HEARD[id(app)] = []
    notify = app.notify

    def record(message: str, *, title: str = "", **options: Any) -> None:
        heard.append(f"{title} {message}")
        notify(message, title=title, **options)

    app.notify = record  # type: ignore[method-assign]
    return app


def said(app: VidbrowseApp) -> str:
    """Every notification the app gave, in order."""
    return "\n".join(HEARD[id(app)])

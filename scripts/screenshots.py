"""Render the TUI on a generated demo archive to SVG files in screenshots/.

    python scripts/screenshots.py                 # 400 posts, 120x36, into screenshots/
    python scripts/screenshots.py --out /tmp/shots --count 2000

Headless (`App.run_test` + `App.export_screenshot`): no terminal needed. The archive, its index
and the settings live in a temporary folder, so nothing of the user's is read or changed.
PNG for viewing: `rsvg-convert screenshots/main.svg -o main.png` (Debian: librsvg2-bin).
`no-color.svg` is the main screen with NO_COLOR=1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from vidbrowse.tui.app import VidbrowseApp

ROOT = Path(__file__).resolve().parents[1]
SIZE = (120, 36)
SEED = 2014
QUERY = "music"

MARK = ("asterisk", "j", "j", "asterisk", "n", *"for the talk", "ctrl+s")  # star 2, note 1
SAVE = ("b", *"Music", "enter")  # save the query as "Music"
NO_COLOR_SHOTS = {"no-color"}  # rendered with NO_COLOR=1: glyphs and reverse video, no colour
# (file name, terminal size, keys pressed after start-up; "@" waits for searches to finish,
# "=TEXT" writes the query bar's text)
SHOTS: tuple[tuple[str, tuple[int, int], tuple[str, ...]], ...] = (
    ("main", SIZE, ("t", "@", "space", "@", "escape", "j", "j", "@")),
    ("no-color", SIZE, ("t", "@", "space", "@", "escape", "j", "j", "@")),  # NO_COLOR=1
    ("reader", SIZE, ("j", "@", "enter", "@")),
    ("help", SIZE, ("question_mark", "@")),
    # In one edit: typed key by key, a busy machine's debounce searched a prefix ("music ta").
    ("error", SIZE, ("slash", f'={QUERY} tag:"piano', "@")),
    ("small", (80, 24), ("@",)),
    ("wide", (170, 45), ("j", "@")),
    # Last: these leave marks and a saved search behind (the data folder is shared).
    ("overview", SIZE, (*MARK, *SAVE, "@", "h", "@")),
    ("timeline", SIZE, ("T", "@")),
)


async def shoot(
    library: object, name: str, size: tuple[int, int], keys: tuple[str, ...], out: Path
) -> None:
    from textual.widgets import Input

    from vidbrowse.tui.app import VidbrowseApp

    app = VidbrowseApp(library, query=QUERY, needs_update=False)  # type: ignore[arg-type]
    async with app.run_test(size=size) as pilot:
        app.query_one("#query-input", Input).cursor_blink = False
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        for key in keys:
            if key == "@":
                await settle(app, pilot)
            elif key.startswith("="):
                query = app.query_one("#query-input", Input)
                query.value = key[1:]
                query.cursor_position = len(query.value)  # as after typing it
            else:
                await pilot.press(key)
        await pilot.pause(0.2)
        path = out / f"{name}.svg"
        path.write_text(preserve_spaces(app.export_screenshot()), encoding="utf-8")
        print(path)


def preserve_spaces(svg: str) -> str:
    """The SVG with `xml:space="preserve"` on its root. Rich writes spaces as U+00A0 and
    places each run of text at its cell; librsvg (rsvg-convert, many viewers) still trims a
    run's leading U+00A0 unless told to preserve spaces: the error's caret showed at column 0,
    counts touched their labels."""
    return svg.replace("<svg ", '<svg xml:space="preserve" ', 1)


async def settle(app: VidbrowseApp, pilot: Pilot[int]) -> None:
    """Until the typing debounce has run its search and every worker is done."""
    for _ in range(100):
        await pilot.pause(0.1)
        await app.workers.wait_for_complete()
        if app.main_screen._debounce is None and not any(w.is_running for w in app.workers):
            return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--count", type=int, default=400, help="posts in the demo archive")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vidbrowse-shots-") as temp:
        # Default theme and sort: no remembered settings, no config file.
        os.environ["VIDBROWSE_DATA_DIR"] = str(Path(temp) / "data")
        os.environ["VIDBROWSE_CONFIG_DIR"] = str(Path(temp) / "config")
        os.environ.pop("NO_COLOR", None)
        from vidbrowse.core.library.library import Library
        from vidbrowse.generate import generate_archive

        archive = Path(temp) / "archive"
        generate_archive(archive, args.count, seed=SEED)
        library = Library.open(archive, cache_dir=Path(temp) / "cache")
        try:
            library.update()
            for name, size, keys in SHOTS:
                if name in NO_COLOR_SHOTS:
                    os.environ["NO_COLOR"] = "1"  # read when the app starts
                asyncio.run(shoot(library, name, size, keys, args.out))
                os.environ.pop("NO_COLOR", None)
        finally:
            library.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

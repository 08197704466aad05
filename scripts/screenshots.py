"""Render the TUI on a generated demo archive to SVG files in screenshots/.

    python scripts/screenshots.py                 # 400 posts, 120x36, into screenshots/
    python scripts/screenshots.py --out /tmp/shots --count 2000

Headless (`App.run_test` + `App.save_screenshot`): no terminal needed. The archive, its index
and the settings live in a temporary folder, so nothing of the user's is read or changed.
PNG for viewing: `rsvg-convert screenshots/main.svg -o main.png` (Debian: librsvg2-bin).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = (120, 36)
SEED = 2014
QUERY = "music"

MARK = ("asterisk", "j", "j", "asterisk", "n", *"for the talk", "ctrl+s")  # star 2, note 1
SAVE = ("b", *"Music", "enter")  # save the query as "Music"
# (file name, terminal size, keys pressed after start-up; "@" waits for searches to finish)
SHOTS: tuple[tuple[str, tuple[int, int], tuple[str, ...]], ...] = (
    ("main", SIZE, ("t", "@", "space", "@", "escape", "j", "j", "@")),
    ("reader", SIZE, ("j", "@", "enter", "@")),
    ("help", SIZE, ("question_mark", "@")),
    ("error", SIZE, ("slash", "end", *' tag:"piano', "@")),
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
                await pilot.pause(0.3)
                await app.workers.wait_for_complete()
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
                asyncio.run(shoot(library, name, size, keys, args.out))
        finally:
            library.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Post text that tries to act on the terminal or the app: Rich/Textual markup, ANSI/CSI/OSC
sequences (title set, OSC 52 clipboard write, OSC 8 links), bidi overrides, C0/C1 controls, in the
front matter (YAML-escaped and raw), the body and the file name. Each output path gets a test: the
CLI table, `show`, `facets`, `problems`, `--json` (valid, round-trips), and the TUI's screen.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from helpers.cli import cli_env, run_cli
from helpers.posts import post_text
from helpers.tui import SIZE, screen_text, settle, static_text, synchronous
from vidbrowse.core.library.library import Library
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.screens.reader import ReaderScreen

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"
OSC_LINK = "\x1b]8;;https://evil.example/\x1b\\osc8 link\x1b]8;;\x1b\\"
CSI = "\x1b[2J\x1b[31m\x9b1;1H"
BIDI = "\u202eevil\u202c\u2066iso\u2069"
C0_C1 = "\x00\x01\x07\x08\x0b\x0c\x7f\x85\x9d"
MARKUP = "[bold]B[/] [@click=app.quit]q[/] [link=file:///etc/passwd]pw[/link]"
EVERYTHING = " ".join([MARKUP, OSC_TITLE, OSC_CLIPBOARD, OSC_LINK, CSI, BIDI, C0_C1])
EVIL_NAME = "_posts/evil\x1b]0;pwned\x07\u202e.md"

# Bytes that must never reach a terminal: ESC, BEL, other C0 (not \t \n), DEL, C1 in UTF-8,
# and the bidi overrides/isolates in UTF-8.
TERMINAL_UNSAFE = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)


def yaml_quoted(value: str | list[str]) -> str:
    dumped = yaml.safe_dump(value, default_style='"', default_flow_style=True, width=10**9)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def hostile_posts(archive: Path) -> None:
    posts = archive / "_posts"
    posts.mkdir(parents=True)
    # Escaped in YAML: the parser receives the real characters after loading.
    (posts / "escaped.md").write_text(
        f'---\ntitle: {yaml_quoted("zqescapedk " + EVERYTHING)}\nvid_id: "esc1"\n'
        f"channel: {yaml_quoted('[red]Chan ' + OSC_TITLE + BIDI)}\n"
        f"tags: {yaml_quoted(['zqtag ' + MARKUP, OSC_CLIPBOARD + 'clip', BIDI + 'bidi'])}\n"
        f"categories: {yaml_quoted(CSI + 'Cat')}\n"
        "---\n{% raw %}zqbodyk " + EVERYTHING + "<br />more{% endraw %}\n",
        encoding="utf-8",
    )
    # Raw control characters straight in the file.
    (posts / "raw.md").write_text(
        f"---\ntitle: 'zqrawk {EVERYTHING}'\nvid_id: \"raw1\"\n"
        f'channel: "[red]Raw {OSC_TITLE}"\ntags: ["zqtag", "{CSI}x"]\n'
        f"---\nzqrawbody {EVERYTHING}\n",
        encoding="utf-8",
    )
    # Hostile file names: indexed under their escaped path (a path is written raw in CSV,
    # Markdown, the app, so it must hold no control character).
    (archive / EVIL_NAME).write_text(post_text(1), encoding="utf-8")
    (posts / f"bad{OSC_TITLE}.md").write_text("---\ntitle: [x\n---\n", encoding="utf-8")


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("inject")
    archive = root / "archive"
    hostile_posts(archive)
    env = cli_env(root / "cache")
    done = run_cli("index", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    assert b"3 posts indexed" in done.stdout
    return archive, env


def assert_terminal_safe(data: bytes) -> None:
    found = TERMINAL_UNSAFE.search(data)
    if found is not None:
        near = data[max(found.start() - 30, 0) : found.end() + 30]
        pytest.fail(f"unsafe bytes {found.group()!r} near {near!r}")


def test_cli_table_shows_markup_literally_and_no_escape(indexed: tuple[Path, dict[str, str]]):
    archive, env = indexed
    done = run_cli("search", str(archive), "", "--sort", "title", env=env)
    assert done.returncode == 0, done.stderr
    assert_terminal_safe(done.stdout)
    assert_terminal_safe(done.stderr)
    text = done.stdout.decode()
    assert "zqescapedk [bold]B[/] [@click=app.quit]q[/]" in text
    assert "zqrawk" in text


@pytest.mark.parametrize(
    "args",
    [
        ("show", "esc1"),
        ("show", "raw1"),
        ("facets", "", "--field", "tag"),
        ("facets", "", "--field", "channel"),
        ("facets", "", "--field", "category"),
        ("problems",),
        ("stats", ""),
        ("search", "zqtag", "--format", "csv"),
        ("search", "zqtag", "--format", "md"),
        ("search", "zqtag", "--format", "urls"),
    ],
)
def test_every_text_command_is_terminal_safe(
    indexed: tuple[Path, dict[str, str]], args: tuple[str, ...]
) -> None:
    archive, env = indexed
    done = run_cli(args[0], str(archive), *args[1:], env=env)
    assert done.returncode == 0, done.stderr
    assert_terminal_safe(done.stdout)
    assert_terminal_safe(done.stderr)
    if args == ("show", "esc1"):
        assert "[link=file:///etc/passwd]pw[/link]" in done.stdout.decode()
        assert "zqbodyk" in done.stdout.decode()
    if args == ("problems",):
        assert "_posts/bad" in done.stdout.decode()


@pytest.mark.parametrize(
    "args",
    [
        ("search", "", "--json"),
        ("show", "esc1", "--json"),
        ("show", "raw1", "--json"),
        ("facets", "", "--json"),
        ("problems", "--json"),
        ("stats", "", "--json"),
    ],
)
def test_json_is_valid_escaped_and_round_trips(
    indexed: tuple[Path, dict[str, str]], args: tuple[str, ...]
) -> None:
    archive, env = indexed
    done = run_cli(args[0], str(archive), *args[1:], env=env)
    assert done.returncode == 0, done.stderr
    assert_terminal_safe(done.stdout)  # escaped as \u001b etc., never raw
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert records
    with Library.open(archive, cache_dir=Path(env["VIDBROWSE_CACHE_DIR"])) as library:
        for record in records:
            if "vid_id" in record:  # a post: the JSON says exactly what the library holds
                post = library.find(record["vid_id"])[0]
                assert record["title"] == post.title
                assert record["path"] == post.path
                assert record["tags"] == list(post.tags)
            if args[0] == "show":
                assert record["text"] == post.text
    if args[0] == "problems":  # a hostile file name is shown escaped
        unreadable = {r["path"]: r["reason"] for r in records if r["kind"] == "unreadable"}
        assert list(unreadable) == ["_posts/bad\\x1b]0;pwned\\x07.md"]
    if args[0] == "search":
        evil = "_posts/evil\\x1b]0;pwned\\x07\\xe2\\x80\\xae.md"
        assert evil in [record["path"] for record in records]


def test_cleaned_values_keep_the_markup_but_no_controls(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    hostile_posts(archive)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        post = library.find("esc1")[0]
    assert post.title.startswith("zqescapedk [bold]B[/] [@click=app.quit]q[/] [link=")
    for value in (post.title, post.channel, *post.tags, *post.categories, post.text):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", value)


@synchronous
async def test_tui_shows_every_hostile_value_literally(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    hostile_posts(archive)
    library = Library.open(archive, cache_dir=tmp_path / "cache")
    library.update()
    try:
        for query, word in (("zqescapedk", "zqbodyk"), ("zqrawk", "zqrawbody")):
            app = VidbrowseApp(library, query=query, needs_update=False)
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot, app)
                assert app.main_screen.results is not None and app.main_screen.results.total == 1
                shown = screen_text(app)
                assert "[bold]B[/] [@click=app.quit]q[/]" in shown
                assert "[red]" in shown
                for selector in ("#detail-body", "#detail-meta"):
                    assert not TERMINAL_UNSAFE.search(static_text(app, selector).encode())
                assert word in static_text(app, "#detail-body")
                assert "[link=file:///etc/passwd]pw[/link]" in static_text(app, "#detail-body")
                assert not TERMINAL_UNSAFE.search(shown.encode())
                # The reader screen too; and clicking the "link" text is only a click on text.
                await pilot.press("enter")
                await settle(pilot, app)
                assert isinstance(app.screen, ReaderScreen)
                reader = screen_text(app)
                assert "[link=file:///etc/passwd]pw[/link]" in reader
                assert not TERMINAL_UNSAFE.search(reader.encode())
                await pilot.click(offset=(10, 3))
                await pilot.press("escape")
                await settle(pilot, app)
                assert app.is_running
    finally:
        library.close()

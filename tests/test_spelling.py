"""Typos forgiven: a query that finds nothing is corrected from the archive's own spellings, in
the core, in the CLI's table (note on stderr), and only suggested by machine formats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.tui import SIZE, screen_text, settle, static_text, synchronous, type_query
from vidbrowse import cli
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.spelling import budget
from vidbrowse.tui.app import VidbrowseApp

POSTS = [
    ("Minecraft survival island", ["minecraft", "survival"]),
    ("Minecraft castle build", ["minecraft"]),
    ("Minecraft redstone comparison", ["minecraft"]),
    ("A minecart ride", ["trains"]),
    ("Survival guide for beginners", ["outdoors"]),
    ("Documentary about whales", ["nature"]),
]


def _post(i: int, title: str, tags: list[str]) -> str:
    listed = ", ".join(f'"{t}"' for t in tags)
    return (
        f'---\ntitle: "{title}"\nvid_id: "v{i:04}"\ntags: [{listed}]\nchannel: "Channel {i}"\n'
        'vid_date: "2014-09-11T00:25:14Z"\nviewcount: "100"\n---\n'
        "{% raw %}Plain words in the body.{% endraw %}\n"
    )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    archive = tmp_path_factory.mktemp("archive")
    (archive / "_posts").mkdir()
    for i, (title, tags) in enumerate(POSTS):
        (archive / "_posts" / f"p{i}.md").write_text(_post(i, title, tags), encoding="utf-8")
    cache = tmp_path_factory.mktemp("cache")
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
    return archive, cache


def corrected(library: Library, query: str) -> str | None:
    results = library.search(query)
    return library.correction(results.query, results.total)


def test_a_word_that_finds_nothing_takes_the_most_common_close_spelling(
    library: Library,
) -> None:
    assert library.search("minecrft survival").total == 0
    assert corrected(library, "minecrft survival") == "minecraft survival"
    # "minecart" is one edit away too, but "minecraft" is in more titles.
    assert corrected(library, "minecrat") == "minecraft"
    assert corrected(library, "Survival documentry") is None  # fixed, it still finds nothing
    assert corrected(library, "documentry") == "documentary"


def test_a_tag_value_is_corrected_from_the_tags(library: Library) -> None:
    assert corrected(library, "tag:minecrat") == "tag:minecraft"
    assert corrected(library, "tags:minecraft") is None


def test_no_correction_when_the_query_has_results(library: Library) -> None:
    assert library.search("minecart").total == 1
    assert corrected(library, "minecart") is None
    assert corrected(library, "survival") is None


def test_the_typo_budget_grows_with_the_word(library: Library) -> None:
    assert [budget(n) for n in (3, 4, 5, 8, 9, 12)] == [0, 0, 1, 1, 2, 2]
    assert corrected(library, "gude") == "guide"  # 1 edit, a 5-letter word
    assert corrected(library, "gid") is None  # 2 edits from a 5-letter word
    assert corrected(library, "mnecrat") == "minecraft"  # 2 edits from a 9-letter word
    assert corrected(library, "redstne comparisn") == "redstone comparison"


def test_negated_and_fielded_words(library: Library) -> None:
    assert corrected(library, "title:minecrft") == "title:minecraft"
    assert corrected(library, "castle -minecrft") is None  # it found a post: nothing to fix
    assert corrected(library, "survival -castle minecrft") == "survival -castle minecraft"


@pytest.fixture
def archive_args(indexed: tuple[Path, Path]) -> Iterator[list[str]]:
    archive, cache = indexed
    yield [str(archive), "--index-dir", str(cache)]


def test_the_table_shows_the_corrected_query_with_a_note(
    archive_args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["search", *archive_args, "minecrft survival"]) == cli.EXIT_OK
    out, err = capsys.readouterr()
    assert "Minecraft survival island" in out
    assert "No posts match `minecrft survival` — showing `minecraft survival`" in err
    assert cli.main(["search", *archive_args, "minecrft survival", "--exact"]) == 1
    out, err = capsys.readouterr()
    assert "Minecraft" not in out and "showing" not in err


def test_json_stays_exact_and_suggests_on_stderr(
    archive_args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["search", *archive_args, "tag:minecrat", "--json"]) == cli.EXIT_NOT_FOUND
    out, err = capsys.readouterr()
    assert out == ""
    assert "did you mean `tag:minecraft`? (--correct searches it)" in err
    assert cli.main(["search", *archive_args, "tag:minecrat", "--json", "--correct"]) == 0
    out, err = capsys.readouterr()
    titles = {json.loads(line)["title"] for line in out.splitlines()}
    assert titles == {title for title, tags in POSTS if "minecraft" in tags}
    assert "showing `tag:minecraft`" in err


def test_a_query_with_results_gets_no_note(
    archive_args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["search", *archive_args, "survival"]) == cli.EXIT_OK
    _, err = capsys.readouterr()
    assert "showing" not in err and "did you mean" not in err


@synchronous
async def test_the_app_shows_the_corrected_results_under_a_banner(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_query(pilot, app, "minecrft survival")
        main = app.main_screen
        assert main.results is not None and main.results.total == 1
        assert main.query_text == "minecraft survival"
        shown = screen_text(app)
        assert "No posts match `minecrft survival` — showing `minecraft survival`" in shown
        assert static_text(app, "#correction").endswith(  # wrapped on screen: read it whole
            "showing `minecraft survival`; Enter on the banner searches exactly what you typed"
        )
        assert "Minecraft survival island" in shown
        # Enter on the banner: exactly what was typed, and no banner.
        await pilot.click("#correction")
        await settle(pilot, app)
        assert main.results.total == 0 and main.query_text == "minecrft survival"
        assert "showing" not in screen_text(app)
        # A query that finds posts has no banner.
        await type_query(pilot, app, "survival")
        assert main.results.total == 2 and "showing" not in screen_text(app)


@synchronous
async def test_enter_on_the_banner_searches_what_was_typed(library: Library) -> None:
    app = VidbrowseApp(library, needs_update=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_query(pilot, app, "tag:minecrat")
        main = app.main_screen
        assert main.results is not None and main.results.total == 3
        assert "showing `tag:minecraft`" in screen_text(app)
        main.correction.focus()
        await pilot.press("enter")
        await settle(pilot, app)
        assert main.results.total == 0 and "showing" not in screen_text(app)


def _archive(root: Path, posts: list[tuple[str, str]]) -> Path:
    (root / "_posts").mkdir(parents=True)
    for i, (title, body) in enumerate(posts):
        text = f'---\ntitle: "{title}"\nvid_id: "v{i:04}"\n---\n{{% raw %}}{body}{{% endraw %}}\n'
        (root / "_posts" / f"p{i}.md").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("right", "expected"), [(7, "island survival"), (6, None)])
def test_a_misspelling_some_bodies_hold_gives_way_when_together_nothing_is_found(
    tmp_path: Path, right: int, expected: str | None
) -> None:
    # "survivl" is in 3 bodies (more than a typo's RARE), "island" only beside "survival":
    # each word finds posts, the query none. The fix needs a spelling in twice the posts.
    posts = [(f"Survival island {i}", "Plain words.") for i in range(right)]
    posts += [(f"Cooking show {i}", "Survivl tips.") for i in range(3)]
    archive = _archive(tmp_path / "archive", posts)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        assert library.search("survivl").total == 3
        assert library.search("survival").total == right
        assert library.search("island survivl").total == 0
        assert corrected(library, "island survivl") == expected
        assert corrected(library, "cooking survivl") is None  # it finds posts

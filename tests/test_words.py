"""Every word findable, searched as a user searches a library: stop words and phrases of them,
words glued to punctuation, Indic words with their vowel signs, CJK words inside longer runs,
the parts of words run together.
Posts indexed by a cold build (bulk segments), by one whose segments keep every word's positions
in their files of frequent words' positions, and by a small update (Whoosh's writer) alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vidbrowse.core.engine.whoosh_formats import frequent
from vidbrowse.core.library import writing
from vidbrowse.core.library.library import Library

# name: (title, body)
POSTS = {
    "who": ("The Who live at Leeds", "the best of the who"),
    "who-not": ("Who is the best", "the band who played it"),
    "hamlet": ("To be or not to be", "Hamlet, act three"),
    "hamlet-not": ("Not to be missed", "or to be honest"),
    "musical": ("Musical be videos", "nothing"),
    "music-video": ("Music video of the year", "nothing"),
    "friday": ("Weekly show", "*NEW VIDEO EVERY FRIDAY* _subscribe_ #vlog"),
    "hindi-hello": ("नमस्ते दुनिया", "नमस्ते"),
    "hindi-hota": ("यह होता है", "कुछ"),
    "hindi-hotel": ("होटल ताज", "कुछ नहीं"),
    "tokyo-tower": ("東京タワーの夜景", "夜"),
    "kyoto": ("京都の夜", "京都"),
    "tokyo": ("東京", "都"),
    "parts": ("CFour86 Arrival", "#PranabMukherjeeIsNoMore on YouTube, S05E12"),
}


def post_text(title: str, vid_id: str, body: str) -> str:
    return (
        f'---\ntitle: "{title}"\nvid_id: "{vid_id}"\ntags: ["x"]\n'
        'date: "2022-03-07T17:18:29+03:00"\nvid_date: "2014-09-11T00:25:14Z"\n'
        'duration: "PT1M32S"\nviewcount: "100"\nchannel: "Some Channel"\n'
        f"---\n{{% raw %}}{body}{{% endraw %}}\n"
    )


def write_posts(root: Path, names: list[str]) -> None:
    (root / "_posts").mkdir(parents=True, exist_ok=True)
    for name in names:
        title, body = POSTS[name]
        (root / "_posts" / f"{name}.md").write_text(post_text(title, name, body), "utf-8")


@pytest.fixture(params=["cold build", "positions files", "small update"])
def library(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Library]:
    names = list(POSTS)
    root = tmp_path / "archive"
    # A small update indexes through Whoosh's own writer, a cold build through bulk segments.
    write_posts(root, names if request.param != "small update" else names[:1])
    if request.param == "positions files":  # bulk segments, every word's positions in files
        monkeypatch.setattr(writing, "BULK_MIN", 1)
        monkeypatch.setattr(frequent, "FREQUENT_POSTINGS", 1)
    with Library.open(root) as lib:
        lib.update()
        if request.param == "positions files":
            assert list(lib.home.rglob(f"*{frequent.EXTENSION}"))
        if request.param == "small update":
            write_posts(root, names[1:])
            lib.update()
        yield lib


def found(lib: Library, query: str) -> set[str]:
    results = lib.search(query)
    return {Path(row.path).stem for row in results.rows(0, results.total)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"the who"', {"who"}),
        ('title:"to be or not to be"', {"hamlet"}),
        ('"to be or not to be"', {"hamlet"}),
        ("the", {"who", "who-not", "music-video"}),
        ("it", {"who-not"}),
        ("NOT the", set(POSTS) - {"who", "who-not", "music-video"}),
        ('"music video"', {"music-video"}),
        ('"musical be"', {"musical"}),
        ('"to be"', {"hamlet", "hamlet-not"}),  # twice in a title: found once
        ('"who"', {"who", "who-not"}),  # a phrase of one word is the word
        ('"the year nothing"', set()),  # the title's end and the body's start: two fields
        ('"best of the who"', {"who"}),
    ],
)
def test_stop_words_and_exact_phrases(library: Library, query: str, expected: set[str]) -> None:
    assert found(library, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("friday", {"friday"}),
        ("*friday*", {"friday"}),
        ('"new video every friday"', {"friday"}),
        ("subscribe", {"friday"}),
        ("#vlog", {"friday"}),
        ("vlog", {"friday"}),
    ],
)
def test_words_glued_to_punctuation(library: Library, query: str, expected: set[str]) -> None:
    assert found(library, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title:होता", {"hindi-hota"}),
        ("नमस्ते", {"hindi-hello"}),
        ("दुनिया", {"hindi-hello"}),
        ("title:होटल", {"hindi-hotel"}),
        ("东京", set()),  # simplified 东 is another character
        ("東京", {"tokyo-tower", "tokyo"}),
        ("夜景", {"tokyo-tower"}),
        ("京都", {"kyoto"}),
        ("東京タワー", {"tokyo-tower"}),
        ('"東京 夜景"', set()),
        ("title:夜", set()),  # a lone character is found where it stands alone
        ("夜", {"tokyo-tower"}),
    ],
)
def test_indic_and_cjk_words(library: Library, query: str, expected: set[str]) -> None:
    assert found(library, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cfour86", {"parts"}),
        ("cfour", {"parts"}),
        ("CFour", {"parts"}),
        ("86", {"parts"}),
        ("cfou*", {"parts"}),
        ('"cfour86 arrival"', {"parts"}),
        ('"cfour arrival"', {"parts"}),  # a part stands at its word's position
        ("mukherjee", {"parts"}),
        ('"pranabmukherjeeisnomore"', {"parts"}),
        ("tube", {"parts"}),
        ("youtube", {"parts"}),
        ("s05e12", {"parts"}),
        ("e12", set()),  # two numbers in a word: an identifier, kept whole
    ],
)
def test_the_parts_of_words_run_together(library: Library, query: str, expected: set[str]) -> None:
    assert found(library, query) == expected

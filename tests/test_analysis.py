"""What counts as a word (core/engine/analysis.py), and its two ways in giving the same words at
the same positions: Whoosh's analyzer (small updates, queries, highlighting) and the bulk
builder's one loop, on tricky text, generated posts and the shared real corpus."""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest

from vidbrowse.core.archive.parse import load_post
from vidbrowse.core.archive.post import Post
from vidbrowse.core.engine import analysis, combining
from vidbrowse.core.engine.analysis import ANALYZER, plain_words, words_of
from vidbrowse.core.engine.index import document
from vidbrowse.generate import generate_archive

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FIELDS = ("title", "channel", "tags", "text")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*NEW VIDEO EVERY FRIDAY*", ["new", "video", "everi", "friday"]),
        ("_word_ #hashtag @handle", ["word", "hashtag", "handl"]),
        ("word/word snake_case", ["word", "word", "snake", "case"]),
        ("don't it's", ["don", "t", "it", "s"]),
        ("U.S.A. e.g. i.e", ["usa", "eg", "ie"]),
        ("3.5 1,000 v1.2.3 end.", ["3.5", "1,000", "v1.2.3", "end"]),
        ("example.com a.b", ["exampl", "com", "ab"]),
        ("hello🎵world ❤️ 1️⃣", ["hello", "world", "1"]),
        ("The who, to be or not to be", ["the", "who", "to", "be", "or", "not", "to", "be"]),
        ("I a", ["i", "a"]),
        ("Café CAFE\u0301 İstanbul", ["cafe", "cafe", "istanbul"]),
        ("नमस्ते दुनिया", ["नमस्ते", "दुनिया"]),
        ("যদি বাংলা", ["যদি", "বাংলা"]),
        ("தமிழ் மொழி", ["தமிழ்", "மொழி"]),
        ("ภาษาไทย", ["ภาษาไทย"]),
        ("مُحَمَّد محمد", ["محمد", "محمد"]),
        ("x\u1dc4y\u20ddz\ufe20 б\u0483г", ["xyz", "бг"]),  # decorations.py
        ("می\u200cخواهم", ["میخواهم"]),
        ("東京タワーの夜景", ["東京", "京タ", "タワ", "ワー", "ーの", "の夜", "夜景"]),
        ("猫 と 犬", ["猫", "と", "犬"]),
        ("서울에서", ["서울", "울에", "에서"]),
        ("abc東京", ["abc", "東京"]),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words_of(text) == expected


def test_a_part_is_indexed_once_beside_its_word() -> None:
    # `abcS` stems to `abc`, as its part `abc` does; `ab12ab` has the part `ab` twice.
    assert ANALYZER.positions("abcS ab12ab") == {
        "abc": [0], "s": [0], "ab12ab": [1], "ab": [1], "12": [1],
    }  # fmt: skip


def test_plain_words_are_folded_not_stemmed() -> None:
    assert plain_words("Running CAFÉS *new* U.S. 東京タ") == [
        "running", "cafes", "new", "us", "東京", "京タ",
    ]  # fmt: skip


def test_positions_count_every_word() -> None:
    tokens = list(ANALYZER("the Who — the 東京タワー", positions=True, chars=True))
    text = "the Who — the 東京タワー"
    assert [(t.text, t.pos, text[t.startchar : t.endchar]) for t in tokens] == [
        ("the", 0, "the"), ("who", 1, "Who"), ("the", 2, "the"),
        ("東京", 3, "東京"), ("京タ", 4, "京タ"), ("タワ", 5, "タワ"), ("ワー", 6, "ワー"),
    ]  # fmt: skip


def test_marks_table_is_this_pythons_unicode() -> None:
    if unicodedata.unidata_version != combining.UNICODE_VERSION:
        version = combining.UNICODE_VERSION
        pytest.skip(f"combining.py is of Unicode {version}: run scripts/unicode_marks.py")
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    found = re.findall(f"[{combining.MARKS}{combining.ASTRAL_MARKS}]", every)
    expected = [c for c in every if unicodedata.category(c) in ("Mn", "Mc", "Me")]
    assert found == expected
    # The BMP's apart: a class with ranges past U+FFFF is slow (analysis.py).
    assert max(combining.MARKS) <= "\uffff" < min(combining.ASTRAL_MARKS.replace("-", ""))


def same_positions(value: str) -> None:
    whoosh: dict[str, list[int]] = {}
    for token in ANALYZER(value, positions=True, mode="index"):
        whoosh.setdefault(token.text, []).append(token.pos)
    assert ANALYZER.positions(value) == whoosh, value[:80]


def test_fast_analysis_is_whooshs_on_tricky_text() -> None:
    tricky = [
        "", "   ", "*bold* _it_ #tag @me a/b don't U.S.A. e.g. 3.5 1,000",
        "東京タワーの夜景 and 京都", "नमस्ते दुनिया होता", "ـ ‌", "x" * 300, "a.b.c x*y foo..bar",
        "🎵音楽🎵 músic ﬁne Ｔｏｋｙｏ", "repeat " * 50,
        "CFour86 ab12.ab iPhone S05E12 नमस्ते१२ ab12ab abcS",
    ]  # fmt: skip
    analysis._CACHE.clear()  # both ways must fill the cache the same way too
    for value in tricky:
        same_positions(value)


def test_fast_analysis_is_whooshs_on_generated_posts(tmp_path: Path) -> None:
    paths = generate_archive(tmp_path, 300, seed=11)
    for path in paths:
        post = load_post(tmp_path, path.relative_to(tmp_path).as_posix())
        assert isinstance(post, Post)
        values = document(1, post)
        for name in FIELDS:
            same_positions(str(values[name]))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_fast_analysis_is_whooshs_on_the_real_corpus() -> None:
    paths = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.glob("*/_posts/*"))
    assert len(paths) > 6000
    for path in paths:
        post = load_post(CORPUS, path)
        if isinstance(post, Post):
            values = document(1, post)
            for name in FIELDS:
                same_positions(str(values[name]))


STEM_WORDS = [
    *("running", "flies", "generously", "yes", "sky", "news", "skis", "dying", "exceed"),
    *("a1", "mp3", "3ds", "v2", "1080p", "2kbhhrfnsa0", "13.1", "state51", "x264"),
    *("примите", "राज्य", "東京", "ab", "is", "ñandúes", "caféing"),
]


@pytest.mark.parametrize("word", STEM_WORDS)
def test_the_stem_shortcuts_give_porter2s_stem(word: str) -> None:
    """Words porter2 cannot change are not stemmed, and stems are kept: either way the word
    indexed is porter2's stem of the folded word."""
    from whoosh.lang.porter2 import stem

    folded = analysis.fold(word)
    assert analysis._stem(folded) == stem(folded)
    assert analysis._stem(folded) == stem(folded)  # from the kept stems


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_the_stem_shortcuts_give_porter2s_stem_on_the_real_corpus() -> None:
    from whoosh.lang.porter2 import stem

    words = {
        word
        for path in sorted(CORPUS.glob("*/_posts/*"))[::7]
        if isinstance(post := load_post(CORPUS, path.relative_to(CORPUS).as_posix()), Post)
        for word in plain_words(f"{post.title} {post.text}")
    }
    assert len(words) > 10_000
    assert [w for w in words if analysis._stem(w) != stem(w)] == []

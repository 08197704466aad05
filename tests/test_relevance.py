"""Relevance is BM25F: a word's frequency is weighed against its field's length, and counted once
over the fields it is in."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidbrowse.core.library.library import Library

# (title, upload date, body): newest first when scores tie.
POSTS = [
    ("Telescope", "2014-01-01", "Plain words."),
    ("Telescope review with many more words in a long title about things", "2015-01-01", "x"),
    ("Garden tour", "2016-01-01", "A telescope in the garden, " + "then flowers " * 60),
    ("Kitchen tour", "2013-01-01", "A telescope in the kitchen."),
]


def _post(i: int, title: str, uploaded: str, body: str) -> str:
    return (
        f'---\ntitle: "{title}"\nvid_id: "v{i:04}"\ntags: ["misc"]\nchannel: "Channel {i}"\n'
        f'vid_date: "{uploaded}T00:00:00Z"\n---\n{{% raw %}}{body}{{% endraw %}}\n'
    )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    archive = tmp_path_factory.mktemp("archive")
    (archive / "_posts").mkdir()
    for i, post in enumerate(POSTS):
        (archive / "_posts" / f"p{i}.md").write_text(_post(i, *post), encoding="utf-8")
    cache = tmp_path_factory.mktemp("cache")
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
    return archive, cache


def test_a_short_field_outweighs_a_long_one(library: Library) -> None:
    titles = [row.title for row in library.search("telescope").rows(0, 10)]
    # Both titles hold the word once: the short one first (newer posts would win a tie).
    assert titles.index("Telescope") < titles.index(POSTS[1][0])
    # So do bodies: the short one first, though the long one is newer.
    assert titles.index("Kitchen tour") < titles.index("Garden tour")

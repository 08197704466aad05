"""Known-item success@1 and MRR@10 on the real corpus with English Porter2 only (the index's
stemming) and with Russian Snowball for Cyrillic words besides (chosen by script, the same for
posts and queries). A query is the two title words of a post found in the fewest posts (4+
letters), Cyrillic words for the Cyrillic set, ASCII ones for the English set.

    PYTHONPATH=src python scripts/bench_stemming.py CORPUS base|ru

CORPUS: e.g. ../shared/corpus; its index goes to a temporary folder.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

from whoosh.lang import stemmer_for_language

from vidbrowse.core.archive.parse import load_post
from vidbrowse.core.archive.post import Post
from vidbrowse.core.engine import analysis
from vidbrowse.core.library.library import Library

CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def known_items(posts: dict[str, Post], cyrillic: bool) -> list[tuple[str, str]]:
    """(path, query) for each post with two title words of its set."""
    found: Counter[str] = Counter()
    for post in posts.values():
        found.update(set(analysis.plain_words(f"{post.title} {post.text}")))
    items = []
    for path, post in posts.items():
        words = [
            w
            for w in dict.fromkeys(analysis.plain_words(post.title))
            if len(w) >= 4 and w.isalpha() and bool(CYRILLIC.match(w)) == cyrillic
        ]
        if not cyrillic and not all(w.isascii() for w in words):
            continue
        if len(words) >= 2:
            items.append((path, " ".join(sorted(words, key=found.__getitem__)[:2])))
    return items


def main() -> None:
    corpus, variant = Path(sys.argv[1]), sys.argv[2]
    if variant == "ru":
        russian, english = stemmer_for_language("ru"), analysis._stem
        analysis._stem = lambda w: russian(w) if CYRILLIC.match(w) else english(w)
    paths = sorted(p.relative_to(corpus).as_posix() for p in corpus.glob("*/_posts/*"))
    posts = {p: post for p in paths if isinstance(post := load_post(corpus, p), Post)}
    with tempfile.TemporaryDirectory() as cache, Library.open(corpus, cache_dir=Path(cache)) as lib:
        lib.update()
        for name, cyrillic in (("Cyrillic", True), ("English", False)):
            items = known_items(posts, cyrillic)
            first = reciprocal = 0.0
            for path, query in items:
                results = lib.search(query)
                top = [row.path for row in results.rows(0, 10)]
                first += bool(top) and top[0] == path
                reciprocal += 1 / (top.index(path) + 1) if path in top else 0
            count = max(len(items), 1)
            print(
                f"{variant} {name}: {len(items)} queries, success@1 {first / count:.3f}, "
                f"MRR@10 {reciprocal / count:.3f}"
            )


if __name__ == "__main__":
    main()

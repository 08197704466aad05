"""Relevance benchmark: do known-item queries find their post, and first? vidbrowse vs SQLite FTS5.

    python scripts/bench_relevance.py [--size 10000] [--per-kind 300] [--corpus DIR] [--json FILE]

For a generated archive (vidbrowse.generate) and, when present, ../shared/corpus (real posts), a
seeded sample of posts is turned into queries a person remembering the post might type:

| kind        | query                                                                  |
|-------------|------------------------------------------------------------------------|
| title       | 2 distinctive title words, in random order                             |
| description | 3 distinctive words of the description's prose (not in the title)      |
| typo        | the title query with one letter dropped from a word of 5+ letters     |
| channel     | the channel name's words and one distinctive title word               |

A word is a run of letters (with their combining marks), 3+ of them, compared lower-cased; it is
*distinctive* when 2 ≤ df ≤ max(3, 0.5% of the posts), df counting the posts holding it in any
field: rare enough to point at few posts, yet not a string found in one post only (a misspelling,
an id). Prose is the post's text without URLs, #hashtags and @handles.

Both engines get the same words and the same posts (parsed by core/archive/parse.py): vidbrowse
through Library.search and Library.correction (what the table and the app show), FTS5 with bm25 over
`porter unicode61 remove_diacritics 2`, the words ANDed. A query succeeds at rank r when the r-th
result is the post or one sharing its vid_id or the field the words came from (a repost). Reported
per kind: success@1, success@10 and MRR@10.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from vidbrowse.core.archive.parse import load_post
from vidbrowse.core.archive.post import Post
from vidbrowse.core.archive.scan import scan
from vidbrowse.core.engine.combining import MARKS
from vidbrowse.core.library.library import Library
from vidbrowse.generate import generate_archive

KINDS = ("title", "description", "typo", "channel")
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TOP = 10
MIN_LETTERS = 3
TYPO_LETTERS = 5

# A letter, then letters and combining marks (so Indic words stay whole).
_WORD = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{MARKS}])*")
_NOT_PROSE = re.compile(r"https?://\S+|www\.\S+|[#@]\w+")
_TYPO_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def words(text: str) -> list[str]:
    """The words of `text`, case-folded, in order (repeats kept)."""
    return [w.lower() for w in _WORD.findall(text) if len(w) >= MIN_LETTERS]


def prose(text: str) -> str:
    return _NOT_PROSE.sub(" ", text)


@dataclass(frozen=True, slots=True)
class Query:
    kind: str
    words: tuple[str, ...]
    relevant: frozenset[str]  # paths of the posts that count as found

    @property
    def text(self) -> str:
        return " ".join(self.words)


class Archive:
    """The parsed posts of one archive, with document frequencies over all their fields."""

    def __init__(self, posts: list[Post]) -> None:
        self.posts = posts
        self.df: Counter[str] = Counter()
        for post in posts:
            self.df.update(set(words(_all_fields(post))))
        self.max_df = max(3, len(posts) // 200)
        self.by_vid: dict[str, set[str]] = {}
        self.by_title: dict[str, set[str]] = {}
        self.by_text: dict[str, set[str]] = {}
        for post in posts:
            for index, key in (
                (self.by_vid, post.vid_id),
                (self.by_title, post.title.lower()),
                (self.by_text, post.text),
            ):
                if key:
                    index.setdefault(key, set()).add(post.path)

    def distinctive(self, text: str, exclude: Iterable[str] = ()) -> list[str]:
        """The distinctive words of `text`, each once, in order, without `exclude`."""
        skip = set(exclude)
        found = [w for w in words(text) if 2 <= self.df[w] <= self.max_df and w not in skip]
        return list(dict.fromkeys(found))

    def relevant(self, post: Post, source: str) -> frozenset[str]:
        same = {post.path} | self.by_vid.get(post.vid_id, set())
        if source == "title":
            same |= self.by_title.get(post.title.lower(), set())
        else:
            same |= self.by_text.get(post.text, set())
        return frozenset(same)


def _all_fields(post: Post) -> str:
    return " ".join((post.title, post.channel, " ".join(post.tags), post.text))


def _typo_word(word: str) -> bool:
    if len(word) < TYPO_LETTERS or not word.isalpha():
        return False
    return all(unicodedata.name(c, "").startswith(_TYPO_SCRIPTS) for c in word)


def make_query(archive: Archive, post: Post, kind: str, rng: random.Random) -> Query | None:
    """The `kind` query for `post`, or None when the post cannot give one."""
    title = archive.distinctive(post.title)
    if kind == "description":
        picked = archive.distinctive(prose(post.text), exclude=words(post.title))
        if len(picked) < 3:
            return None
        return Query(kind, tuple(rng.sample(picked, 3)), archive.relevant(post, "text"))
    if kind == "channel":
        named = list(dict.fromkeys(words(post.channel)))
        title = [w for w in title if w not in named]
        if not named or not title:
            return None
        return Query(kind, (*named, rng.choice(title)), archive.relevant(post, "title"))
    if len(title) < 2:
        return None
    pair = rng.sample(title, 2)
    if kind == "typo":
        long = [i for i, w in enumerate(pair) if _typo_word(w)]
        if not long:
            return None
        at = rng.choice(long)
        cut = rng.randrange(len(pair[at]))
        pair[at] = pair[at][:cut] + pair[at][cut + 1 :]
    return Query(kind, tuple(pair), archive.relevant(post, "title"))


def make_queries(archive: Archive, per_kind: int, seed: int) -> dict[str, list[Query]]:
    queries: dict[str, list[Query]] = {}
    for number, kind in enumerate(KINDS):
        rng = random.Random(seed * 100 + number)
        order = list(archive.posts)
        rng.shuffle(order)
        chosen: list[Query] = []
        for post in order:
            query = make_query(archive, post, kind, rng)
            if query is not None:
                chosen.append(query)
                if len(chosen) == per_kind:
                    break
        queries[kind] = chosen
    return queries


# --------------------------------------------------------------------------- engines


def vidbrowse_engine(library: Library) -> Callable[[Query], list[str]]:
    def top(query: Query) -> list[str]:
        # As the table and the app show it: corrected when it finds (almost) nothing.
        results = library.search(query.text, facet_limit=0)
        corrected = library.correction(results.query, results.total)
        if corrected is not None:
            results = library.search(corrected, facet_limit=0)
        return [row.path for row in results.rows(0, TOP)]

    return top


def fts5_engine(posts: list[Post]) -> Callable[[Query], list[str]]:
    con = sqlite3.connect(":memory:")
    con.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(title, channel, tags, text, "
        "tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    with con:
        con.executemany(
            "INSERT INTO fts(rowid, title, channel, tags, text) VALUES (?, ?, ?, ?, ?)",
            [
                (rowid, p.title, p.channel, " ".join(p.tags), p.text)
                for rowid, p in enumerate(posts)
            ],
        )

    def top(query: Query) -> list[str]:
        match = " ".join('"' + w.replace('"', '""') + '"' for w in query.words)
        found = con.execute(
            f"SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT {TOP}", (match,)
        )
        return [posts[rowid].path for (rowid,) in found]

    return top


def score(engine: Callable[[Query], list[str]], queries: list[Query]) -> dict[str, float]:
    at1 = at10 = reciprocal = 0.0
    started = time.perf_counter()
    for query in queries:
        paths = engine(query)
        rank = next((i for i, p in enumerate(paths, 1) if p in query.relevant), None)
        if rank is not None:
            at1 += rank == 1
            at10 += 1
            reciprocal += 1 / rank
    n = max(len(queries), 1)
    return {
        "queries": len(queries),
        "success@1": at1 / n,
        "success@10": at10 / n,
        "mrr@10": reciprocal / n,
        "ms_per_query": 1000 * (time.perf_counter() - started) / n,
    }


def misses(engine: Callable[[Query], list[str]], queries: list[Query], count: int) -> list[str]:
    """The first `count` queries whose post is not first, for looking at by hand."""
    out = []
    for query in queries:
        paths = engine(query)
        if not paths or paths[0] not in query.relevant:
            out.append(f"  {query.text!r}: wanted {sorted(query.relevant)[0]}, got {paths[:3]}")
            if len(out) == count:
                break
    return out


# --------------------------------------------------------------------------- runs


def load_posts(root: Path) -> list[Post]:
    posts = []
    for path in sorted(scan(root).files):
        loaded = load_post(root, path)
        if isinstance(loaded, Post):
            posts.append(loaded)
    return posts


def run_archive(name: str, root: Path, cache: Path, args: argparse.Namespace) -> dict[str, object]:
    started = time.perf_counter()
    library = Library.open(root, cache_dir=cache)
    library.update()
    posts = load_posts(root)
    archive = Archive(posts)
    queries = make_queries(archive, args.per_kind, args.seed)
    engines = {"vidbrowse": vidbrowse_engine(library), "fts5": fts5_engine(posts)}
    prepared = time.perf_counter() - started
    report: dict[str, object] = {"posts": len(posts), "max_df": archive.max_df, "kinds": {}}
    for kind in KINDS:
        report["kinds"][kind] = {e: score(run, queries[kind]) for e, run in engines.items()}  # type: ignore[index]
        if args.misses and kind in args.misses_kinds:
            print(f"{name} {kind}: vidbrowse misses", file=sys.stderr)
            print(
                "\n".join(misses(engines["vidbrowse"], queries[kind], args.misses)), file=sys.stderr
            )
    report["seconds"] = {"prepare": prepared, "total": time.perf_counter() - started}
    library.close()
    return report


def table(name: str, report: dict[str, object]) -> str:
    lines = [
        f"### {name}: {report['posts']} posts (distinctive: df 2..{report['max_df']})",
        "",
        "| kind | queries | vb s@1 | FTS5 s@1 | vb s@10 | FTS5 s@10 | vb MRR | FTS5 MRR |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, engines in report["kinds"].items():  # type: ignore[attr-defined]
        vb, fts = engines["vidbrowse"], engines["fts5"]
        cells = [
            f"{vb[m]:.3f}" + " " + f"| {fts[m]:.3f}" for m in ("success@1", "success@10", "mrr@10")
        ]
        lines.append(f"| {kind} | {vb['queries']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="generated posts (default 10000)")
    parser.add_argument("--per-kind", type=int, default=300, help="queries per kind (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--corpus", type=Path, default=CORPUS, help="real posts (skipped if absent)"
    )
    parser.add_argument("--no-corpus", action="store_true", help="the generated archive only")
    parser.add_argument("--root", type=Path, help="keep the archive and indexes here (reused)")
    parser.add_argument("--json", type=Path, help="write the numbers here as JSON")
    parser.add_argument("--misses", type=int, default=0, help="print N vidbrowse misses per kind")
    parser.add_argument("--misses-kinds", nargs="*", default=list(KINDS))
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-relevance-") as temporary:
        root = args.root or Path(temporary)
        generated = root / f"generated-n{args.size}-s{args.seed}"
        if not (generated / "_posts").is_dir():
            generate_archive(generated, args.size, seed=args.seed)
        archives = {f"generated ({args.size})": generated}
        if args.no_corpus or not args.corpus.is_dir():
            print(f"real posts skipped ({args.corpus} absent or --no-corpus)", file=sys.stderr)
        else:
            archives["corpus"] = args.corpus
        reports = {
            name: run_archive(name, path, root / "cache", args) for name, path in archives.items()
        }
    for name, report in reports.items():
        print(table(name, report))
        print()
    if args.json:
        args.json.write_text(
            json.dumps({"args": _plain(vars(args)), "archives": reports}, indent=1)
        )
    return 0


def _plain(options: dict[str, object]) -> dict[str, object]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in options.items()}


if __name__ == "__main__":
    raise SystemExit(main())

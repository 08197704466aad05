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

A word is a run of letters (with their combining marks and joiners), 3+ of them, compared
lower-cased; it is *distinctive* when 2 ≤ df ≤ max(3, 0.5% of the posts), df counting the posts
holding it in any field: rare enough to point at few posts, yet not a string found in one post
only (a misspelling, an id). Prose is the post's text without URLs, #hashtags and @handles.

Both engines get the same words and the same posts (parsed by core/archive/parse.py): vidbrowse
through Library.search and Library.correction (what the table and the app show), FTS5 with bm25 over
`porter unicode61 remove_diacritics 2`, the words ANDed. A query succeeds at rank r when the r-th
result is the post or one sharing its vid_id or the field the words came from (a repost). Reported
per kind: success@1, success@10 and MRR@10, and the same queries compared one by one (wins and
losses of vidbrowse against FTS5, with a sign test's p: a few queries either way are noise).
Each kind takes up to --per-kind posts that can give its query (every one, on small archives).
"""

from __future__ import annotations

import argparse
import json
import math
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
from vidbrowse.core.query import search
from vidbrowse.generate import generate_archive

KINDS = ("title", "description", "typo", "channel")
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TOP = 10
MIN_LETTERS = 3
TYPO_LETTERS = 5

# A letter, then letters, combining marks and joiners (so Indic words stay whole: a joiner does
# not end a word, as in Unicode's word boundaries, UAX #29: `భారత్‌లో` is one word).
_WORD = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{MARKS}\u200c\u200d])*")
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


def ranks(engine: Callable[[Query], list[str]], queries: list[Query]) -> tuple[list[int], float]:
    """Each query's rank of its post in the engine's first TOP (0: not there), and the ms a
    query took."""
    found = []
    started = time.perf_counter()
    for query in queries:
        paths = engine(query)
        found.append(next((i for i, p in enumerate(paths, 1) if p in query.relevant), 0))
    return found, 1000 * (time.perf_counter() - started) / max(len(queries), 1)


def score(found: list[int], ms: float) -> dict[str, float]:
    n = max(len(found), 1)
    return {
        "queries": len(found),
        "success@1": sum(r == 1 for r in found) / n,
        "success@10": sum(r > 0 for r in found) / n,
        "mrr@10": sum(1 / r for r in found if r) / n,
        "ms_per_query": ms,
    }


def paired(ours: list[int], theirs: list[int]) -> dict[str, float]:
    """The same queries compared one by one: how many put the post first in one engine only
    (s@1 wins), how many rank it higher in one (MRR wins), and the two-sided sign test's p of
    each split (0.05 or less: unlikely to be chance; a difference of 3 queries never is)."""
    pairs = list(zip(ours, theirs, strict=True))
    first = (sum(a == 1 != b for a, b in pairs), sum(b == 1 != a for a, b in pairs))
    rr = [(1 / a if a else 0.0, 1 / b if b else 0.0) for a, b in pairs]
    higher = (sum(a > b for a, b in rr), sum(b > a for a, b in rr))
    return {
        "s1_wins": first[0],
        "s1_losses": first[1],
        "s1_p": sign_test(*first),
        "rr_wins": higher[0],
        "rr_losses": higher[1],
        "rr_p": sign_test(*higher),
    }


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test: the chance of a split at least this uneven between two equally
    good engines."""
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(wins, losses) + 1)) / 2**n
    return min(1.0, 2 * tail)


def losses(
    queries: list[Query],
    ours: list[int],
    theirs: list[int],
    top: Callable[[Query], list[str]],
    count: int,
) -> list[str]:
    """The first `count` queries FTS5 answers first and vidbrowse does not, for reading by hand."""
    out = []
    for query, a, b in zip(queries, ours, theirs, strict=True):
        if b == 1 and a != 1:
            wanted = sorted(query.relevant)[0]
            got = top(query)[:3]
            out.append(f"  {query.text!r} (vb rank {a or '-'}): wanted {wanted}, got {got}")
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
        (ours, ours_ms), (theirs, theirs_ms) = (
            ranks(run, queries[kind]) for run in engines.values()
        )
        report["kinds"][kind] = {  # type: ignore[index]
            "vidbrowse": score(ours, ours_ms),
            "fts5": score(theirs, theirs_ms),
            "paired": paired(ours, theirs),
        }
        if args.misses and kind in args.misses_kinds:
            print(f"{name} {kind}: FTS5 first, vidbrowse not", file=sys.stderr)
            found = losses(queries[kind], ours, theirs, engines["vidbrowse"], args.misses)
            print("\n".join(found), file=sys.stderr)
    report["seconds"] = {"prepare": prepared, "total": time.perf_counter() - started}
    library.close()
    return report


def table(name: str, report: dict[str, object]) -> str:
    lines = [
        f"### {name}: {report['posts']} posts (distinctive: df 2..{report['max_df']})",
        "",
        "| kind | queries | vb s@1 | FTS5 s@1 | vb s@10 | FTS5 s@10 | vb MRR | FTS5 MRR "
        "| s@1 wins vb:FTS5 (p) | MRR wins vb:FTS5 (p) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, engines in report["kinds"].items():  # type: ignore[attr-defined]
        vb, fts, pair = engines["vidbrowse"], engines["fts5"], engines["paired"]
        cells = [f"{vb[m]:.3f} | {fts[m]:.3f}" for m in ("success@1", "success@10", "mrr@10")]
        cells += [
            f"{pair['s1_wins']}:{pair['s1_losses']} ({pair['s1_p']:.2g})",
            f"{pair['rr_wins']}:{pair['rr_losses']} ({pair['rr_p']:.2g})",
        ]
        lines.append(f"| {kind} | {vb['queries']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="generated posts (default 10000)")
    parser.add_argument(
        "--per-kind", type=int, default=1000, help="queries per kind, at most (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--corpus", type=Path, default=CORPUS, help="real posts (skipped if absent)"
    )
    parser.add_argument("--no-corpus", action="store_true", help="the generated archive only")
    parser.add_argument("--root", type=Path, help="keep the archive and indexes here (reused)")
    parser.add_argument("--k1", type=float, help=f"BM25F's k1 (default {search.K1})")
    parser.add_argument(
        "--weights", type=_per_field, help="field weights: title,channel,tags,text (a grid point)"
    )
    parser.add_argument("--length-norm", type=_per_field, help="b per field, as --weights")
    parser.add_argument("--json", type=Path, help="write the numbers here as JSON")
    parser.add_argument(
        "--misses",
        type=int,
        default=0,
        help="print N queries per kind FTS5 ranks first and vidbrowse does not",
    )
    parser.add_argument("--misses-kinds", nargs="*", default=list(KINDS))
    args = parser.parse_args(argv)
    # A point of a ranking grid: the searches of this process rank with it.
    if args.k1 is not None:
        search.K1 = args.k1
    if args.weights:
        search.FIELD_WEIGHTS.update(args.weights)
    if args.length_norm:
        search.LENGTH_NORM.update(args.length_norm)

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
    ranking = {"k1": search.K1, "weights": search.FIELD_WEIGHTS, "length_norm": search.LENGTH_NORM}
    print(f"ranking: {ranking}\n")
    for name, report in reports.items():
        print(table(name, report))
        print()
    if args.json:
        args.json.write_text(
            json.dumps(
                {"args": _plain(vars(args)), "ranking": ranking, "archives": reports}, indent=1
            )
        )
    return 0


def _per_field(text: str) -> dict[str, float]:
    values = [float(v) for v in text.split(",")]
    if len(values) != len(search.FIELD_WEIGHTS):
        raise argparse.ArgumentTypeError("give 4 numbers: title,channel,tags,text")
    return dict(zip(search.FIELD_WEIGHTS, values, strict=True))


def _plain(options: dict[str, object]) -> dict[str, object]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in options.items()}


if __name__ == "__main__":
    raise SystemExit(main())

"""More like this, measured: speed and quality of `similar:` against Whoosh's `more_like`.

    python scripts/bench_similar.py [--posts 30000] [--samples 200] [--corpus DIR] [--show 3]

For a generated archive (vidbrowse.generate: its topic decides a post's category) and, when
present, ../shared/corpus (real posts), a seeded sample of posts is searched with
`similar:VID_ID` through Library.search (the app's search: facets counted) and with Whoosh's
`Searcher.more_like` (25 key terms of the post's title, tags and text, Bo1 model, searched in the
text field by Whoosh's scorer). Reported per engine: CPU time of one search (median, p95; CPU
time, as the machine is shared), and how often the first 10 results share the post's category
(the generator's topic), channel or a tag, against 10 posts drawn at random (the chance level).
`--show N` prints N posts with their first results, to check by eye.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vidbrowse import generate
from vidbrowse.core.display import printable
from vidbrowse.core.engine import index
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.facets import fold
from vidbrowse.core.query.language import format_value
from vidbrowse.core.query.search import Row

TOP = 10
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@dataclass
class Measured:
    """One engine on one archive: CPU seconds per search, and the first results of each."""

    seconds: list[float]
    found: list[list[Row]]


def archive_at(root: Path, posts: int) -> Path:
    archive = root / f"similar-n{posts}"
    if not (archive / "_posts").is_dir():
        generate.generate_archive(archive, posts, seed=0)
    return archive


def sample(library: Library, count: int, seed: int) -> tuple[list[Row], list[Row]]:
    """`count` posts with a vid_id no other post has, drawn at random; and every post."""
    every = library.search("", sort="uploaded", facet_limit=0)
    rows = every.rows(0, every.total)
    ids: dict[str, int] = {}
    for row in rows:
        ids[row.vid_id] = ids.get(row.vid_id, 0) + 1
    alone = [row for row in rows if row.vid_id and ids[row.vid_id] == 1]
    return random.Random(seed).sample(alone, min(count, len(alone))), rows


def run_vidbrowse(library: Library, posts: Sequence[Row]) -> Measured:
    library.search(f"similar:{format_value(posts[0].vid_id)}")  # caches warm as in the app
    measured = Measured([], [])
    for post in posts:
        started = time.process_time()
        results = library.search(f"similar:{format_value(post.vid_id)}", facet_limit=50)
        found = results.rows(0, TOP)
        measured.seconds.append(time.process_time() - started)
        measured.found.append(found)
    return measured


def run_whoosh(library: Library, posts: Sequence[Row], rows: Sequence[Row]) -> Measured:
    """Whoosh's more_like on the text field, given the post's words (the index stores none)."""
    _, searcher = index.open_searcher(library.home / "text")
    by_rowid = {row.rowid: row for row in rows}
    rowids = index.docnum_rowids(searcher)
    docnum_of = {int(rowid): docnum for docnum, rowid in enumerate(rowids.tolist())}
    measured = Measured([], [])
    for post in posts:
        full = library.post(post.path)
        text = " ".join([post.title, *post.tags, full.text if full else ""])
        started = time.process_time()
        hits = searcher.more_like(docnum_of[post.rowid], "text", text, top=TOP + 1, numterms=25)
        docnums = [hit.docnum for hit in hits]
        measured.seconds.append(time.process_time() - started)
        found = [by_rowid[int(rowids[d])] for d in docnums if int(rowids[d]) in by_rowid]
        measured.found.append([row for row in found if row.vid_id != post.vid_id][:TOP])
    return measured


def shares(post: Row, found: Sequence[Row]) -> dict[str, float]:
    """The share of `found` with the post's category, channel, a tag of it, any of the three."""
    tags = {fold(tag) for tag in post.tags}
    checks: dict[str, Callable[[Row], bool]] = {
        "category": lambda row: bool(set(row.categories) & set(post.categories)),
        "channel": lambda row: bool(post.channel) and fold(row.channel) == fold(post.channel),
        "tag": lambda row: bool(tags & {fold(tag) for tag in row.tags}),
    }
    out = {
        name: sum(map(check, found)) / len(found) if found else 0.0
        for name, check in checks.items()
    }
    out["any"] = (
        sum(any(check(row) for check in checks.values()) for row in found) / len(found)
        if found
        else 0.0
    )
    return out


def quality(posts: Sequence[Row], found: Sequence[Sequence[Row]]) -> dict[str, float]:
    per_post = [shares(post, rows) for post, rows in zip(posts, found, strict=True)]
    return {key: statistics.mean(s[key] for s in per_post) for key in per_post[0]}


def report(
    name: str, posts: Sequence[Row], rows: Sequence[Row], engines: dict[str, Measured]
) -> None:
    rnd = random.Random(1)
    chance = quality(posts, [rnd.sample(list(rows), TOP) for _ in posts])
    print(f"\n{name}: {len(rows):,} posts, {len(posts)} sampled, load {os.getloadavg()[0]:.1f}")
    print("| engine | searches | CPU ms median | p95 | top 10: same category | channel | a tag "
          "| any |")
    print("|---|---|---|---|---|---|---|---|")
    for engine, measured in engines.items():
        ms = np.array(measured.seconds) * 1000
        q = quality(posts[: len(measured.found)], measured.found)
        print(f"| {engine} | {len(ms)} | {np.median(ms):.1f} | {np.percentile(ms, 95):.1f} | "
              f"{q['category']:.2f} | {q['channel']:.2f} | {q['tag']:.2f} | {q['any']:.2f} |")
    print(f"| 10 random posts | | | | {chance['category']:.2f} | {chance['channel']:.2f} | "
          f"{chance['tag']:.2f} | {chance['any']:.2f} |")


def show(posts: Sequence[Row], measured: Measured, count: int) -> None:
    for post, found in list(zip(posts, measured.found, strict=True))[:count]:
        print(f"\n{post.vid_id}  {printable(post.title)}  [{printable(post.channel)}] "
              f"{list(post.tags[:5])}")
        for row in found[:5]:
            print(f"    {printable(row.title)[:70]}  [{printable(row.channel)}]")


def bench(name: str, archive: Path, root: Path, args: argparse.Namespace) -> None:
    library = Library.open(archive, cache_dir=root / "similar-index" / name)
    library.update()
    posts, rows = sample(library, args.samples, args.seed)
    engines = {"vidbrowse similar:": run_vidbrowse(library, posts)}
    if args.whoosh_samples:
        engines["Whoosh more_like"] = run_whoosh(library, posts[: args.whoosh_samples], rows)
    report(name, posts, rows, engines)
    show(posts, engines["vidbrowse similar:"], args.show)
    library.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=30_000, help="generated posts")
    parser.add_argument("--samples", type=int, default=200, help="posts searched per archive")
    parser.add_argument("--whoosh-samples", type=int, default=50,
                        help="of those, searched with Whoosh's more_like too (0: none)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--no-corpus", action="store_true")
    parser.add_argument("--root", type=Path, default=Path("/tmp/vidbrowse-bench"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=0, metavar="N",
                        help="print N posts and their first results")
    args = parser.parse_args(argv)
    bench(f"generated-{args.posts}", archive_at(args.root, args.posts), args.root, args)
    if not args.no_corpus and args.corpus.is_dir():
        bench("corpus", args.corpus, args.root, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

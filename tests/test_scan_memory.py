"""What a scan and an update keep per file is arrays, not Python objects per file: a scan's
sizes and mtimes are 8-byte numbers, a cold update builds no dict of every file (a million files:
~100 MB each), and the diff from the manifest equals the dict-based one."""

from __future__ import annotations

import os
import random
import tracemalloc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from vidbrowse import generate
from vidbrowse.core.archive import scan as archive_scan
from vidbrowse.core.archive.scan import Scan, diff, diff_manifest
from vidbrowse.core.library import writing
from vidbrowse.core.library.library import Library


def stat(size: int, mtime_ns: int) -> Any:
    return SimpleNamespace(st_size=size, st_mtime_ns=mtime_ns)


def fake_stats(count: int) -> list[Any]:
    return [stat(1000 + i, 1_700_000_000_000_000_000 + i) for i in range(count)]


def test_a_scan_keeps_8_bytes_per_number() -> None:
    paths = [f"_posts/{i:07}.md" for i in range(50_000)]
    stats = fake_stats(len(paths))
    tracemalloc.start()
    try:
        scan = Scan()
        for at in range(0, len(paths), 4096):
            scan.add(paths[at : at + 4096], stats[at : at + 4096])
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The paths are the caller's; a list of them is 8 bytes a file, the numbers 16 more (as
    # Python ints in lists: 72 more).
    assert held < 30 * len(paths), f"{held / len(paths):.0f} bytes a file"
    sizes, mtimes = scan.numbers(paths[::-7])
    assert sizes.tolist() == [st.st_size for st in stats[::-7]]
    assert mtimes.tolist() == [st.st_mtime_ns for st in stats[::-7]]


def test_numbers_past_the_year_2262_still_count() -> None:
    scan = Scan()
    scan.add(["a.md"], fake_stats(1))
    scan.add(["b.md"], [stat(5, 2**64)])
    assert scan.files == {"a.md": (1000, 1_700_000_000_000_000_000), "b.md": (5, 2**64)}
    assert scan.numbers(["b.md", "a.md"])[1].tolist() == [2**64, 1_700_000_000_000_000_000]
    again = Scan()
    again.__setstate__(scan.__getstate__())
    assert again.fingerprint() == scan.fingerprint() and again.files == scan.files


@pytest.mark.parametrize("seed", range(20))
def test_diff_from_the_manifest_equals_the_diff_of_files(seed: int) -> None:
    rng = random.Random(seed)
    everything = [f"_posts/{i}-é.md" for i in range(40)]
    manifest = {p: (rng.randrange(3), rng.choice([5, 6])) for p in rng.sample(everything, 20)}
    if seed % 5 == 0:
        manifest = {}
    scan = Scan()
    paths = rng.sample(everything, rng.randrange(30))
    stats = [stat(rng.randrange(3), rng.choice([5, 6])) for _ in paths]
    scan.add(paths, stats)
    assert diff_manifest(manifest, scan) == diff(manifest, scan.files)


def test_a_cold_build_makes_no_dict_of_every_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    generate.generate_archive(archive, writing.BULK_MIN + 100, seed=5)
    (archive / "_posts" / "broken.md").write_bytes(b"---\ntitle: [broken\n---\n")

    def refused(self: Scan, *args: object) -> None:
        pytest.fail("a dict of every file was built")

    monkeypatch.setattr(Scan, "files", property(refused))
    monkeypatch.setattr(Scan, "stats", refused)
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        summary = library.update()
        assert (summary.posts, summary.problems) == (writing.BULK_MIN + 100, 1)
        store = library._home.need_store()
        manifest = store.manifest()
    monkeypatch.undo()
    found = archive_scan.scan(archive)
    assert manifest == found.files  # each post's stat as scanned, the problem's too
    st = os.stat(archive / "_posts" / "broken.md")
    assert manifest["_posts/broken.md"] == (st.st_size, st.st_mtime_ns)

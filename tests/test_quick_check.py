"""The quick up-to-date check of `vidbrowse search` (core/archive/freshness.py): after a full scan,
the archive's folders alone say whether anything can have changed; an edit in place is seen
within FULL_SCAN_EVERY_S, anything touching a folder at once."""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.posts import post_text, write_posts
from vidbrowse import cli
from vidbrowse.core import locations
from vidbrowse.core.archive import freshness
from vidbrowse.core.archive import scan as archive_scan
from vidbrowse.core.engine import analysis, whoosh_formats
from vidbrowse.core.engine.whoosh_formats import probe


@pytest.fixture
def archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "archive"
    write_posts(root, range(6))
    write_posts(root, range(6, 8), folder="more/deeper")
    # The posts were just written: their folders would be too recent to trust (RACY_S).
    monkeypatch.setattr(freshness, "RACY_S", float("-inf"))
    return root


def search(archive: Path, query: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    code = cli.main(["search", str(archive), query, "--json", "--index-dir",
                     str(archive.parent / "cache")])  # fmt: skip
    assert code in (0, 1)
    return [json.loads(line)["vid_id"] for line in capsys.readouterr().out.splitlines()]


def no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("scanned the archive")

    monkeypatch.setattr(archive_scan, "scan", refuse)


def test_a_search_after_a_full_scan_stats_only_folders(
    archive: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert search(archive, "w1x", capsys) == ["v00001"]
    with monkeypatch.context() as patched:
        no_scan(patched)
        assert search(archive, "w7x", capsys) == ["v00007"]


@pytest.mark.parametrize(
    "change",
    ["add", "remove", "rename", "replace", "add deeper", "new folder", "folder replaced"],
)
def test_a_change_touching_a_folder_is_seen_at_once(
    archive: Path, capsys: pytest.CaptureFixture[str], change: str
) -> None:
    assert search(archive, "w1x", capsys) == ["v00001"]
    posts = archive / "_posts"
    if change == "add":
        (posts / "p00100.md").write_text(post_text(100, title="Find z1z"))
    elif change == "remove":
        (posts / "p00001.md").unlink()
    elif change == "rename":
        (posts / "p00001.md").rename(posts / "p00001-z1z.md")
    elif change == "replace":  # how editors save: a new file renamed over the old one
        (posts / "new.tmp").write_text(post_text(1, title="Find z1z"))
        (posts / "new.tmp").replace(posts / "p00001.md")
    elif change == "add deeper":
        (archive / "more/deeper/p00100.md").write_text(post_text(100, title="Find z1z"))
    elif change == "new folder":
        write_posts(archive, range(100, 101), folder="other")
        (archive / "other/p00100.md").write_text(post_text(100, title="Find z1z"))
    else:  # the same name, another folder
        (archive / "more/deeper").rename(archive / "more/old")
        write_posts(archive, range(100, 101), folder="more/deeper")
        (archive / "more/deeper/p00100.md").write_text(post_text(100, title="Find z1z"))
    found = search(archive, "z1z OR w1x", capsys)
    expected = {"add": ["v00001", "v00100"], "remove": [], "rename": ["v00001"],
                "replace": ["v00001"]}.get(change, ["v00001", "v00100"])  # fmt: skip
    assert sorted(found) == expected
    if change == "rename":
        assert search(archive, "z1z", capsys) == []  # the name is no word of the post
        assert len(search(archive, "", capsys)) == 8


def test_an_edit_in_place_is_seen_within_the_bound(
    archive: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert search(archive, "w2x", capsys) == ["v00002"]
    path = archive / "_posts/p00002.md"
    with path.open("r+") as f:  # written over, in place: its folder does not change
        f.write(post_text(2, title="Find z2z"))
    assert search(archive, "z2z", capsys) == []  # the folders vouch for the archive: a bound
    monkeypatch.setattr(freshness, "FULL_SCAN_EVERY_S", 0.0)  # ... then a full scan again
    assert search(archive, "z2z", capsys) == ["v00002"]


def test_folders_changed_near_the_scan_are_not_trusted(archive: Path) -> None:
    found = archive_scan.scan(archive.resolve())
    check = archive.parent / "check"
    freshness.save(check, found, found.fingerprint())
    assert freshness.recent_fingerprint(check) == found.fingerprint()
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(freshness, "RACY_S", 2.0)  # the default: these folders are seconds old
        assert freshness.recent_fingerprint(check) is None
    old = found.started_ns + int(freshness.FULL_SCAN_EVERY_S * 1e9) + 1
    assert freshness.recent_fingerprint(check, now_ns=old) is None
    check.write_bytes(b"not a pickle")
    assert freshness.recent_fingerprint(check) is None


def test_the_check_is_kept_in_the_home_never_in_the_archive(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in archive.rglob("*"))
    search(archive, "w1x", capsys)
    home = locations.archive_home(archive, archive.parent / "cache")
    assert (home / freshness.CHECK_FILE).is_file()
    assert sorted(p.name for p in archive.rglob("*")) == before


def test_the_probes_verdict_is_kept_per_cache(
    archive: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whoosh_formats.Ways, "read", None)
    search(archive, "w1x", capsys)
    noted = list((archive.parent / "cache" / locations.INDEXES).glob("probe-read-*"))
    assert [p.read_text() for p in noted] == ["agrees\n"]
    probed: list[int] = []
    monkeypatch.setattr(probe, "reading", lambda: probed.append(1))
    monkeypatch.setattr(whoosh_formats.Ways, "read", None)
    search(archive, "w1x", capsys)
    assert whoosh_formats.Ways.read is True and probed == []  # read back, not probed
    monkeypatch.setattr(probe, "_key", lambda: "another-whoosh3")
    monkeypatch.setattr(whoosh_formats.Ways, "read", None)
    search(archive, "w1x", capsys)
    assert probed == [1]  # another whoosh3: probed again


@pytest.mark.parametrize("seed", range(5))
def test_plain_ascii_words_are_cut_as_the_full_pattern_cuts_them(seed: int) -> None:
    rng = random.Random(seed)
    letters = string.ascii_letters + string.digits + "._,-'é"
    chunks = ["music", "Music2024", "x", "9", "U.S.A", "3.5", "a_b", "ÀB"]
    chunks += ["".join(rng.choices(letters, k=rng.randrange(1, 12))) for _ in range(300)]
    for chunk in chunks:
        for stem in (True, False):
            assert analysis._split(chunk, stem) == analysis._split_by_pattern(chunk, stem), chunk


def test_a_query_of_plain_words_compiles_no_token_pattern() -> None:
    code = ("from vidbrowse.core.engine import analysis as a\n"
            "print(a.words_of('Music videos 2024'), a._tokens.cache_info().currsize)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["['music',", "'video',", "'2024']", "0"]

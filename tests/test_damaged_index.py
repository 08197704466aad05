"""A damaged or foreign index: vidbrowse notices, rebuilds, says so in one line on stderr, and then
answers exactly as a fresh index would. Driven through the real CLI, plus the Library for damage
that appears while it is open (another process or the user clearing the cache).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.cli import cli_env, run_cli
from helpers.posts import post_files, write_posts
from vidbrowse.core.library.home import LOCK_FILE, TEXT_DIR
from vidbrowse.core.library.library import Library
from vidbrowse.core.library.store import FILENAME as STORE_FILE

POSTS = 60


def segments(home: Path) -> list[Path]:
    found = sorted((home / TEXT_DIR).glob("*.seg"))
    assert found, "no segment file to damage"
    return found


def truncate_segment(home: Path) -> None:
    segment = segments(home)[0]
    os.truncate(segment, segment.stat().st_size // 3)


def delete_segment(home: Path) -> None:
    segments(home)[0].unlink()


def delete_toc(home: Path) -> None:
    for toc in (home / TEXT_DIR).glob("_MAIN_*.toc"):
        toc.unlink()


def garbage_toc(home: Path) -> None:
    for toc in (home / TEXT_DIR).glob("_MAIN_*.toc"):
        toc.write_bytes(os.urandom(64))


def delete_text_folder(home: Path) -> None:
    shutil.rmtree(home / TEXT_DIR)


def truncate_store(home: Path) -> None:
    os.truncate(home / STORE_FILE, 100)


def garbage_store(home: Path) -> None:
    (home / STORE_FILE).write_bytes(b"not a database " * 500)


def delete_store(home: Path) -> None:
    for name in (STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm"):
        (home / name).unlink(missing_ok=True)


def other_schema_version(home: Path) -> None:
    with sqlite3.connect(home / STORE_FILE) as db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'index_version'")


def other_store_version(home: Path) -> None:
    with sqlite3.connect(home / STORE_FILE) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'store_version'")


def store_of_another_archive(home: Path) -> None:
    with sqlite3.connect(home / STORE_FILE) as db:
        db.execute("UPDATE meta SET value = '/elsewhere' WHERE key = 'archive'")


REBUILDS: dict[str, Callable[[Path], None]] = {
    "truncated segment": truncate_segment,
    "deleted segment": delete_segment,
    "missing TOC": delete_toc,
    "garbage TOC": garbage_toc,
    "deleted text folder": delete_text_folder,
    "truncated store": truncate_store,
    "garbage store": garbage_store,
    "other schema version": other_schema_version,
    "other store version": other_store_version,
    "store of another archive": store_of_another_archive,
}


def garbage_files(home: Path) -> None:
    (home / TEXT_DIR / "junk.seg.tmp").write_bytes(os.urandom(300))
    (home / TEXT_DIR / "README").write_text("hello")
    (home / "stray").mkdir()
    (home / "stray" / "x.bin").write_bytes(b"\x00" * 10)
    (home / "notes.txt").write_text("left by someone")


def stale_whoosh_lock(home: Path) -> None:
    (home / TEXT_DIR / "MAIN_WRITELOCK").write_text("")


def stale_update_lock(home: Path) -> None:
    """A lock file left by a killed indexer: a process took the lock and died by SIGKILL."""
    code = (
        "import fcntl, os, signal, sys\n"
        f"fd = os.open({str(home / LOCK_FILE)!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=False, timeout=30)
    assert (home / LOCK_FILE).exists()
    # Nobody holds it now: a non-blocking lock succeeds.
    fd = os.open(home / LOCK_FILE, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(fd)


def interrupted_store(home: Path) -> None:
    """A store whose index holds documents the store never recorded (crash between commits)."""
    with sqlite3.connect(home / STORE_FILE) as db:
        db.execute("DELETE FROM posts WHERE rowid IN (SELECT rowid FROM posts LIMIT 5)")


HARMLESS: dict[str, Callable[[Path], None]] = {
    "garbage files": garbage_files,
    "stale whoosh lock": stale_whoosh_lock,
    "stale update lock": stale_update_lock,
    "store missing rows": interrupted_store,
}


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    archive = tmp_path / "archive"
    write_posts(archive, range(POSTS))
    (archive / "_posts" / "broken.md").write_text("---\ntitle: [x\n---\n")
    with Library.open(archive, cache_dir=tmp_path / "cache") as library:
        library.update()
        home = library.home
    return archive, cli_env(tmp_path / "cache"), home


def assert_answers_correctly(archive: Path, env: dict[str, str]) -> None:
    """As a fresh index would: every post once, words found, the bad file a problem."""
    with Library.open(archive, cache_dir=Path(env["VIDBROWSE_CACHE_DIR"])) as library:
        assert not library.needs_update()
        results = library.search("")
        listed = [row.path for row in results.rows(0, results.total)]
        assert sorted(listed) == sorted(post_files(archive) - {"_posts/broken.md"})
        word = library.search("w17x")
        assert [row.path for row in word.rows(0, word.total)] == ["_posts/p00017.md"]
        assert [p.path for p in library.problems()] == ["_posts/broken.md"]


@pytest.mark.parametrize("damage", REBUILDS.values(), ids=REBUILDS.keys())
def test_damage_is_noticed_rebuilt_and_said_in_one_line(
    built: tuple[Path, dict[str, str], Path], damage: Callable[[Path], None]
) -> None:
    archive, env, home = built
    damage(home)
    done = run_cli("search", str(archive), "w17x", env=env)
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.decode().splitlines() if "rebuilt" in line]
    assert len(said) == 1 and said[0].startswith("vidbrowse: index rebuilt: "), done.stderr
    assert b"Traceback" not in done.stderr
    assert b"w17x" in done.stdout
    assert_answers_correctly(archive, env)  # and, once rebuilt, needs nothing more


@pytest.mark.parametrize("damage", HARMLESS.values(), ids=HARMLESS.keys())
def test_harmless_leftovers_need_no_rebuild(
    built: tuple[Path, dict[str, str], Path], damage: Callable[[Path], None]
) -> None:
    archive, env, home = built
    damage(home)
    done = run_cli("index", str(archive), env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert b"rebuilt" not in done.stderr and b"Traceback" not in done.stderr
    assert_answers_correctly(archive, env)


@pytest.mark.parametrize(
    "damage", [delete_text_folder, delete_store, delete_toc], ids=["text", "store", "TOC"]
)
def test_damage_after_open_is_repaired_by_the_next_update(
    built: tuple[Path, dict[str, str], Path], damage: Callable[[Path], None]
) -> None:
    """The app keeps its Library open for hours; files deleted under it (another process's
    rebuild, a cache cleaner) must not stop searches, and its next update repairs the home."""
    archive, env, home = built
    cache = Path(env["VIDBROWSE_CACHE_DIR"])
    with Library.open(archive, cache_dir=cache) as library:
        damage(home)
        assert library.search("w17x").total == 1  # still served from what is open
        assert library.post("_posts/p00017.md") is not None
        assert library.needs_update()
        summary = library.update()
        assert summary.posts == POSTS and summary.problems == 1
        assert summary.rebuilt_reason is None or "\n" not in summary.rebuilt_reason
        assert library.search("w17x").total == 1
        assert library.search("").total == POSTS
    assert_answers_correctly(archive, env)


def test_whole_home_removed_while_open(built: tuple[Path, dict[str, str], Path]) -> None:
    archive, env, home = built
    with Library.open(archive, cache_dir=Path(env["VIDBROWSE_CACHE_DIR"])) as library:
        shutil.rmtree(home)
        assert library.search("w17x").total == 1
        assert library.update().posts == POSTS
        assert library.search("w17x").total == 1
    assert_answers_correctly(archive, env)


def test_a_segment_truncated_in_place_while_open(built: tuple[Path, dict[str, str], Path]) -> None:
    archive, env, home = built
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from vidbrowse.core.library.library import Library\n"
        f"cache = Path({env['VIDBROWSE_CACHE_DIR']!r})\n"
        f"library = Library.open(Path({str(archive)!r}), cache_dir=cache)\n"
        f"for segment in Path({str(home / TEXT_DIR)!r}).glob('*.seg'):\n"
        "    os.truncate(segment, 100)\n"
        "try:\n"
        "    library.search('w17x')\n"
        "except Exception as exc:\n"
        "    print('error', type(exc).__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"died with {done.returncode}: {done.stderr[-300:]!r}"

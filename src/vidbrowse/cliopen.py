"""Opening a command's archive: found (the argument, $VIDBROWSE_ARCHIVE, the config), its index
brought up to date with progress on a terminal; trouble becomes a CliError with its exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from vidbrowse.cliparse import ID_COMMANDS, place_positionals
from vidbrowse.core.display import PHASES, plural

if TYPE_CHECKING:
    from vidbrowse.core.archive.scan import Scan
    from vidbrowse.core.library.library import Library, Progress, UpdateSummary

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE, EXIT_TROUBLE = 0, 1, 2, 3


class CliError(Exception):
    """A message for the user and the exit code that goes with it."""

    def __init__(self, message: str, code: int = EXIT_TROUBLE) -> None:
        super().__init__(message)
        self.code = code


def progress_printer() -> Callable[[Progress], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(progress: Progress) -> None:
        total = f" / {progress.total:,}" if progress.total else ""
        phase = PHASES.get(progress.phase, progress.phase)
        sys.stderr.write(f"\r\x1b[K{phase} {progress.done:,}{total}")
        sys.stderr.flush()

    return show


def update_index(
    library: Library, *, rebuild: bool = False, quiet: bool = False, scan: Scan | None = None
) -> UpdateSummary:
    """Bring the index up to date with progress on a terminal; say so when it was rebuilt.
    `scan`: the archive's, when the caller has just made one."""
    from vidbrowse.core.library.library import LibraryError

    progress = None if quiet else progress_printer()
    try:
        summary = library.update(rebuild=rebuild, progress=progress, scan=scan)
    except LibraryError as error:
        raise CliError(str(error)) from error
    finally:
        if progress:
            sys.stderr.write("\r\x1b[K")
    if summary.rebuilt_reason:
        print(f"vidbrowse: index rebuilt: {summary.rebuilt_reason}", file=sys.stderr)
    return summary


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's OpenBLAS starts a thread per core as it loads (~30 ms of CPU, on the core the
    archive check runs on); vidbrowse does no linear algebra with it, so one thread is enough.
    It must be set whenever numpy is first imported: around every command (cli.main) and
    around the engine's imports for the app. A value the user set is kept; ours is taken back
    so the programs the app starts don't inherit it (OpenBLAS reads it once, at that import)."""
    ours = "OPENBLAS_NUM_THREADS" not in os.environ
    if ours:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        if ours:
            os.environ.pop("OPENBLAS_NUM_THREADS", None)


def open_library(archive: Path, index_dir: Path | None, *, update: bool = True) -> Library:
    from vidbrowse.core import locations
    from vidbrowse.core.archive import freshness
    from vidbrowse.core.archive.scan import BackgroundFingerprint

    root = archive.expanduser().resolve()
    check = locations.archive_home(root, index_dir) / freshness.CHECK_FILE
    # The archive's folders as the last full scan left them: no scan (freshness.py).
    recent = freshness.recent_fingerprint(check) if update else None
    # Else a full scan, started before the engine's imports, which it overlaps.
    pending = BackgroundFingerprint(root, check) if update and recent is None else None
    with one_blas_thread():
        from vidbrowse.core.library.library import Library, LibraryError

    scan = None
    try:
        library = Library.open(archive, cache_dir=index_dir)
        needed = update and library.needs_update(recent or (pending.result() if pending else None))
        if needed and pending:
            scan = pending.scan()  # the child's: the update need not walk the archive again
    except LibraryError as error:
        raise CliError(str(error)) from error
    finally:
        if pending:
            pending.close()  # the child is waited for whatever happened (a no-op if it was)
    if needed and library.read_only:
        _behind(f"cannot write the index folder {library.home} ({library.read_only})")
    elif needed:
        try:
            update_index(library, scan=scan)
        except CliError as error:
            if library.is_empty():
                raise
            _behind(str(error))  # a full disk: what was indexed still answers
    return library


def _behind(why: str) -> None:
    print(f"vidbrowse: {why}: searching the index as it is, it may be behind the archive",
          file=sys.stderr)


def no_posts(archive: Path, problems: int) -> CliError:
    if problems:
        return CliError(f"no readable posts in {archive}: {plural(problems, 'file')} could not be "
                        "read (see 'vidbrowse problems')")  # fmt: skip
    return CliError(f"no posts found in {archive} (looked for .md, .markdown, .html and .txt "
                    "files with front matter)")  # fmt: skip


def with_posts(library: Library, archive: Path, *, problems_will_do: bool = False) -> Library:
    """`library`, when it holds posts: a folder without any is archive trouble (exit 3) for
    every command (`problems` is content with unreadable files: it reports them)."""
    stats = library.stats()
    if stats.posts == 0 and not (problems_will_do and stats.problems):
        raise no_posts(archive, stats.problems)
    return library


def configured_archive() -> Path | None:
    """$VIDBROWSE_ARCHIVE, else the config file's archive (None when neither names one)."""
    from vidbrowse.core.review.config import load_config

    if os.environ.get("VIDBROWSE_ARCHIVE"):
        return Path(os.environ["VIDBROWSE_ARCHIVE"])
    config = load_config()
    for error in config.errors:
        print(f"vidbrowse: config: {error}", file=sys.stderr)
    return config.archive


def resolve_archive(given: Path | None) -> Path:
    """The app's archive: the argument, else the configured one, else the current folder when
    it holds posts (a folder that does not is not indexed: it is said so, with how to name one)."""
    found = given if given is not None else configured_archive()
    if found is not None:
        return found
    from vidbrowse.core.archive.scan import holds_posts

    here = Path.cwd()
    if not holds_posts(here):
        raise CliError(f"no posts in this folder ({here}): give one, as in `vidbrowse ARCHIVE`, "
                       "or set $VIDBROWSE_ARCHIVE or `archive` in the config file")
    return here


def command_archive(args: argparse.Namespace) -> None:
    """Settle a command's archive (`args.archive` becomes a Path): the one given, else the
    configured one. No fallback to the current folder: a search typed in the wrong folder
    must not start indexing it."""
    taken = place_positionals(args)
    if args.command in ("locate", "demo", "completion"):
        return
    if args.archive is not None:
        args.archive = Path(args.archive)
        return
    from vidbrowse.core.review.config import config_path

    args.archive = configured_archive()
    if args.archive is None:
        what = "video id" if args.command in ID_COMMANDS else "query"
        why = f" ({taken!r} is not a folder: it was taken as the {what})" if taken else ""
        raise CliError(f"no archive given{why}: name one, or set $VIDBROWSE_ARCHIVE or "
                       f"'archive' in {config_path()}", EXIT_USAGE)  # fmt: skip

"""The command line: `vidbrowse [ARCHIVE]` opens the app; subcommands answer scripts.

A thin layer: arguments → core calls → text or JSON lines. Heavy modules (Whoosh, Textual) are
imported only by the commands that need them, so `--help` and errors stay instant.

Exit codes: 0 success, 1 nothing found, 2 bad usage or bad query, 3 archive or index trouble.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from vidbrowse.cliopen import (
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    command_archive,
    configured_archive,
    no_posts,
    one_blas_thread,
    open_library,
    progress_printer,
    resolve_archive,
    update_index,
    with_posts,
)
from vidbrowse.cliparse import (
    LOCATE_WORDS,
    SUBCOMMANDS,
    arrange,
    build_app_parser,
    build_parser,
)
from vidbrowse.core.display import plural

if TYPE_CHECKING:
    from vidbrowse.core.archive.post import Post
    from vidbrowse.core.library.library import Library, UpdateSummary
    from vidbrowse.core.query.language import ParsedQuery
    from vidbrowse.core.query.search import Results
    from vidbrowse.core.review.marks import Marks

# Commands that, run as the program, end without the interpreter's teardown (see _quick_exit).
QUICK_EXIT = ("search", "show", "similar", "facets", "stats", "problems")


def cmd_index(args: argparse.Namespace) -> int:
    library = open_library(args.archive, args.index_dir, update=False)
    summary = update_index(library, rebuild=args.rebuild, quiet=args.quiet)
    if not args.quiet and (summary.posts or summary.problems):
        print(index_summary(summary))
    if summary.posts == 0:
        raise no_posts(args.archive, summary.problems)
    if args.optimize:
        _optimize(library, quiet=args.quiet)
    return EXIT_OK


def _optimize(library: Library, *, quiet: bool) -> None:
    from vidbrowse.core.library.library import LibraryError

    progress = None if quiet else progress_printer()
    try:
        merged = library.optimize(progress)
    except LibraryError as error:
        raise CliError(str(error)) from error
    finally:
        if progress:
            sys.stderr.write("\r\x1b[K")
    if quiet:
        return
    if merged.segments <= 1 and not merged.deleted:
        print("index: one segment already, nothing to merge")
    else:
        dropped = f", {plural(merged.deleted, 'old version')} dropped" if merged.deleted else ""
        print(f"index: {merged.segments} segments merged into one{dropped}; "
              f"{merged.seconds:.2f} s")


def index_summary(summary: UpdateSummary) -> str:
    """Posts and unreadable files, then what changed among the files (a file that cannot be
    read is added too, but it is no post)."""
    posts = f"{summary.posts} post{'' if summary.posts == 1 else 's'}"  # no commas: scripts
    return (f"{posts} indexed, {summary.problems} unreadable; files: {summary.added} added, "
            f"{summary.changed} changed, {summary.removed} removed; {summary.seconds:.2f} s")


def _parsed(text: str) -> ParsedQuery:
    """The query, analysed once for the whole command."""
    from vidbrowse.core.query.language import ParsedQuery, QueryError

    try:
        return ParsedQuery.parse(text)
    except QueryError as error:
        raise CliError(f"bad query: {error}", EXIT_USAGE) from error


def open_marks(library: Library, *, needed: bool) -> Marks | None:
    """The archive's marks, read only (None when it has none yet). A damaged marks file stops
    the command only when the query tests marks; otherwise it is a warning."""
    from vidbrowse.core.review.state import Review, ReviewError

    try:
        review = Review.open_existing(library.archive)
    except ReviewError as error:
        if needed:
            raise CliError(str(error)) from error
        print(f"vidbrowse: {error}", file=sys.stderr)
        return None
    return None if review is None else review.marks


# An output file's suffix → the format written there when no --format is given.
OUTPUT_FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json",
                  ".md": "md", ".markdown": "md"}  # fmt: skip


def _format_of(path: Path | None) -> str:
    return "table" if path is None else OUTPUT_FORMATS.get(path.suffix.lower(), "table")


def cmd_search(args: argparse.Namespace) -> int:
    from vidbrowse.core.display import printable

    if args.limit is not None and args.limit < 0:
        raise CliError("--limit must be 0 (all) or more", EXIT_USAGE)
    if args.format is None:  # `-o results.csv` means CSV, not a table in a .csv file
        args.format = _format_of(args.output)
    limit = args.limit if args.limit is not None else (20 if args.format == "table" else 0)
    library = with_posts(open_library(args.archive, args.index_dir), args.archive)
    query = _parsed(args.query)
    marks = open_marks(library, needed=query.uses_marks)
    options = {"sort": args.sort, "reverse": args.reverse, "facet_limit": 0, "marks": marks}
    results = library.search(query, **options)
    corrected = library.correction(query, results.total) if not args.exact else None
    if corrected is not None and (args.correct or args.format == "table"):
        from vidbrowse.core.query import spelling

        back = "" if args.correct else " (--exact searches what you typed)"
        print(f"vidbrowse: {spelling.note(args.query, results.total, corrected)}{back}",
              file=sys.stderr)
        results = library.search(corrected, **options)
    elif corrected is not None:
        print(f"vidbrowse: did you mean `{printable(corrected)}`? (--correct searches it)",
              file=sys.stderr)
    return _write_results(library, results, args.format, limit, args.output, marks)


def _write_results(
    library: Library,
    results: Results,
    form: str,
    limit: int,
    path: Path | None,
    marks: Marks | None,
) -> int:
    """The first `limit` results (0: all) as a table or a machine format, to `path` or
    standard output, then (for the table or a file) how many on stderr; the exit code."""
    from vidbrowse import output

    shown = results.total if limit == 0 else min(limit, results.total)
    with _destination(path) as out:
        if form == "table":
            width = shutil.get_terminal_size().columns if out.isatty() else None
            if shown:
                from vidbrowse.core.reports.health import never_known

                blank = never_known(results.columns)
                output.results_table(results.rows(0, shown), width, out, blank)
        else:
            from vidbrowse.core.reports.export import export

            export(library, results, form, out, marks=marks, limit=shown)
    if form == "table" or path is not None:
        count = plural(results.total, "result")
        part = f"{shown:,} of " if shown < results.total else ""
        print(f"{part}{count}, sorted by {results.sort}"
              f"{' (reversed)' if results.reverse else ''}"
              f"{f', written to {path}' if path else ''}", file=sys.stderr)
    return EXIT_OK if results.total else EXIT_NOT_FOUND


@contextmanager
def _destination(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or `path` written atomically."""
    if path is None:
        yield sys.stdout
        return
    from vidbrowse.core.reports.export import atomic_text

    try:
        with atomic_text(path) as out:
            yield out
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror or error}") from error


def cmd_show(args: argparse.Namespace) -> int:
    from vidbrowse import output
    from vidbrowse.core.reports.export import json_line, post_record
    from vidbrowse.core.review.marks import DEFAULT

    if not args.vid_id:
        raise CliError("show needs a video id (or a post's path)", EXIT_USAGE)
    library = with_posts(open_library(args.archive, args.index_dir), args.archive)
    posts = _posts_named(library, args.vid_id)
    marks = open_marks(library, needed=False)
    for number, post in enumerate(posts):
        mark = marks.get(post) if marks is not None else DEFAULT
        if args.json:
            print(json_line(post_record(post, full=True, mark=mark)))
        else:
            if number:
                print("\n" + "─" * 40 + "\n")
            output.post_text(post, mark, sys.stdout)
    return EXIT_OK


def _posts_named(library: Library, given: str) -> list[Post]:
    """The posts with the video id `given`, else the post at that path (as shown, or the file's
    real name: its bytes, as the shell passed them); a CliError (exit 1) when none."""
    from vidbrowse.core.archive.names import path_text

    real = path_text(os.fsencode(given))
    shown = given if given.isprintable() else real
    posts = library.find(shown)
    if not posts:
        post = library.post(shown) or library.post(real)
        posts = [post] if post else []
    if not posts:
        raise CliError(f"no post with id or path {given!r}", EXIT_NOT_FOUND)
    return posts


def cmd_similar(args: argparse.Namespace) -> int:
    from vidbrowse.core.query.language import format_value

    if not args.vid_id:
        raise CliError("similar needs a video id (or a post's path)", EXIT_USAGE)
    if args.limit < 0:
        raise CliError("--limit must be 0 (all) or more", EXIT_USAGE)
    library = with_posts(open_library(args.archive, args.index_dir), args.archive)
    post = _posts_named(library, args.vid_id)[0]
    query = _parsed(f"similar:{format_value(post.vid_id or post.path)}")
    marks = open_marks(library, needed=False)
    results = library.search(query, facet_limit=0, marks=marks)
    return _write_results(library, results, args.format, args.limit, None, marks)


def cmd_facets(args: argparse.Namespace) -> int:
    from vidbrowse import output
    from vidbrowse.core.reports.export import json_line

    if args.limit < 0:
        raise CliError("--limit must be 0 (all) or more", EXIT_USAGE)
    library = with_posts(open_library(args.archive, args.index_dir), args.archive)
    results = library.search(_parsed(args.query), facet_limit=args.limit or None)
    counts = results.facets.get(args.field, [])
    for value, count in counts:
        if args.json:
            print(json_line({"field": args.field, "value": value, "count": count}))
        else:
            print(f"{count:>8,}  {output.printable(value)}")
    if not counts:  # else an empty output and exit code 1 leave the user guessing why
        found = plural(results.total, "result")
        print(f"no {args.field} in the {found}" if results.total else found, file=sys.stderr)
    return EXIT_OK if counts else EXIT_NOT_FOUND


def cmd_stats(args: argparse.Namespace) -> int:
    from vidbrowse import output
    from vidbrowse.core.reports.export import json_line
    from vidbrowse.core.reports.stats import result_stats

    library = with_posts(open_library(args.archive, args.index_dir), args.archive)
    query = _parsed(args.query)
    marks = open_marks(library, needed=query.uses_marks)
    results = library.search(query, facet_limit=0, marks=marks)
    numbers = result_stats(results)
    if args.json:
        print(json_line(output.stats_record(numbers)))
    else:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 80
        output.stats_text(numbers, width, sys.stdout)
    return EXIT_OK if results.total else EXIT_NOT_FOUND


def cmd_problems(args: argparse.Namespace) -> int:
    from vidbrowse import output
    from vidbrowse.core.reports.export import json_line
    from vidbrowse.core.reports.health import check

    if args.examples < 0:
        raise CliError("--examples must be 0 (all) or more", EXIT_USAGE)
    library = open_library(args.archive, args.index_dir)
    with_posts(library, args.archive, problems_will_do=True)
    problems = library.problems()
    groups = check(library)
    for problem in problems:
        if args.json:
            print(json_line({"kind": "unreadable"} | output.problem_record(problem)))
        else:
            print(f"{output.printable(problem.path)}: {output.printable(problem.reason)}")
    if args.json:
        for group in groups:
            print(json_line(output.group_record(group)))
    else:
        output.health_text(groups, args.examples or None, sys.stdout, after=bool(problems))
        print(f"{len(problems)} unreadable, {output.health_summary(groups)}", file=sys.stderr)
    return EXIT_OK


def cmd_locate(args: argparse.Namespace) -> int:
    from vidbrowse.core.locations import all_locations
    from vidbrowse.core.review.config import config_path

    if args.what in LOCATE_WORDS:
        print(all_locations()[args.what] if args.what != "config" else config_path())
        return EXIT_OK
    archive = Path(args.what) if args.what is not None else configured_archive()
    if archive is not None and not archive.expanduser().is_dir():
        raise CliError(f"archive not found: {archive} is not a folder")
    found = all_locations(archive, args.index_dir) | {"config file": config_path()}
    for name, path in found.items():
        print(f"{name + ':':<13}{path}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from vidbrowse.demo import demo_archive

    if args.count < 1:
        raise CliError("--count must be at least 1", EXIT_USAGE)
    return run_app(demo_archive(args.count, args.index_dir), args.index_dir, "")


def cmd_completion(args: argparse.Namespace) -> int:
    from vidbrowse.completion import script

    sys.stdout.write(script(args.shell, build_parser()))
    return EXIT_OK


def run_app(archive: Path, index_dir: Path | None, query: str) -> int:
    library = open_library(archive, index_dir, update=False)
    from vidbrowse.tui.app import run_app as run_tui

    return run_tui(library, query=query)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "index": cmd_index, "search": cmd_search, "show": cmd_show, "similar": cmd_similar,
    "facets": cmd_facets,
    "stats": cmd_stats, "problems": cmd_problems, "locate": cmd_locate, "demo": cmd_demo,
    "completion": cmd_completion,
}


def _quick_exit(code: int) -> NoReturn:
    """End the process at once, its output flushed: the interpreter's teardown (freeing the
    opened index, closing its files) took 35 ms at 30k posts, 40-80 ms at 100k. Nothing is
    lost: everything vidbrowse writes is committed before a command returns, and the index
    survives a process that stops at any point (see core/library)."""
    for stream in (sys.stdout, sys.stderr):
        # BrokenPipeError: the reader left; ValueError: main closed the stream.
        with suppress(BrokenPipeError, ValueError):
            stream.flush()
    os._exit(code)


def _no_command_typo(argv: Sequence[str]) -> None:
    """`vidbrowse serch x` would open the app on a folder 'serch': say what was meant."""
    if argv and not argv[0].startswith("-") and not os.path.exists(argv[0]):
        import difflib

        if close := difflib.get_close_matches(argv[0], SUBCOMMANDS, n=1):
            raise CliError(f"no command or folder '{argv[0]}': did you mean `vidbrowse "
                           f"{close[0]}`?", EXIT_USAGE)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: the program's own arguments, and then a read-only
    command ends the process itself rather than returning)."""
    as_program = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        wants_help = any(arg in ("-h", "--help", "--version") for arg in argv)
        if argv and (argv[0] in SUBCOMMANDS or wants_help):
            # Help lists every command; a command alone needs only its own parser.
            parser = build_parser(None if wants_help else argv[0])
            if argv[0] in SUBCOMMANDS:
                argv = [argv[0], *arrange(parser.commands[argv[0]], argv[1:])]
            args = parser.parse_args(argv)
            command_archive(args)
            # A command may load numpy before it opens the library (spelling, export, …).
            with one_blas_thread():
                code = COMMANDS[args.command](args)
            # A thread still running (none should be) would be cut short: then the usual exit.
            if as_program and args.command in QUICK_EXIT and threading.active_count() == 1:
                _quick_exit(code)
            return code
        _no_command_typo(argv)
        app = build_app_parser()
        args = app.parse_args(arrange(app, argv))
        return run_app(resolve_archive(args.archive), args.index_dir, args.query)
    except CliError as error:
        print(f"vidbrowse: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `vidbrowse search … | head`: the reader left, that is fine
        sys.stderr.close()
        return EXIT_OK

"""The command line's grammar: the parsers, and two rules argparse alone gets wrong.

- An argument that starts with '-' but is not one of the command's options is a positional: a
  YouTube id (`-AbCdEfGhIj`, about one in 64) or a negated query (`-tag:x`) needs no `--`.
- The archive may be left out: a lone positional is the archive when it names an existing
  folder, else the query (or the video id); the archive then comes from `$VIDBROWSE_ARCHIVE`,
  else `archive` in the config file.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from vidbrowse.core.options import FACET_FIELDS, FORMATS, SORT_KEYS

SUBCOMMANDS = ("index", "search", "show", "similar", "facets", "stats", "problems", "locate",
               "demo", "completion")  # fmt: skip
SHELLS = ("bash", "zsh", "fish")
# `vidbrowse locate WHAT`: these words name a folder or file rather than an archive.
LOCATE_WORDS = ("config", "data", "cache")
# Commands whose second positional is a query (the first being the archive).
QUERY_COMMANDS = ("search", "facets", "stats")
# Commands whose second positional is a video id (or a post's path).
ID_COMMANDS = ("show", "similar")
ARCHIVE_HELP = ("folder holding the posts (default: $VIDBROWSE_ARCHIVE, else 'archive' in the "
                "config file)")  # fmt: skip


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that knows its own options (and whether each takes a value), so that
    `arrange` can tell them from positionals that start with '-'."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.takes_value: dict[str, bool] = {}
        self.choices: dict[str, list[str]] = {}  # option or positional name → its choices
        self.commands: dict[str, Parser] = {}
        self.summary = ""  # a subcommand's one-line help
        self.takes_dashed_ids = False  # an unknown --word is a positional (see `option`)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """One line, as every other error (argparse prints the whole usage above it)."""
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")  # bad usage

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        for option in action.option_strings:
            self.takes_value[option] = action.nargs != 0
        for name in action.option_strings or [action.dest]:
            if action.choices:
                self.choices[name] = [str(choice) for choice in action.choices]
        return action

    def option(self, arg: str) -> tuple[str, bool] | None:
        """(the option `arg` names, whether it takes a value), or None for a positional. A
        single-dash argument is an option only when it is one exactly (`-o`, not `-obama`); a
        `--name` is one (argparse then accepts an abbreviation or reports a typo), except in a
        parser that `takes_dashed_ids` (`show --AbCdEfGhI`: YouTube ids may start with `--`)."""
        if arg.startswith("--") and arg != "--":
            name = arg.split("=", 1)[0]
            known = [o for o in self.takes_value if o.startswith(name) and o.startswith("--")]
            exact = name if name in self.takes_value else (known[0] if len(known) == 1 else "")
            if not exact and self.takes_dashed_ids:
                return None
            return name, bool(exact) and self.takes_value[exact] and "=" not in arg
        if arg in self.takes_value:
            return arg, self.takes_value[arg]
        return None


def arrange(parser: Parser, args: Sequence[str]) -> list[str]:
    """`args` as options first, then `--`, then the positionals: argparse never mistakes a
    positional starting with '-' for an option. A user's own `--` still ends the options."""
    options: list[str] = []
    positionals: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            positionals.extend(rest)
            break
        found = parser.option(arg)
        if found is None:
            positionals.append(arg)
            continue
        value = next(rest, None) if found[1] else None
        options.append(arg if value is None else f"{arg}={value}")
    return [*options, "--", *positionals] if positionals else options


def _index_dir(parser: Parser, *, shown: bool = True) -> None:
    parser.add_argument("--index-dir", type=Path, metavar="DIR",
                        help="where indexes are kept (default: the user cache folder, or "
                             "$VIDBROWSE_CACHE_DIR)" if shown else argparse.SUPPRESS)  # fmt: skip


def _command(commands: Any, name: str, usage: str, **kwargs: Any) -> Parser:
    parser: Parser = commands.add_parser(name, usage=f"vidbrowse {name} {usage}", **kwargs)
    parser.summary = kwargs["help"]
    return parser


def build_parser(only: str | None = None) -> Parser:
    """The command line's parser; `only`: with just that subcommand (what running one needs:
    building all ten took ~2 ms of each command's start)."""
    parser = Parser(
        prog="vidbrowse",
        usage="vidbrowse [ARCHIVE] [-q QUERY] [--index-dir DIR]\n       vidbrowse COMMAND ...",
        description="Search, filter and review an offline archive of video posts. "
                    "Without a subcommand, opens the app on ARCHIVE (else $VIDBROWSE_ARCHIVE, "
                    "else the config file's 'archive', else the current folder if it holds posts).",
        epilog="Run 'vidbrowse COMMAND --help' for a command's options. A command's ARCHIVE "
               "may be left out when $VIDBROWSE_ARCHIVE or the config names one. Exit codes: "
               "0 ok, 1 nothing found, 2 bad usage or query, 3 archive or index trouble.",
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("-q", "--query", metavar="QUERY", help="open the app with this query")
    _index_dir(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", prog="vidbrowse")
    for name, command in _SUBPARSERS.items():
        if only in (None, name):
            parser.commands[name] = command(commands)
    return parser


def _index_parser(commands: Any) -> Parser:
    index = _command(
        commands, "index", "[ARCHIVE] [--rebuild] [--optimize] [--quiet]",
        help="build or update the index of an archive",
        description="Build the index, or bring it up to date (only added, changed and removed "
                    "posts are touched).")  # fmt: skip
    _archive(index)
    index.add_argument("--rebuild", action="store_true", help="start again from nothing")
    index.add_argument("--quiet", action="store_true", help="no progress and no summary")
    index.add_argument("--optimize", action="store_true",
                       help="then merge the index into one segment (searches open fewer files; "
                            "takes about a minute per 30,000 posts)")  # fmt: skip
    return index


def _search_parser(commands: Any) -> Parser:
    search = _command(
        commands, "search", "[ARCHIVE] [QUERY] [options]", help="search an archive",
        description="Search with the query language (see README). A lone argument is the "
                    "archive when it is a folder, else the query; an argument starting with "
                    "'-' that is no option is the query (-tag:live).")  # fmt: skip
    _archive_and_query(search, "the query (default: every post)")
    search.add_argument("--sort", choices=SORT_KEYS,
                        help="order (default: relevance with words, else uploaded)")
    search.add_argument("--reverse", action="store_true", help="reverse the order")
    search.add_argument("--limit", type=int, metavar="N",
                        help="at most N results (0: all; default 20 for the table, all for "
                             "the other formats)")  # fmt: skip
    search.add_argument("--format", choices=("table", *FORMATS),
                        help="table (default), csv, json (JSON lines), md (Markdown links) "
                             "or urls (one per line); with -o, the file's suffix chooses "
                             "(.csv, .json, .jsonl, .md)")  # fmt: skip
    search.add_argument("--json", dest="format", action="store_const", const="json",
                        help="the same as --format json")
    search.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE instead of standard output")
    spelled = search.add_mutually_exclusive_group()
    spelled.add_argument("--correct", action="store_true",
                         help="search the corrected spelling when the query finds nothing "
                              "(the table's default; other formats only suggest it)")
    spelled.add_argument("--exact", action="store_true",
                         help="search exactly what was typed, even in the table")
    return search


def _show_parser(commands: Any) -> Parser:
    show = _command(
        commands, "show", "[ARCHIVE] VID_ID [--json]", help="everything about one post",
        description="Show one post by its video id (or its path), with your marks.")
    _archive(show)
    show.add_argument("vid_id", nargs="?", help="the video id, or the post's path in the archive")
    show.takes_dashed_ids = True
    show.add_argument("--json", action="store_true",
                      help="JSON, with 'text', 'links' and the marks")
    return show


def _similar_parser(commands: Any) -> Parser:
    similar = _command(
        commands, "similar", "[ARCHIVE] VID_ID [--limit N] [--json]",
        help="the posts most like one post",
        description="List the posts most like one post (by video id, or its path): sharing its "
                    "significant words (the title's weigh most), tags and channel, best first, "
                    "the post itself left out. The same as searching similar:VID_ID.")
    _archive(similar)
    similar.add_argument("vid_id", nargs="?",
                         help="the video id, or the post's path in the archive")
    similar.takes_dashed_ids = True
    similar.add_argument("--limit", type=int, default=20, metavar="N",
                         help="at most N posts (0: all; default 20)")
    similar.add_argument("--json", dest="format", action="store_const", const="json",
                         default="table", help="one JSON object per line, as search --json")
    return similar


def _facets_parser(commands: Any) -> Parser:
    facets = _command(
        commands, "facets", "[ARCHIVE] [QUERY] [--field FIELD] [--limit N] [--json]",
        help="count tags, channels or categories",
        description="Count the values of a field over a query's results.")
    _archive_and_query(facets, "the query (default: every post)")
    facets.add_argument("--field", choices=FACET_FIELDS, default="tag",
                        help="whose values to count (default: tag)")  # fmt: skip
    facets.add_argument("--limit", type=int, default=30, metavar="N",
                        help="the N most frequent (0: all; default 30)")
    facets.add_argument("--json", action="store_true", help="one JSON object per line")
    return facets


def _stats_parser(commands: Any) -> Parser:
    stats = _command(
        commands, "stats", "[ARCHIVE] [QUERY] [--json]",
        help="timeline, durations and totals of a query",
        description="Count a query's results by upload year (by month when they span two "
                    "years or less) and by duration, with totals.")  # fmt: skip
    _archive_and_query(stats, "the query (default: every post)")
    stats.add_argument("--json", action="store_true", help="one JSON object")
    return stats


def _problems_parser(commands: Any) -> Parser:
    problems = _command(
        commands, "problems", "[ARCHIVE] [--json] [--examples N]",
        help="unreadable posts, shared ids, missing fields and odd values",
        description="First the files that could not be read (path: reason), then posts "
                    "sharing a vid_id, missing fields and odd values, grouped and counted.")
    _archive(problems)
    problems.add_argument("--json", action="store_true",
                          help="one JSON object per line, each with a 'kind'")
    problems.add_argument("--examples", type=int, default=5, metavar="N",
                          help="paths listed per group (0: all; default 5)")
    return problems


def _locate_parser(commands: Any) -> Parser:
    locate = _command(
        commands, "locate", "[config|data|cache|ARCHIVE]",
        help="where indexes, config and data live",
        description="Every folder vidbrowse uses; with ARCHIVE (or the one $VIDBROWSE_ARCHIVE "
                    "or the config names), also its index and its marks file. 'config', "
                    "'data' or 'cache' prints just that path (write ./config for an archive "
                    "folder named so).")  # fmt: skip
    locate.add_argument("what", nargs="?", metavar="config|data|cache|ARCHIVE",
                        help="what to locate")
    _index_dir(locate, shown=False)
    return locate


def _demo_parser(commands: Any) -> Parser:
    demo = _command(commands, "demo", "[--count N]",
                                  help="open the app on a generated demo archive")
    demo.add_argument("--count", type=int, default=2000, metavar="N",
                      help="posts in the demo archive (default 2000)")
    _index_dir(demo, shown=False)
    return demo


def _completion_parser(commands: Any) -> Parser:
    completion = _command(
        commands, "completion", "{bash,zsh,fish}",
        help="print a shell completion script",
        description="Print a completion script for commands, options, sort keys and query "
                    "fields. bash: eval \"$(vidbrowse completion bash)\" in ~/.bashrc; zsh: "
                    "the same with zsh in ~/.zshrc; fish: vidbrowse completion fish > "
                    "~/.config/fish/completions/vidbrowse.fish")  # fmt: skip
    completion.add_argument("shell", choices=SHELLS)
    return completion


_SUBPARSERS: dict[str, Callable[[Any], Parser]] = {
    "index": _index_parser,
    "search": _search_parser,
    "show": _show_parser,
    "similar": _similar_parser,
    "facets": _facets_parser,
    "stats": _stats_parser,
    "problems": _problems_parser,
    "locate": _locate_parser,
    "demo": _demo_parser,
    "completion": _completion_parser,
}


def _archive(parser: Parser) -> None:
    parser.add_argument("archive", nargs="?", help=ARCHIVE_HELP)
    _index_dir(parser)


def _archive_and_query(parser: Parser, query_help: str) -> None:
    _archive(parser)
    parser.add_argument("query", nargs="?", help=query_help)


def _version() -> str:
    from vidbrowse import __version__

    return f"vidbrowse {__version__}"


def build_app_parser() -> Parser:
    parser = Parser(prog="vidbrowse", add_help=False)
    parser.add_argument("archive", type=Path, nargs="?")
    parser.add_argument("-q", "--query", default="", help="start with this query")
    _index_dir(parser)
    return parser


def place_positionals(args: argparse.Namespace) -> str | None:
    """Settle a lone positional: for a query command it is the archive when it is an existing
    folder, else the query; for `show` and `similar` it is the video id. Returns the positional
    taken as the query or id (None when the archive was given or the command takes no query)."""
    second = "vid_id" if args.command in ID_COMMANDS else "query"
    if args.command not in (*QUERY_COMMANDS, *ID_COMMANDS):
        return None
    if getattr(args, second) is not None:
        return None
    lone, folder = args.archive, args.archive and Path(args.archive).expanduser().is_dir()
    if lone is None or (folder and args.command not in ID_COMMANDS):
        setattr(args, second, "")
        return None
    setattr(args, second, lone)
    args.archive = None
    return str(lone)

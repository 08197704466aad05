"""Shell completion scripts (`vidbrowse completion bash|zsh|fish`), written from the parser
itself, so a new command, option or sort key is completed without editing this file.

Completed: subcommands, each command's options, the values of options with choices (sort keys,
formats, facet fields, shells), query field names (`tag:`, `duration:`, `is:starred`…) where a
query goes, and folders where an archive goes.
"""

from __future__ import annotations

import shlex

from vidbrowse.cliparse import LOCATE_WORDS, QUERY_COMMANDS, Parser

# Options whose value is a path: the shell completes files (or folders) there.
PATH_OPTIONS = {"--index-dir": "dir", "-o": "file", "--output": "file"}


def query_words() -> list[str]:
    """What a query may start a term with: every field, and the mark tests written out."""
    from vidbrowse.core.query.nodes import (
        EXACT_FIELDS,
        HAS_VALUES,
        IS_VALUES,
        LINK_FIELDS,
        RANGE_FIELDS,
        SIMILAR_FIELD,
        TEXT_FIELDS,
    )

    names = (*TEXT_FIELDS, *EXACT_FIELDS, *LINK_FIELDS, *RANGE_FIELDS, "note", SIMILAR_FIELD)
    fields = [f"{name}:" for name in names]
    return [*fields, *(f"is:{v}" for v in IS_VALUES), *(f"has:{v}" for v in HAS_VALUES)]


def _words(items: list[str]) -> str:
    return shlex.quote(" ".join(items))


def _positional_words(name: str, command: Parser) -> list[str]:
    """Words offered where a command takes a positional (folders are offered too)."""
    words = [*command.choices.get("shell", [])]
    if name in QUERY_COMMANDS:
        words += query_words()
    if name == "locate":
        words += list(LOCATE_WORDS)
    return words


def _value_cases(parser: Parser) -> list[tuple[str, list[str]]]:
    """(option, its choices) over the program and every command, each option once."""
    cases: dict[str, list[str]] = {}
    for each in (parser, *parser.commands.values()):
        for option, choices in each.choices.items():
            if option.startswith("-"):
                cases.setdefault(option, choices)
    return list(cases.items())


def bash(parser: Parser) -> str:
    lines = [
        "# vidbrowse completion for bash: eval \"$(vidbrowse completion bash)\" in ~/.bashrc",
        "_vidbrowse() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        f"    local commands={_words(list(parser.commands))} command='' i",
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        case " $commands " in *" ${COMP_WORDS[i]} "*) command="${COMP_WORDS[i]}"; '
        "break;; esac",
        "    done",
        '    case "$prev" in',
    ]
    for option, choices in _value_cases(parser):
        lines.append(f"        {option}) COMPREPLY=($(compgen -W {_words(choices)} -- \"$cur\"))"
                     "; return;;")  # fmt: skip
    for option, kind in PATH_OPTIONS.items():
        flag = "-d" if kind == "dir" else "-f"
        lines.append(f'        {option}) COMPREPLY=($(compgen {flag} -- "$cur")); return;;')
    lines += ["    esac", '    local options words=""', '    case "$command" in']
    lines.append(f"        '') options={_words(list(parser.takes_value))}; words=\"$commands\";;")
    for name, command in parser.commands.items():
        lines.append(f"        {name}) options={_words(list(command.takes_value))}; "
                     f"words={_words(_positional_words(name, command))};;")  # fmt: skip
    lines += [
        "    esac",
        '    if [[ "$cur" == -* ]]; then',
        '        COMPREPLY=($(compgen -W "$options" -- "$cur"))',
        "    else",
        '        COMPREPLY=($(compgen -W "$words" -- "$cur"))',
        '        [[ "$command" == completion ]] || COMPREPLY+=($(compgen -d -- "$cur"))',
        "    fi",
        "}",
        "complete -F _vidbrowse vidbrowse",
        "",
    ]
    return "\n".join(lines)


def zsh(parser: Parser) -> str:
    """zsh runs the bash function through its bash-completion layer (part of every zsh)."""
    return (
        "# vidbrowse completion for zsh: eval \"$(vidbrowse completion zsh)\" in ~/.zshrc\n"
        "autoload -U +X compinit && compinit\n"
        "autoload -U +X bashcompinit && bashcompinit\n"
        + bash(parser).split("\n", 1)[1]
    )


def fish(parser: Parser) -> str:
    lines = [
        "# vidbrowse completion for fish: vidbrowse completion fish > "
        "~/.config/fish/completions/vidbrowse.fish",
        "complete -c vidbrowse -f",
    ]
    top = "-n __fish_use_subcommand"
    for name, command in parser.commands.items():
        lines.append(f"complete -c vidbrowse {top} -a {name} -d {shlex.quote(command.summary)}")
    lines += _fish_options(parser, top)
    lines.append(f"complete -c vidbrowse {top} -a '(__fish_complete_directories)'")
    for name, command in parser.commands.items():
        seen = f"-n '__fish_seen_subcommand_from {name}'"
        lines += _fish_options(command, seen)
        words = _positional_words(name, command)
        if words:
            lines.append(f"complete -c vidbrowse {seen} -a {_words(words)}")
        if name != "completion":
            lines.append(f"complete -c vidbrowse {seen} -a '(__fish_complete_directories)'")
    return "\n".join(lines) + "\n"


def _fish_options(parser: Parser, condition: str) -> list[str]:
    lines = []
    for option, takes_value in parser.takes_value.items():
        flag = f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}"
        extra = ""
        if option in parser.choices:
            extra = f" -x -a {_words(parser.choices[option])}"
        elif option in PATH_OPTIONS:
            extra = " -r -F"
        elif takes_value:
            extra = " -x"
        lines.append(f"complete -c vidbrowse {condition} {flag}{extra}")
    return lines


SCRIPTS = {"bash": bash, "zsh": zsh, "fish": fish}


def script(shell: str, parser: Parser) -> str:
    return SCRIPTS[shell](parser)

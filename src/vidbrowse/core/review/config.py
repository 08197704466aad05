"""The user's TOML config file. A broken file never stops vidbrowse: what is wrong is reported in
one line each (file, key, what is wrong) and the defaults are used for those keys.

    archive = "~/videos"          # opened when no archive is given
    theme = "nord"                # a Textual theme name (the app checks it exists)
    sort = "views"                # relevance, uploaded, posted, views, likes, duration, title
    reverse = false
    debounce_ms = 150             # wait after a keystroke before searching, 0–2000
    columns = ["title", "channel", "views"]   # the results' columns, in order (RESULT_COLUMNS)

    [keymap]                      # action id = "key" or "key1,key2" or ["key1", "key2"]
    quit = "ctrl+q"
    toggle_star = "asterisk"

Keys left out mean "not set": the app then uses what it remembered or its own defaults.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidbrowse.core.locations import config_dir
from vidbrowse.core.options import RESULT_COLUMNS, SORT_KEYS

DEBOUNCE_MAX_MS = 2000
# A Textual key: modifiers then a key name ("ctrl+shift+f1", "question_mark", "G"), or one
# printable character.
_KEY = re.compile(r"^(?:(?:ctrl|shift|alt|meta|super|hyper)\+)*(?:[A-Za-z0-9_]+|[^\s,+])$")
_KNOWN = ("archive", "theme", "sort", "reverse", "debounce_ms", "columns", "keymap")


def config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass(frozen=True, slots=True)
class Config:
    archive: Path | None = None  # the archive opened when none is given
    theme: str | None = None
    sort: str | None = None
    reverse: bool | None = None
    debounce_ms: int | None = None
    columns: tuple[str, ...] | None = None  # the results' columns in order, title included
    keymap: dict[str, str] = field(default_factory=dict)  # action id → "key1,key2"
    errors: tuple[str, ...] = field(default=())  # one line each, already saying where
    source: Path | None = None  # the file read, if one was

    def keymap_errors(self, actions: Iterable[str]) -> list[str]:
        """Lines for keymap entries naming no known action (the app knows its action ids; the
        core does not)."""
        known = set(actions)
        where = self.source or config_path()
        return [
            f"{where}: [keymap] {name!r} is not an action (actions: {', '.join(sorted(known))}); "
            "ignored"
            for name in self.keymap
            if name not in known
        ]


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_debounce(value: object) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value <= DEBOUNCE_MAX_MS
    )


# key, is the value acceptable, what to keep of it, what to say when not ({value!r}: the value)
_SCALARS: tuple[tuple[str, Callable[[Any], bool], Callable[[Any], Any], str], ...] = (
    ("archive", _is_text, lambda v: Path(v).expanduser(), "must be a string (a folder path)"),
    ("theme", _is_text, str.strip, "must be a theme name (a string)"),
    ("sort", lambda v: v in SORT_KEYS, str,
     "must be one of " + ", ".join(SORT_KEYS) + ", not {value!r}"),
    ("reverse", lambda v: isinstance(v, bool), bool, "must be true or false"),
    ("debounce_ms", _is_debounce, int,
     f"must be a whole number of milliseconds, 0 to {DEBOUNCE_MAX_MS}"),
)


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Config(errors=(f"{path}: {error}; using the defaults",), source=path)
    errors: list[str] = []

    def bad(key: str, problem: str) -> None:
        errors.append(f"{path}: {key!r} {problem}; ignored")

    for key in data:
        if key not in _KNOWN:
            errors.append(f"{path}: unknown key {key!r} (known: {', '.join(_KNOWN)}); ignored")
    values: dict[str, Any] = {}
    for key, valid, convert, problem in _SCALARS:
        value = data.get(key)
        if value is None:
            continue
        if valid(value):
            values[key] = convert(value)
        else:
            bad(key, problem.format(value=value))
    if "columns" in data:
        columns, wrong = check_columns(data["columns"])
        if wrong is not None:
            bad("columns", wrong)
        if columns is not None:
            values["columns"] = columns
    keymap = data.get("keymap")
    if keymap is not None:
        if isinstance(keymap, dict):
            values["keymap"] = _keymap(keymap, path, errors)
        else:
            bad("keymap", 'must be a table: [keymap] then lines like quit = "ctrl+q"')
    return Config(**values, errors=tuple(errors), source=path)


def check_columns(value: object) -> tuple[tuple[str, ...] | None, str | None]:
    """(the columns to show, what is wrong with `value`): names of RESULT_COLUMNS in order,
    the title first when left out; unknown names are named and left out. (None, why) when
    nothing usable is left."""
    known = ", ".join(RESULT_COLUMNS)
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        return None, f'must be a list of column names like ["title", "views"] ({known})'
    names = [name.strip().lower() for name in value]
    unknown = [name for name in names if name not in RESULT_COLUMNS]
    columns = tuple(dict.fromkeys(name for name in names if name in RESULT_COLUMNS))
    if "title" not in columns:
        columns = ("title", *columns)
    if not unknown:
        return columns, None
    return columns, f"has unknown columns {', '.join(map(repr, unknown))} (known: {known})"


def _keymap(table: dict[str, Any], path: Path, errors: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for action, value in table.items():
        keys: list[Any]
        if isinstance(value, str):
            keys = [k.strip() for k in value.split(",")]
        elif isinstance(value, list):
            keys = [k.strip() if isinstance(k, str) else k for k in value]
        else:
            keys = []
        wrong = [k for k in keys if not isinstance(k, str) or not _KEY.match(k)]
        if not keys or wrong:
            shown = f" ({', '.join(map(repr, wrong))} is not a key)" if wrong else ""
            errors.append(
                f'{path}: [keymap] {action!r} must be a key like "ctrl+q", "f2" or '
                f'"question_mark", or a list of them{shown}; ignored'
            )
            continue
        out[action] = ",".join(dict.fromkeys(keys))
    return out

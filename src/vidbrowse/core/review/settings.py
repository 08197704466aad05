"""Small UI choices remembered between runs (the theme, the results' columns), as JSON in the
user data folder.
(The sort is not one: a sort chosen in one archive once became the next session's order in
every archive, even for a word query the README says is sorted by relevance.)

A missing or broken file means the defaults; saving writes a temporary file and renames it over
the old one, so a crash never leaves half a file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from vidbrowse.core.locations import data_dir
from vidbrowse.core.review.config import check_columns

FILE_NAME = "settings.json"


@dataclass(frozen=True, slots=True)
class Settings:
    theme: str = "textual-dark"
    columns: tuple[str, ...] = ()  # chosen in the app (empty: not chosen, the default)


def settings_path() -> Path:
    return data_dir() / FILE_NAME


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return Settings()
    if not isinstance(data, dict):
        return Settings()
    defaults = Settings()
    values = {}
    # Each value is checked on its own: one bad entry does not cost the others.
    for item in fields(Settings):
        default = getattr(defaults, item.name)
        value = data.get(item.name, default)
        if isinstance(default, tuple):  # the columns: a JSON list of names, checked
            usable = isinstance(value, list) and value and check_columns(value)[0]
            value = usable or default
        values[item.name] = value if isinstance(value, type(default)) else default
    return Settings(**values)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically. Raises OSError when the folder cannot be written."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(settings), handle, indent=2)
            handle.write("\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

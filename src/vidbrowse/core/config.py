"""The user's TOML config file. A broken file never stops vidbrowse: its defaults are used and the
reason is reported in one line."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from vidbrowse.core.locations import config_dir


def config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass(frozen=True, slots=True)
class Config:
    archive: Path | None = None  # the archive opened when none is given
    errors: tuple[str, ...] = field(default=())  # one line each, already saying where


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Config(errors=(f"{path}: {error}; using the defaults",))
    errors: list[str] = []
    archive = data.get("archive")
    if archive is not None and not isinstance(archive, str):
        errors.append(f"{path}: 'archive' must be a string (a folder path); ignored")
        archive = None
    return Config(
        archive=Path(archive).expanduser() if archive else None,
        errors=tuple(errors),
    )

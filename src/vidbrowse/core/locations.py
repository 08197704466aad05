"""Where vidbrowse keeps things: XDG cache/config/data folders and each archive's home.

Each folder can be moved with an environment variable (VIDBROWSE_CACHE_DIR, VIDBROWSE_CONFIG_DIR,
VIDBROWSE_DATA_DIR); an explicit argument beats both.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs

APP_NAME = "vidbrowse"
CACHE_ENV = "VIDBROWSE_CACHE_DIR"
CONFIG_ENV = "VIDBROWSE_CONFIG_DIR"
DATA_ENV = "VIDBROWSE_DATA_DIR"
# Homes live in this sub-folder of the cache; wiping a home checks it is really inside one.
INDEXES = "indexes"


def _pick(explicit: Path | None, env: str, default: str) -> Path:
    if explicit is not None:
        return Path(explicit).expanduser()
    value = os.environ.get(env)
    return Path(value).expanduser() if value else Path(default)


def cache_dir(explicit: Path | None = None) -> Path:
    return _pick(explicit, CACHE_ENV, platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_dir(explicit: Path | None = None) -> Path:
    return _pick(explicit, CONFIG_ENV, platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir(explicit: Path | None = None) -> Path:
    return _pick(explicit, DATA_ENV, platformdirs.user_data_dir(APP_NAME, appauthor=False))


def archive_home(archive: Path, cache: Path | None = None) -> Path:
    """`<cache>/indexes/<folder name>-<hash>`: readable, and distinct for two archives that share a
    folder name. The hash is of the resolved absolute path, so `.` and `/abs/path` agree."""
    resolved = Path(archive).expanduser().resolve()
    digest = hashlib.sha256(os.fsencode(resolved)).hexdigest()[:12]
    # A name that is not valid UTF-8 would leak surrogates into every path built from the home.
    name = os.fsencode(resolved.name).decode("utf-8", "replace") or "root"
    return cache_dir(cache) / INDEXES / f"{name}-{digest}"


def all_locations(archive: Path | None = None, cache: Path | None = None) -> dict[str, Path]:
    """Every folder vidbrowse reads or writes, for `vidbrowse locate`."""
    found = {
        "cache": cache_dir(cache),
        "config": config_dir(),
        "data": data_dir(),
    }
    if archive is not None:
        found["archive"] = Path(archive).expanduser().resolve()
        found["home"] = archive_home(archive, cache)
    return found

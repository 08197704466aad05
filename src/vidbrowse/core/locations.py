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
ARCHIVES = "archives"


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


def archive_slug(archive: Path) -> str:
    """`<folder name>-<hash>`: readable, and distinct for two archives that share a folder name.
    The hash is of the resolved absolute path, so `.` and `/abs/path` agree."""
    resolved = Path(archive).expanduser().resolve()
    digest = hashlib.sha256(os.fsencode(resolved)).hexdigest()[:12]
    # A name that is not valid UTF-8 would leak surrogates into every path built from the slug.
    name = os.fsencode(resolved.name).decode("utf-8", "replace") or "root"
    return f"{name}-{digest}"


def archive_home(archive: Path, cache: Path | None = None) -> Path:
    """`<cache>/indexes/<slug>`: the archive's index and store."""
    return cache_dir(cache) / INDEXES / archive_slug(archive)


def review_path(archive: Path, data: Path | None = None) -> Path:
    """`<data>/archives/<slug>/review.sqlite3`: the archive's marks, notes and saved searches.
    In the data folder, not the cache: they are the user's work and survive a rebuilt index."""
    return data_dir(data) / ARCHIVES / archive_slug(archive) / "review.sqlite3"


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
        found["review"] = review_path(archive)
    return found

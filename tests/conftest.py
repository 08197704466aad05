"""Every test gets its own cache, data and config folders: none reads or writes the user's."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from vidbrowse.core.library.library import Library


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, folder in (
        ("VIDBROWSE_CACHE_DIR", "cache"),
        ("VIDBROWSE_DATA_DIR", "data"),
        ("VIDBROWSE_CONFIG_DIR", "config"),
    ):
        monkeypatch.setenv(variable, str(tmp_path / folder))
    monkeypatch.delenv("VIDBROWSE_ARCHIVE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def library(indexed: tuple[Path, Path]) -> Iterator[Library]:
    """The test module's `indexed` (archive, cache) opened for one test, closed after it."""
    archive, cache = indexed
    with Library.open(archive, cache_dir=cache) as opened:
        yield opened

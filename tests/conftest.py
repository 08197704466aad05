"""Every test gets its own cache, data and config folders: none reads or writes the user's."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from vidbrowse.core.engine import whoosh_formats
from vidbrowse.core.engine.postings import SearcherCache
from vidbrowse.core.library.library import Library
from vidbrowse.core.query import search


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


@pytest.fixture(params=["fast", "public"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The engine both ways (core/engine/whoosh_formats): reading and bulk writing whoosh3's
    files directly ("fast"), or through Whoosh's public API only ("public"). The fast way must
    not have handed anything to the public API: a broken fast reader fails here."""
    fast = request.param == "fast"
    monkeypatch.setattr(whoosh_formats.Ways, "read", fast)
    monkeypatch.setattr(whoosh_formats.Ways, "write", fast)
    monkeypatch.setattr(whoosh_formats.Ways, "fallbacks", 0)
    # Postings kept per searcher would carry one way's reads into the other's.
    monkeypatch.setattr(search, "_CACHE", SearcherCache())
    yield request.param
    assert whoosh_formats.Ways.fallbacks == 0 or not fast, "the fast way fell back"

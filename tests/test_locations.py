"""Where vidbrowse keeps its files: env overrides, explicit arguments, one home per archive."""

from pathlib import Path

import pytest

from vidbrowse.core import locations


def test_env_overrides_and_argument_beats_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VIDBROWSE_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("VIDBROWSE_CONFIG_DIR", str(tmp_path / "f"))
    monkeypatch.setenv("VIDBROWSE_DATA_DIR", str(tmp_path / "d"))
    assert locations.cache_dir() == tmp_path / "c"
    assert locations.config_dir() == tmp_path / "f"
    assert locations.data_dir() == tmp_path / "d"
    assert locations.cache_dir(tmp_path / "x") == tmp_path / "x"


def test_default_cache_is_per_user_when_env_unset(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("VIDBROWSE_CACHE_DIR", raising=False)
    assert "vidbrowse" in locations.cache_dir().parts


def test_archive_home_is_stable_and_distinct(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VIDBROWSE_CACHE_DIR", str(tmp_path / "cache"))
    one = tmp_path / "a" / "posts"
    two = tmp_path / "b" / "posts"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a")
    home = locations.archive_home(one)
    assert home == locations.archive_home(Path("posts"))  # relative path, same archive
    assert home.parent == tmp_path / "cache" / "indexes"
    assert home.name.startswith("posts-")
    assert home != locations.archive_home(two)


def test_all_locations_lists_the_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VIDBROWSE_CACHE_DIR", str(tmp_path / "cache"))
    found = locations.all_locations(tmp_path)
    assert found["archive"] == tmp_path.resolve()
    assert found["home"] == locations.archive_home(tmp_path)
    assert set(found) >= {"cache", "config", "data"}
    assert "home" not in locations.all_locations()

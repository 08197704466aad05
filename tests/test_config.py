from pathlib import Path

from vidbrowse.core.config import Config, load_config


def test_missing_config_gives_defaults(tmp_path):
    assert load_config(tmp_path / "nope.toml") == Config()


def test_archive_is_read_and_expanded(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('archive = "~/videos"\n', encoding="utf-8")
    assert load_config(path).archive == Path("~/videos").expanduser()


def test_broken_toml_is_reported_with_its_path_and_defaults_kept(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("archive = \n", encoding="utf-8")
    config = load_config(path)
    assert config.archive is None
    assert len(config.errors) == 1 and str(path) in config.errors[0]


def test_wrong_type_is_reported(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("archive = 3\n", encoding="utf-8")
    config = load_config(path)
    assert config.archive is None and "'archive' must be a string" in config.errors[0]

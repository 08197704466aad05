from pathlib import Path

import pytest

from vidbrowse.core.review.config import Config, load_config


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


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_key_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
theme = "nord"
sort = "views"
reverse = true
debounce_ms = 120

[keymap]
quit = "ctrl+q"
help = ["f1", "question_mark", "f1"]
cycle_sort = "s, ctrl+shift+s"
top = "G"
""",
    )
    config = load_config(path)
    assert config.errors == ()
    assert (config.theme, config.sort, config.reverse, config.debounce_ms) == (
        "nord", "views", True, 120,
    )  # fmt: skip
    assert config.keymap == {
        "quit": "ctrl+q", "help": "f1,question_mark", "cycle_sort": "s,ctrl+shift+s", "top": "G",
    }  # fmt: skip
    assert config.keymap_errors(["quit", "help", "top"]) == [
        f"{path}: [keymap] 'cycle_sort' is not an action (actions: help, quit, top); ignored"
    ]


def test_unset_keys_stay_none(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'archive = "/x"\n'))
    assert (config.theme, config.sort, config.reverse, config.debounce_ms) == (None,) * 4
    assert config.keymap == {}


@pytest.mark.parametrize(("text", "message"), [
    ('sort = "size"', "'sort' must be one of relevance, uploaded"),
    ('reverse = "yes"', "'reverse' must be true or false"),
    ("debounce_ms = -5", "'debounce_ms' must be a whole number of milliseconds, 0 to 2000"),
    ("debounce_ms = 1.5", "'debounce_ms' must be a whole number"),
    ("theme = 3", "'theme' must be a theme name"),
    ('colour = "red"', "unknown key 'colour' (known: archive, theme, sort"),
    ('keymap = "q"', "'keymap' must be a table"),
    ('[keymap]\nquit = "ctrl q"', "[keymap] 'quit' must be a key like \"ctrl+q\""),
    ("[keymap]\nquit = 3", "[keymap] 'quit' must be a key"),
    ('[keymap]\nquit = ""', "[keymap] 'quit' must be a key"),
    ('[keymap]\nquit = ["q", 3]', "(3 is not a key)"),
])  # fmt: skip
def test_each_bad_value_is_named_and_the_rest_kept(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, 'archive = "/kept"\n' + text + "\n")
    config = load_config(path)
    assert config.archive == Path("/kept")
    assert len(config.errors) == 1, config.errors
    assert config.errors[0].startswith(f"{path}: ") and message in config.errors[0]
    assert config.sort is None and config.reverse is None and config.keymap == {}

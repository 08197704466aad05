"""The vidbrowse TUI app: it holds what every screen shares (the library, the config and
remembered settings, the review file, the keymap) and starts on the main screen
(screens/main.py), over which the reader, the overview, the timeline and the dialogs are pushed.

The app binds the commands that act on any screen (moving, back, help, overview, refresh, quit;
`back` is Textual's own: close the screen on top); the main screen binds its own (commands.py
says which is which)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from textual.app import App
from textual.binding import BindingType
from textual.filter import LineFilter, Monochrome, NoColor
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, OptionList

from vidbrowse.core.library.library import Library
from vidbrowse.core.options import DEFAULT_COLUMNS, SORT_KEYS
from vidbrowse.core.review.config import Config, load_config
from vidbrowse.core.review.settings import Settings, load_settings, save_settings
from vidbrowse.tui.commands import APP, COMMANDS, VidbrowseCommands, bindings
from vidbrowse.tui.review_file import ReviewFile
from vidbrowse.tui.screens.columns import ColumnChoice
from vidbrowse.tui.screens.help import HelpScreen
from vidbrowse.tui.screens.main import MainScreen
from vidbrowse.tui.screens.overview import OverviewScreen
from vidbrowse.tui.widgets.results import ResultsList

# NO_COLOR's filter must follow the theme: Textual chooses it once, for the theme at start, and
# its greys of an ANSI theme's "default" colours are black on black.
NO_COLOR_FILTERS = (NoColor(), Monochrome())
DEBOUNCE = 0.15  # seconds of typing quiet before a search runs (config: debounce_ms)
COMMAND_IDS = frozenset(command.id for command in COMMANDS)


class VidbrowseApp(App[int]):
    CSS_PATH = "vidbrowse.tcss"
    TITLE = "vidbrowse"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(APP))
    COMMANDS = App.COMMANDS | {VidbrowseCommands}
    # The main screen is the base of the stack, installed by name so that the app waits for it
    # to be mounted before its own on_mount (a default screen would be mounted alongside).
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {"main": "main"}
    DEFAULT_MODE = "main"

    def __init__(
        self,
        library: Library,
        *,
        query: str = "",
        needs_update: bool = True,
        config: Config | None = None,
        overview_first: bool = False,
    ) -> None:
        """`overview_first`: start on the overview (run_app: when no query is given)."""
        super().__init__()
        self.library = library
        # What config.toml sets wins; the theme left out comes from the remembered settings.
        # The sort is never remembered: the config's, else the README's default (relevance
        # for words); `s` and `r` choose one for this session, shown in the status line.
        config = config if config is not None else load_config()
        self.settings: Settings = load_settings()
        self.config_problems = [*config.errors, *config.keymap_errors(COMMAND_IDS)]
        theme = config.theme or self.settings.theme
        if theme in self.available_themes:
            self.theme = theme
        else:
            self.config_problems.append(f"theme {theme!r} is not a Textual theme; ignored "
                                        f"(themes: {', '.join(self.available_themes)})")
        sort, reverse = config.sort, bool(config.reverse)
        self.keymap = {k: v for k, v in config.keymap.items() if k in COMMAND_IDS}
        self.set_keymap(self.keymap)
        self.review = ReviewFile(library.archive, warn=self._warn)
        self.main_screen = MainScreen(
            library,
            self.review,
            query=query,
            sort=sort if sort in SORT_KEYS else None,
            reverse=reverse,
            debounce=DEBOUNCE if config.debounce_ms is None else config.debounce_ms / 1000,
            needs_update=needs_update,
            overview_first=overview_first,
            key_display=self.key_display,
            columns=ColumnChoice(
                config.columns or self.settings.columns or DEFAULT_COLUMNS,
                save=lambda names: self.remember(columns=names),
                from_config=config.columns is not None,
            ),
        )
        self.install_screen(self.main_screen, "main")

    def on_mount(self) -> None:
        for problem in self.config_problems:
            self.notify(problem, title="config.toml", severity="warning", timeout=10)

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        if not self.no_color:
            return filters
        wanted = NO_COLOR_FILTERS[0] if self.native_ansi_color else NO_COLOR_FILTERS[1]
        return [wanted if isinstance(f, (NoColor, Monochrome)) else f for f in filters]

    def _warn(self, message: str) -> None:
        self.notify(message, severity="warning")

    # ------------------------------------------------------------------ settings and keys

    def watch_theme(self, theme: str) -> None:
        self.remember(theme=theme)

    def remember(self, **changes: object) -> None:
        """Save settings for the next session (the theme, the columns)."""
        settings = replace(self.settings, **changes)  # type: ignore[arg-type]
        if settings == self.settings:
            return
        self.settings = settings
        try:
            save_settings(self.settings)
        except OSError as error:
            self.notify(f"Could not save settings: {error}", severity="warning")

    def key_display(self) -> dict[str, str]:
        """Each command id → its keys as shown to the user (keymap overrides included)."""
        shown: dict[str, str] = {}
        for command in COMMANDS:
            keys = self.keymap.get(command.id, command.keys)
            shown[command.id] = " ".join(
                self.get_key_display(command.binding.with_key(key.strip()))
                for key in keys.split(",")
            )
        return shown

    # ------------------------------------------------------------------ commands on any screen

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "overview" and isinstance(self.screen, OverviewScreen):
            return False  # its own key would do nothing there
        return super().check_action(action, parameters)

    def _target(self) -> Widget | None:
        """The pane the movement keys act on: the focused one, or the list from the query bar."""
        focused = self.focused
        if (focused is None or isinstance(focused, Input)) and self.screen is self.main_screen:
            return self.main_screen.results_list
        return focused

    def _move(self, on_list: Callable[[ResultsList], None], facet_action: str, scroll: str) -> None:
        target = self._target()
        if isinstance(target, ResultsList):
            on_list(target)
        elif isinstance(target, OptionList):  # the facet lists, overview and timeline lists
            getattr(target, facet_action)()
        elif target is not None and target.allow_vertical_scroll:
            getattr(target, scroll)(animate=False)

    def action_cursor_down(self) -> None:
        self._move(lambda listing: listing.move(1), "action_cursor_down", "scroll_down")

    def action_cursor_up(self) -> None:
        self._move(lambda listing: listing.move(-1), "action_cursor_up", "scroll_up")

    def action_page_down(self) -> None:
        self._move(lambda listing: listing.page(1), "action_page_down", "scroll_page_down")

    def action_page_up(self) -> None:
        self._move(lambda listing: listing.page(-1), "action_page_up", "scroll_page_up")

    def action_top(self) -> None:
        self._move(ResultsList.home, "action_first", "scroll_home")

    def action_bottom(self) -> None:
        self._move(ResultsList.end, "action_last", "scroll_end")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_display()))

    def action_overview(self) -> None:
        self.main_screen.reviewing.overview()

    def action_refresh(self) -> None:
        self.main_screen.update_row.again()

    async def action_quit(self) -> None:
        self.exit(0)  # Textual's exits with no result: run_app returns this status


def make_app(
    library: Library, *, query: str = "", needs_update: bool = True, config: Config | None = None
) -> VidbrowseApp:
    """The app as `vidbrowse ARCHIVE [QUERY]` starts it (see run_app)."""
    return VidbrowseApp(
        library,
        query=query,
        needs_update=needs_update,
        config=config,
        overview_first=not query.strip(),  # no query: start on the overview
    )


def run_app(
    library: Library, *, query: str = "", needs_update: bool = True, config: Config | None = None
) -> int:
    """Run the TUI on an opened library until the user quits; returns the exit status.

    `needs_update`: bring the index up to date in a background thread while the screen is
    already usable (cheap when nothing changed). Pass False when the caller just updated.
    `config`: the loaded config.toml (theme, sort, reverse, debounce_ms, keymap); read here when
    not given."""
    app = make_app(library, query=query, needs_update=needs_update, config=config)
    status = app.run()
    return status if isinstance(status, int) else (app.return_code or 0)

"""Choosing and ordering the results' columns (VisiData's column moves, in a small dialog).

Every known column is a line, the shown ones first in their order: ☑ shown, ☐ hidden (glyphs,
readable without colour). Space shows or hides one, J/K (or Shift+↓/↑) move it, Enter applies;
the dialog dismisses with the chosen names in order, or None when cancelled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from vidbrowse.core.options import RESULT_COLUMNS
from vidbrowse.tui.screens.dialogs import DIALOG_CSS
from vidbrowse.tui.widgets.results import COLUMNS

SHOWN, HIDDEN = "☑", "☐"


@dataclass
class ColumnChoice:
    """The columns shown, and where a new choice is remembered (the app's settings)."""

    names: tuple[str, ...]
    save: Callable[[tuple[str, ...]], None]
    from_config: bool  # config.toml's `columns` set them: it wins at the next start

    def remember(self, names: tuple[str, ...]) -> str:
        """Keep `names`; what to tell the user."""
        self.names = names
        self.save(names)
        if self.from_config:
            return "Columns changed; config.toml's columns still apply at the next start."
        return "Columns: " + ", ".join(COLUMNS[name].header for name in names)


class ColumnsDialog(ModalScreen[tuple[str, ...] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "show_or_hide", "Show/hide", show=True),
        Binding("K,shift+up", "move(-1)", "Move up", show=True),
        Binding("J,shift+down", "move(1)", "Move down", show=True),
        Binding("escape", "cancel", "Cancel", show=True, priority=True),
        # The app's j/k are not offered over a modal screen: the list's own, as ↓/↑.
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ColumnsDialog") + "ColumnsDialog OptionList { height: auto; }"
    )

    def __init__(self, shown: tuple[str, ...]) -> None:
        super().__init__()
        self.order = [*shown, *(name for name in RESULT_COLUMNS if name not in shown)]
        self.shown = set(shown) | {"title"}

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Columns"
            yield OptionList(*self._lines(), id="columns")
            hint = "Space show/hide · J/K move · Enter apply · Esc cancel (the title stays)"
            yield Static(Text(hint), classes="dialog-hint")

    def _lines(self) -> list[Option]:
        return [
            Option(Text(f"{SHOWN if name in self.shown else HIDDEN} {COLUMNS[name].header}"))
            for name in self.order
        ]

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def _redraw(self, highlighted: int) -> None:
        options = self.query_one(OptionList)
        options.set_options(self._lines())
        options.highlighted = highlighted

    def action_cursor(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def action_show_or_hide(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or self.order[index] == "title":
            return
        self.shown ^= {self.order[index]}
        self._redraw(index)

    def action_move(self, step: int) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index + step < len(self.order):
            return
        order = self.order
        order[index], order[index + step] = order[index + step], order[index]
        self._redraw(index + step)

    @on(OptionList.OptionSelected)
    def _apply(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(tuple(name for name in self.order if name in self.shown))

    def action_cancel(self) -> None:
        self.dismiss(None)

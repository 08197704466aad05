"""The full-screen reader: one post over the whole screen. Esc (the app's `back`) returns to the
list. The post commands (star, note, copy its URL…) act on the main screen beneath, whose
highlighted post is the one read; the list's own (sort, filters…) are not offered here."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen

from vidbrowse.core.query.search import Row
from vidbrowse.tui.commands import COMMANDS, READER
from vidbrowse.tui.widgets.detail import DetailView, Rendered
from vidbrowse.tui.widgets.footer import Footer

# The main screen's commands, run on it: its `back` (focus the list) is the app's here (close).
BINDINGS: list[BindingType] = [
    command.binding if command.id == "back" else command.binding_to(f"main({command.id!r})")
    for command in COMMANDS
    if READER in command.where
]


class ReaderScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = BINDINGS

    def __init__(self, main: Screen[None], row: Row, rendered: Rendered) -> None:
        """`main`: the screen the post was chosen on, which runs the commands."""
        super().__init__()
        self.main = main
        self.row = row
        self.rendered = rendered

    def compose(self) -> ComposeResult:
        self.view = DetailView(id="reader")
        yield self.view
        yield Footer()

    def on_mount(self) -> None:
        self.view.show(self.rendered)
        self.view.focus()

    def action_back(self) -> None:
        self.dismiss()

    async def action_main(self, command_id: str) -> None:
        await self.main.run_action(command_id)

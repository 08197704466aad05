"""The one-line banner over corrected results: what was typed found (almost) nothing, so the
results shown are those of its corrected spelling; Enter (or a click) on the banner asks for
exactly what was typed instead."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from vidbrowse.core.query.spelling import note


class CorrectionBanner(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "exact", "Search what you typed", show=False)
    ]

    class Declined(Message):
        """The user wants exactly what was typed searched."""

    def on_mount(self) -> None:
        self.display = False

    def show(self, typed: str, found: int, corrected: str) -> None:
        # A Text, never markup: the query is shown as typed.
        line = note(typed, found, corrected)
        self.update(Text(f"{line}; Enter on the banner searches exactly what you typed"))
        self.display = True

    def hide(self) -> None:
        self.display = False

    def action_exact(self) -> None:
        self.post_message(self.Declined())

    def on_click(self) -> None:
        self.post_message(self.Declined())

"""The screens pushed over the main one: the full-screen reader and the help."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from vidbrowse.core.post import Post
from vidbrowse.core.search import Row
from vidbrowse.tui.commands import COMMANDS
from vidbrowse.tui.terms import TermMatcher
from vidbrowse.tui.widgets.detail import DetailView, render_post


class ReaderScreen(Screen[None]):
    """One post over the whole screen. Esc (the app's `back`) returns to the list."""

    def __init__(self, row: Row, post: Post | None, matcher: TermMatcher | None) -> None:
        super().__init__()
        self.row = row
        self.post = post
        self.matcher = matcher

    def compose(self) -> ComposeResult:
        yield DetailView(id="reader")
        yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(DetailView)
        view.show(render_post(self.row, self.post, self.matcher))
        view.focus()


def keys_table(key_display: dict[str, str]) -> Table:
    """Every command: its keys (as the app displays them) and its help text."""
    table = Table(box=None, show_header=True, header_style="bold", expand=True)
    table.add_column("Keys", no_wrap=True)
    table.add_column("Action", no_wrap=True)
    table.add_column("What it does", ratio=1)
    for command in COMMANDS:
        table.add_row(key_display[command.id], command.description, command.help)
    return table


QUERY_HELP = """\
Query language
  words           all of them, anywhere (stemmed: "playing" finds "played")
  "a phrase"      these words in this order
  run*  colr~     a prefix; a fuzzy word
  a OR b, NOT a, -a, ( … )
  title: channel: text:   words in one field only
  tag:music  category:sport  id:dQw4w9WgXcQ   exact values (quote values with spaces)
  views:>10K  likes:100..1K  duration:<5m  uploaded:2020  posted:2021-03..2021-06
Filters: ticking a tag, channel or category rewrites the query; the query is the whole truth."""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", show=True)
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, key_display: dict[str, str]) -> None:
        super().__init__()
        self.key_display = key_display

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "vidbrowse — keys"
            yield Static(keys_table(self.key_display))
            yield Static(Text("\n" + QUERY_HELP))

"""The screens pushed over the main one: the full-screen reader and the help."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static, TextArea

from vidbrowse.core.display import printable
from vidbrowse.core.query.search import Row
from vidbrowse.tui.commands import COMMANDS
from vidbrowse.tui.widgets.detail import DetailView
from vidbrowse.tui.widgets.footer import Footer


class ReaderScreen(Screen[None]):
    """One post over the whole screen. Esc (the app's `back`) returns to the list."""

    def __init__(self, row: Row, rendered: tuple[Text, Text]) -> None:
        super().__init__()
        self.row = row
        self.rendered = rendered

    def compose(self) -> ComposeResult:
        self.view = DetailView(id="reader")
        yield self.view
        yield Footer()

    def on_mount(self) -> None:
        self.view.show(self.rendered)
        self.view.focus()


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
Query language (the same as `vidbrowse search`)
  words            all of them, anywhere (stemmed: "running" finds "runs"; "cafe" finds "Café")
  "a phrase"       these words in this order
  surg*  surgry~   a prefix; a word within 1 edit (surgry~2: 2 edits)
  a OR b, a AND b, NOT a, -a, ( … )
  title:word  channel:"Some Channel"  text:word      words in one field only
  tag:music  category:Music  id:VQuegI_wGhk          exact values (quote values with spaces)
  duration:>10m  views:>1M  likes:1k..  uploaded:2014  posted:>=2021-06-01     ranges
  is:starred  is:unread  has:note  note:word         your marks and notes
Ticking a tag or category rewrites the query: the query is always the whole truth."""


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


class NoteScreen(ModalScreen[str | None]):
    """A post's note, several lines if need be: Ctrl+S saves (empty removes it), Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", show=True, priority=True),
        Binding("escape", "cancel", "Cancel", show=True, priority=True),
    ]

    DEFAULT_CSS = """
    NoteScreen { align: center middle; }
    NoteScreen > Vertical {
        width: 80%; max-width: 100; height: auto;
        border: round $primary; background: $surface; padding: 0 1;
    }
    NoteScreen TextArea { height: 8; }
    """

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self.title_text = title
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Note"
            yield Static(Text(printable(self.title_text).replace("\n", " "), style="bold"))
            yield TextArea(self.note, soft_wrap=True, show_line_numbers=False)
            yield Static(Text("Ctrl+S saves · Esc cancels · an empty note is removed", style="dim"))

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)

"""The help screen: every command with its keys (as configured), then the query language."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from vidbrowse.tui.commands import COMMANDS


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
  title:word  channel:word  text:word               words in one field only
  tag:music  category:Music  channel="CNN"           whole values (quote values with spaces)
  duration:>10m  views:>1M  likes:1k..  uploaded:2014  posted:>=2021-06-01     ranges
  link:patreon  site:spotify.com  has:link           a post's links (apart from its words)
  is:starred  is:unread  has:note  note:word         your marks and notes
  similar:VQuegI_wGhk                                the posts most like that one (M)
Ticking a tag, channel or category rewrites the query: the query is always the whole truth."""


# The app's movement commands, which a modal screen does not inherit: they scroll the text here.
MOVES = ("cursor_down", "cursor_up", "page_down", "page_up", "top", "bottom")


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", show=True),
        *(command.binding_to(f"app.{command.id}") for command in COMMANDS if command.id in MOVES),
    ]

    # Focused, the text is what the app's movement keys (j k g G PgUp PgDn) scroll.
    AUTO_FOCUS = "#help-text"

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
        with VerticalScroll(id="help-text") as scroll:
            scroll.border_title = "vidbrowse — keys"
            keys = self.key_display
            moves = "  ".join(keys[move] for move in ("cursor_down", "cursor_up", "top", "bottom"))
            scroll.border_subtitle = f"{moves}: scroll  ·  {keys['back']}: close"
            yield Static(keys_table(self.key_display))
            yield Static(Text("\n" + QUERY_HELP))

"""Small modal prompts: a post's note, a name (save or rename a search), a yes/no question, an
export format. Each dismisses with the answer (None or False when cancelled)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from vidbrowse.core.display import printable
from vidbrowse.tui.widgets.inputs import InOrderInput

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 70%; max-width: 80; height: auto; max-height: 80%;
    border: round $primary; background: $surface; padding: 0 1;
}}
{name} .dialog-hint {{ color: $text-muted; height: 1; }}
"""


class NamePrompt(ModalScreen[str | None]):
    """One line of text (a saved search's name). Enter accepts, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=True, priority=True)
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="NamePrompt")

    def __init__(self, title: str, explanation: str, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.explanation = explanation
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(Text(self.explanation, no_wrap=True, overflow="ellipsis"))
            yield InOrderInput(self.value, placeholder="a name", id="name-input")
            yield Static(Text("Enter accept · Esc cancel"), classes="dialog-hint")

    @on(Input.Submitted)
    def _accept(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: y or Enter say yes; n or Esc say no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", show=True, priority=True),
        Binding("n,escape", "answer(False)", "No", show=True, priority=True),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmDialog")

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(Text(self.question))  # may quote user text: never markup
            yield Static(Text("y / Enter: yes · n / Esc: no"), classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


EXPORT_CHOICES = (
    ("csv", "CSV — a spreadsheet, one row per post, with marks and notes"),
    ("json", "JSON lines — one object per post"),
    ("md", "Markdown — a list of links"),
    ("urls", "URLs — one per line"),
)


class ExportDialog(ModalScreen[str | None]):
    """Choose an export format; dismisses with its id (core.reports.export.FORMATS)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=True, priority=True)
    ]
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ExportDialog") + "ExportDialog OptionList { height: auto; }"
    )

    def __init__(self, count: int, folder: str, what: str = "shown") -> None:
        """`what`: which posts, "shown" (the results) or "selected"."""
        super().__init__()
        self.count = count
        self.folder = folder
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Export"
            posts = f"{self.count:,} post" + ("" if self.count == 1 else "s")
            yield Static(Text(f"Write the {posts} {self.what} to a new file in {self.folder}"))
            yield OptionList(
                *(Option(Text(label), id=fmt) for fmt, label in EXPORT_CHOICES), id="formats"
            )
            yield Static(Text("Enter export · Esc cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


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
        area = self.query_one(TextArea)
        area.move_cursor(area.document.end)  # editing a note adds to it, as in any editor
        area.focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)

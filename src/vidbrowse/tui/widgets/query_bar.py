"""The query bar: one line to type the query, one line for its error (with a caret) or a hint;
two for an error out of the query's sight (a window of the query, the caret under it)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from vidbrowse.core.display import printable
from vidbrowse.core.query.language import QueryError
from vidbrowse.tui.widgets.inputs import InOrderInput
from vidbrowse.tui.widgets.results import fit

PROMPT = "» "
HINT = 'words  "a phrase"  run*  tag:music  -tag:x  views:>10K  duration:<5m  uploaded:2020'


class QueryBar(Vertical):
    DEFAULT_CSS = """
    QueryBar { height: auto; }
    QueryBar > Horizontal { height: 1; }
    QueryBar #query-prompt { width: auto; }
    QueryBar #query-status {
        height: auto; max-height: 2; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    QueryBar #query-status.-error { color: $text-error; }
    """

    def compose(self) -> ComposeResult:
        self.input = InOrderInput(
            placeholder="Search (/), ? for help", id="query-input", compact=True
        )
        self.status = Static(Text(HINT), id="query-status")
        with Horizontal():
            yield Static(Text(PROMPT), id="query-prompt")
            yield self.input
        yield self.status

    @property
    def text(self) -> str:
        return self.input.value

    def set_text(self, text: str) -> None:
        """Replace the query without the user typing it (a facet was clicked)."""
        with self.input.prevent(Input.Changed):
            self.input.value = text
        self.input.cursor_position = len(text)

    @property
    def has_error(self) -> bool:
        """The query shown did not parse (the results shown are an older query's)."""
        return self.status.has_class("-error")

    def show_error(self, error: QueryError | None) -> None:
        status = self.status
        status.set_class(error is not None, "-error")
        if error is None:
            status.update(Text(HINT))
            return
        text = self.text
        position = max(0, min(error.position, len(text)))
        column = cell_len(PROMPT) + cell_len(text[:position]) - round(self.input.scroll_offset.x)
        width = status.size.width or self.size.width
        shown = column if cell_len(PROMPT) <= column < width else None
        lines = error_lines(text, position, printable(error.message), shown, width)
        status.update(Text("\n".join(lines)))


def error_lines(
    text: str, position: int, message: str, column: int | None, width: int
) -> list[str]:
    """The lines under the query `text` that show its error in `width` cells: the caret under
    the character at `position` and the message beside it, on the side with room (cut with '…'
    when neither has). `column`: where that character is on screen, None when the query's
    input has scrolled it out of sight: a window of the query around it comes first."""
    if column is not None:
        return [_caret_line(column, message, width)]
    # A third of the window before the fault, the rest after it.
    start = max(0, position - max(width // 3, 1))
    before = ("…" if start else "") + printable(text[start:position])
    window = fit(before + printable(text[position:]), width).rstrip()
    return [window, _caret_line(cell_len(before), message, width)]


def _caret_line(column: int, message: str, width: int) -> str:
    column = max(0, min(column, width - 1))
    right, left = width - column - 2, column - 1  # cells for the message after / before
    needed = cell_len(message)
    if needed <= right or (needed > left and right >= left):
        return " " * column + "^ " + fit(message, max(right, 1)).rstrip()
    cut = fit(message, left).rstrip() if needed > left else message
    return " " * (column - cell_len(cut) - 1) + cut + " ^"

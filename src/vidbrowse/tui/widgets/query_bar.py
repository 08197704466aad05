"""The query bar: one line to type the query, one line for its error (with a caret) or a hint."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from vidbrowse.core.display import printable
from vidbrowse.core.query.language import QueryError

PROMPT = "» "
HINT = 'words  "a phrase"  run*  tag:music  -tag:x  views:>10K  duration:<5m  uploaded:2020'


class QueryInput(Input):
    """An Input whose editing keys act in the order they were typed.

    Input types printable keys as they reach it, but its editing keys (Ctrl+U, Backspace,
    arrows…) are bindings, which Textual runs only once the key has bubbled back up to the app:
    in a burst (a paste, a laggy SSH link, tmux send-keys), `/` Ctrl+U `has` typed `has` first
    and then let Ctrl+U erase it. Its own bindings run here, in order (Textual issue #6605).
    """

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
        await super()._on_key(event)


class QueryBar(Vertical):
    DEFAULT_CSS = """
    QueryBar { height: 2; }
    QueryBar > Horizontal { height: 1; }
    QueryBar #query-prompt { width: auto; }
    QueryBar #query-status { height: 1; color: $text-muted; }
    QueryBar #query-status.-error { color: $text-error; }
    """

    def compose(self) -> ComposeResult:
        self.input = QueryInput(
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

    def show_error(self, error: QueryError | None) -> None:
        status = self.status
        status.set_class(error is not None, "-error")
        if error is None:
            status.update(Text(HINT))
            return
        # The caret sits under the offending character when it is on screen.
        text = self.text
        position = max(0, min(error.position, len(text)))
        prompt_cells = cell_len(PROMPT)
        column = prompt_cells + cell_len(text[:position]) - round(self.input.scroll_offset.x)
        message = printable(error.message)
        if column >= 0 and column + 2 + cell_len(message) <= status.size.width:
            status.update(Text(" " * column + "^ " + message))
        else:
            status.update(Text(f"{message} (at character {position + 1})"))

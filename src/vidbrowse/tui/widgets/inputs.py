"""A one-line text input for the app's query bar and dialogs."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class InOrderInput(Input):
    """An Input whose editing keys act in the order they were typed.

    Input types printable keys as they reach it, but its editing keys (Ctrl+U, Backspace,
    arrows…) are bindings, which Textual runs only once the key has bubbled back up to the app:
    in a burst (a paste, a laggy SSH link, tmux send-keys), `/` Ctrl+U `has` typed `has` first
    and then let Ctrl+U erase it (the same in a dialog's line). Its own bindings run here, in
    order (Textual issue #6605).
    """

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
        await super()._on_key(event)

"""The key bar at the bottom of each screen: Textual's footer, recomposed only on a change."""

from __future__ import annotations

from collections.abc import Hashable

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """Textual recomposes its footer (every key removed, then mounted again) on each bindings
    update, such as every focus change: three times while the app starts, each time showing the
    same keys. This one recomposes only when what it would show differs from what it shows."""

    _shown: Hashable = None

    def _what_it_shows(self) -> Hashable:
        app = self.app
        return (
            self.show_command_palette,
            self.combine_groups,
            tuple(
                (binding, app.get_key_display(binding), enabled, tooltip)
                for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            ),
        )

    async def recompose(self) -> None:
        # Detached (as on the way out), its screen may be gone: Textual's does nothing then
        # either, and checks for itself that the footer is not being removed.
        if not self.is_attached:
            return
        shown = self._what_it_shows()
        if shown == self._shown:
            return
        self._shown = shown
        await super().recompose()

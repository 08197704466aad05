"""The main screen's filters: ticking a tag, channel or category rewrites the query text (the only
state), and the facet pane shows what the query selects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidbrowse.core.query.editing import selected_facets, with_facets
from vidbrowse.core.query.language import QueryError

if TYPE_CHECKING:
    from vidbrowse.tui.screens.main import MainScreen

MODE_OF = {"and": "all", "or": "any"}


def _same_value(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


class FacetFilters:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.mode = "and"  # for the next tag/category ticked when none is selected yet

    def show(self) -> None:
        """The facet counts of the shown results, ticked as the query selects them."""
        screen = self.screen
        if screen.results is None:
            return
        chosen = selected_facets(screen.results.query)
        selected: dict[str, set[str]] = {}
        facets = screen.results.facets
        for field, selection in chosen.items():
            # Show the value as the facet counts spell it, whatever case the query used.
            spelled = {value.casefold(): value for value, _count in facets.get(field, [])}
            selected[field] = {spelled.get(v.casefold(), v) for v in selection.values}
        modes = [selection.mode for selection in chosen.values() if len(selection.values) > 1]
        if modes:
            self.mode = modes[0]
        screen.facet_pane.show(facets, selected, MODE_OF[self.mode])

    def toggled(self, field: str, value: str, selected: bool) -> None:
        text = self.screen.query_bar.text
        current = selected_facets(text).get(field)
        values = [v for v in (current.values if current else ()) if not _same_value(v, value)]
        if selected:
            values.append(value)
        # A post has one channel: two channels can only mean either of them.
        mode = "or" if field == "channel" else current.mode if current else self.mode
        self._rewrite(field, values, mode)

    def _rewrite(self, field: str, values: list[str], mode: str) -> None:
        try:
            text = with_facets(self.screen.query_bar.text, field, values, mode)
        except (QueryError, ValueError) as error:
            self.screen.notify(f"Fix the query first: {error}", severity="warning")
            self.show()
            return
        self.screen.query_bar.set_text(text)
        self.screen.search_now()

    def toggle_mode(self) -> None:
        self.mode = "or" if self.mode == "and" else "and"
        chosen = selected_facets(self.screen.query_bar.text)
        rewritten = False
        for field, selection in chosen.items():
            if len(selection.values) > 1:
                self._rewrite(field, list(selection.values), self.mode)
                rewritten = True
        if not rewritten:
            self.show()
            self.screen.notify(f"Tags and categories will match {MODE_OF[self.mode]}.")

    def clear(self) -> None:
        text = self.screen.query_bar.text
        try:
            for field in selected_facets(text):
                text = with_facets(text, field, [], "and")
        except (QueryError, ValueError) as error:
            self.screen.notify(f"Fix the query first: {error}", severity="warning")
            return
        self.screen.query_bar.set_text(text)
        self.screen.search_now()

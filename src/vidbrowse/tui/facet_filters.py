"""The main screen's filters: ticking a tag, channel or category rewrites the query text (the only
state), and the facet pane shows what the query selects."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from vidbrowse.core.options import ONE_VALUE_FACETS
from vidbrowse.core.query.editing import selected_facets, tick_mode, ticked, with_facets
from vidbrowse.core.query.facets import value_key
from vidbrowse.core.query.language import QueryError
from vidbrowse.core.reports.health import never_known

if TYPE_CHECKING:
    from vidbrowse.tui.screens.main import MainScreen

MODE_OF = {"and": "all", "or": "any"}
COLUMN_OF = {"tag": "tags", "channel": "channel", "category": "categories"}  # facet → column


class FacetFilters:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.mode = "and"  # for the next tag/category ticked when none is selected yet

    def show(self) -> None:
        """The facet counts of the shown results, ticked as the query selects them. Each count
        is what ticking its value finds: over the results when a tick narrows them, over the
        results without the field's selection when a tick adds an alternative (disjunctive)."""
        screen = self.screen
        results = screen.results
        if results is None:
            return
        chosen = selected_facets(results.query)
        modes = [selection.mode for selection in chosen.values() if len(selection.values) > 1]
        if modes:
            self.mode = modes[0]
        facets: dict[str, list[tuple[str, int]]] = {}
        selected: dict[str, set[str]] = {}
        for field in results.facets:
            selection = chosen.get(field)
            facets[field] = results.counts_for(field, tick_mode(field, selection, self.mode))
            if selection is not None:
                # Show the value as the facet counts spell it, whatever case the query used.
                spelled = {value_key(value): value for value, _count in facets[field]}
                selected[field] = {spelled.get(value_key(v), v) for v in selection.values}
        blank = never_known(results.columns)
        absent = frozenset(field for field, column in COLUMN_OF.items() if column in blank)
        screen.facet_pane.show(facets, selected, MODE_OF[self.mode], absent)

    def toggled(self, field: str, value: str, selected: bool) -> None:
        self._apply(lambda text: ticked(text, field, value, selected, self.mode))

    def _rewrite(self, field: str, values: list[str], mode: str) -> None:
        self._apply(lambda text: with_facets(text, field, values, mode))

    def _apply(self, rewrite: Callable[[str], str]) -> None:
        try:
            text = rewrite(self.screen.query_bar.text)
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
            if len(selection.values) > 1 and field not in ONE_VALUE_FACETS:
                self._rewrite(field, list(selection.values), self.mode)
                rewritten = True
        if not rewritten:
            self.show()
            self.screen.notify(f"Tags and categories will match {MODE_OF[self.mode]}.")

    def clear(self) -> None:
        self._apply(_without_facets)


def _without_facets(text: str) -> str:
    """`text` without any facet selection (a field may hold a second one behind the first)."""
    while chosen := selected_facets(text):
        for field in chosen:
            text = with_facets(text, field, [], "and")
    return text

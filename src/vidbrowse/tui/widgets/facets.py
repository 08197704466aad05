"""The filter pane: tags, channels, categories and link sites with their counts in the current
results.

Ticking a value does not filter anything here: the pane tells the app, the app rewrites the query
text, and the new results come back with new counts. The query string is the only state.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.css.styles import RulesMap
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import Selection

from vidbrowse.cells import unjoined
from vidbrowse.core.display import printable

# field → heading, in the order shown
FIELDS = {"tag": "Tags", "channel": "Channels", "category": "Categories", "site": "Sites"}
MODES = ("all", "any")  # all = AND, any = OR (tags and categories; channels are always any)


class FacetRow(Visual):
    """A facet line at whatever width the list has: the value, a gap, its count right-aligned.
    A value too long for the line is cut with '…'; the count never is."""

    def __init__(self, value: str, count: int | None) -> None:
        # Post data: plain Content (never markup), controls made visible.
        self.label = Content(unjoined(printable(value).replace("\n", " ")))
        self.count = "" if count is None else f"{count:,}"

    def line(self, width: int) -> Content:
        """The line at `width` cells."""
        count = self.count
        room = width - cell_len(count) - (1 if count else 0)  # a gap of at least one cell
        label = self.label
        if label.cell_length > room:
            label = label.truncate(max(room, 1), ellipsis=True)
        gap = max(width - label.cell_length - cell_len(count), 0)
        return Content.assemble(label, " " * gap, (count, "dim"))

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.line(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.label.cell_length + 1 + cell_len(self.count)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1


class FacetList(SelectionList[str]):
    """One facet's values; its `field` tells the app which part of the query to rewrite."""

    def __init__(self, field: str) -> None:
        super().__init__(id=f"facet-{field}", classes="facet-list")
        self.field = field
        self.border_title = FIELDS[field]

    def show(self, values: list[tuple[str, int]], selected: set[str]) -> None:
        highlighted = self.highlighted
        counted = dict(values)
        # A selected value stays visible even when it fell out of the top N.
        missing = [
            (value, counted.get(value)) for value in sorted(selected) if value not in counted
        ]
        rows = [*missing, *values]
        with self.prevent(SelectionList.SelectedChanged):
            self.clear_options()
            self.add_options(
                [Selection(Content(value), value, value in selected) for value, _ in rows]
            )
            # A Selection takes text only; its prompt becomes the row drawn at the list's width.
            for index, (value, count) in enumerate(rows):
                self.replace_option_prompt_at_index(index, FacetRow(value, count))
        if rows:
            self.highlighted = min(highlighted or 0, len(rows) - 1)

    def render_line(self, y: int) -> Strip:
        """SelectionList's tick box as `[x]`/`[ ]`: its own differs by colour only, invisible
        under NO_COLOR (and its sides vanish in some themes)."""
        strip = super().render_line(y)
        segments = list(strip)
        try:
            value = self.get_option_at_index(self.scroll_offset.y + y).value
        except OptionDoesNotExist:
            return strip
        if len(segments) < 4:
            return strip
        text_style = segments[3].style  # the gap before the prompt: the line's own style
        tick = "x" if value in self.selected else " "
        return Strip(
            [
                Segment("[", text_style),
                Segment(tick, segments[1].style),
                Segment("]", text_style),
                *segments[3:],
            ],
            strip.cell_length,
        )


class ModeToggle(Static):
    """`match: all | any` — click or press the toggle key to switch."""

    class Clicked(Message):
        pass

    def show(self, mode: str) -> None:
        text = Text("match ")
        for name in MODES:
            text.append(f" {name} ", style="reverse" if name == mode else "")
        self.update(text)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Clicked())


class FacetPane(Vertical):
    class Toggled(Message):
        def __init__(self, field: str, value: str, selected: bool) -> None:
            super().__init__()
            self.field = field
            self.value = value
            self.selected = selected

    class ModeToggled(Message):
        pass

    def compose(self) -> ComposeResult:
        self.mode = ModeToggle(id="facet-mode")
        self.lists = {field: FacetList(field) for field in FIELDS}
        yield self.mode
        yield from self.lists.values()

    def on_mount(self) -> None:
        self.mode.show(MODES[0])

    def list_for(self, field: str) -> FacetList:
        return self.lists[field]

    def show(
        self,
        facets: dict[str, list[tuple[str, int]]],
        selected: dict[str, set[str]],
        mode: str,
        absent: frozenset[str] = frozenset(),
    ) -> None:
        """`absent`: fields no post of the archive has (a Dailymotion export's channel): their
        lists are hidden rather than left empty."""
        self.mode.show(mode)
        for field in FIELDS:
            self.list_for(field).display = field not in absent
            self.list_for(field).show(facets.get(field, []), selected.get(field, set()))

    @on(SelectionList.SelectionToggled)
    def _toggled(self, event: SelectionList.SelectionToggled[str]) -> None:
        event.stop()
        facet_list = event.selection_list
        assert isinstance(facet_list, FacetList)
        value = event.selection.value
        self.post_message(self.Toggled(facet_list.field, value, value in facet_list.selected))

    @on(ModeToggle.Clicked)
    def _mode_clicked(self) -> None:
        self.post_message(self.ModeToggled())

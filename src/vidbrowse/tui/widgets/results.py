"""The results list: a Line-API `ScrollView` that draws only the visible rows.

`virtual_size` says there are `total` lines; `render_line` asks `Results.rows(a, b)` for a window
around the visible part and caches it, so 100,000 results cost what 40 do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from vidbrowse.cells import unjoined
from vidbrowse.core.display import day, human_count, printable, short_clock
from vidbrowse.core.options import DEFAULT_COLUMNS
from vidbrowse.core.query.search import Results, Row
from vidbrowse.core.reports.health import never_known

GAP = 1  # cells between columns
MIN_WINDOW = 200  # rows fetched at once, at least


def one_line(text: str) -> str:
    """Post text made safe for a single cell row: controls visible, line breaks flattened,
    emoji unjoined (their width is then the same in every terminal)."""
    return unjoined(printable(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")))


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    right: bool  # right-aligned (numbers)
    text: Callable[[Row], str]
    width: Callable[[int], int]  # its cells for the list's width (0: no room, hidden)


def _flexible(most: int) -> Callable[[int], int]:
    """A text column's width: a fifth of the list, 10 to `most` cells; none under 60 cells."""
    return lambda width: max(10, min(most, width // 5)) if width >= 60 else 0


def _fixed(cells: int) -> Callable[[int], int]:
    return lambda _: cells


COLUMNS: dict[str, Column] = {
    "title": Column("Title", False, lambda row: one_line(row.title), _fixed(0)),
    "channel": Column("Channel", False, lambda row: one_line(row.channel), _flexible(24)),
    "uploaded": Column("Uploaded", False, lambda row: day(row.uploaded), _fixed(10)),
    "posted": Column("Posted", False, lambda row: day(row.posted), _fixed(10)),
    "duration": Column("Length", True, lambda row: short_clock(row.duration), _fixed(7)),
    "views": Column("Views", True, lambda row: human_count(row.views), _fixed(5)),
    "likes": Column("Likes", True, lambda row: human_count(row.likes), _fixed(5)),
    "dislikes": Column("Dislikes", True, lambda row: human_count(row.dislikes), _fixed(8)),
    "tags": Column("Tags", False, lambda row: one_line(", ".join(row.tags)), _flexible(30)),
    "categories": Column(
        "Category", False, lambda row: one_line(", ".join(row.categories)), _flexible(16)
    ),
}
MIN_TITLE = 20  # cells the title keeps (flags included): columns leave, in DROP_ORDER, until then
DROP_ORDER = (
    "posted", "dislikes", "likes", "categories", "tags", "uploaded", "channel", "views", "duration",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ColumnLayout:
    """The columns shown, in order, with their widths for a given list width."""

    shown: tuple[tuple[str, int], ...]  # (column name, cells)
    width: int

    @classmethod
    def fit(
        cls, width: int, names: Sequence[str] = DEFAULT_COLUMNS, blank: frozenset[str] = frozenset()
    ) -> ColumnLayout:
        """`names` in order (the title always, first unless placed); what does not fit leaves,
        and so do the `blank` columns (no post of the archive has a value there)."""
        names = [name for name in names if name in COLUMNS and name not in blank]
        if "title" not in names:
            names.insert(0, "title")
        cells = {name: COLUMNS[name].width(width) for name in names if name != "title"}

        def room() -> int:  # for the title
            used = [cell for cell in cells.values() if cell]
            return width - sum(used) - GAP * len(used)

        for name in DROP_ORDER:
            if room() >= MIN_TITLE:
                break
            cells[name] = 0
        cells["title"] = max(1, room())
        return cls(tuple((name, cells[name]) for name in names if cells.get(name)), width)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.shown)

    def cells(self, row: Row, marker: str = "") -> list[tuple[str, int, bool]]:
        """(text, width, right-aligned) for each shown column of one row; `marker` (e.g. "★ • ")
        goes before the title."""
        return [
            ((marker if name == "title" else "") + COLUMNS[name].text(row), cells,
             COLUMNS[name].right)
            for name, cells in self.shown
        ]  # fmt: skip

    def header(self) -> Text:
        return Text(
            " ".join(
                fit(COLUMNS[name].header, cells, COLUMNS[name].right) for name, cells in self.shown
            )
        )


def fit(text: str, width: int, right: bool = False) -> str:
    """`text` padded or cut to exactly `width` cells (wide characters counted as two)."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    padding = " " * (width - cell_len(text))
    return padding + text if right else text + padding


class ResultsList(ScrollView, can_focus=True, inherit_bindings=False):
    """The visible window of a `Results`. The app owns the query; this only shows and moves.
    Its keys are the app's commands (commands.py), so no bindings are inherited here."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "results--cursor",
        "results--cursor-blurred",
        "results--empty",
    }

    DEFAULT_CSS = """
    ResultsList { overflow-x: hidden; }
    ResultsList > .results--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    ResultsList > .results--cursor-blurred {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
    }
    ResultsList > .results--empty { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        def __init__(self, row: Row | None) -> None:
            super().__init__()
            self.row = row

    class Chosen(Message):
        """A row was double-clicked."""

        def __init__(self, row: Row) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, header: Static | None = None, id: str | None = None) -> None:
        """`header`: a one-line widget above the list that shows the column names."""
        super().__init__(id=id)
        self.header = header
        self.marker: Callable[[Row], str] | None = None  # a row's flags, e.g. "★ • " (the app's)
        self.results: Results | None = None
        self.empty_message = ""  # shown when there are no rows; the app words it
        self._window_start = 0
        self._window: list[Row] = []
        self.column_names: tuple[str, ...] = DEFAULT_COLUMNS  # chosen (config, the dialog)
        self.columns = ColumnLayout.fit(0)
        self.blank: frozenset[str] = frozenset()  # columns no post has a value in: left out

    @property
    def total(self) -> int:
        return self.results.total if self.results is not None else 0

    def show(self, results: Results, *, keep_row: Row | None = None) -> None:
        """Show new results. With `keep_row`, stay on that post if it is still in the first
        window (a background index commit re-ran the same query)."""
        self.results = results
        blank = never_known(results.columns)
        if blank != self.blank:
            self.blank = blank
            self.columns = ColumnLayout.fit(0)  # fitted again at the next line drawn
        self._window_start, self._window = 0, []
        self.virtual_size = Size(self.size.width, results.total)
        target = 0
        if keep_row is not None:
            rows = self._rows_around(min(self.cursor, max(results.total - 1, 0)))
            for offset, row in enumerate(rows):
                if row.path == keep_row.path:
                    target = self._window_start + offset
                    break
        if target == 0:
            self.scroll_to(y=0, animate=False)
        self.cursor = target
        self.refresh()

    def choose_columns(self, names: Sequence[str]) -> None:
        self.column_names = tuple(names)
        self.columns = ColumnLayout.fit(0)  # fitted again at the next line drawn
        self.refresh()

    def _rows_around(self, index: int) -> list[Row]:
        """Make sure the cached window holds `index`; return the window."""
        start = self._window_start
        if self.results is not None and not (start <= index < start + len(self._window)):
            size = max(MIN_WINDOW, 3 * self.size.height)
            start = max(0, index - size // 3)
            self._window_start = start
            self._window = self.results.rows(start, min(start + size, self.results.total))
        return self._window

    def row(self, index: int) -> Row | None:
        if not 0 <= index < self.total:
            return None
        window = self._rows_around(index)
        offset = index - self._window_start
        return window[offset] if 0 <= offset < len(window) else None

    @property
    def current(self) -> Row | None:
        return self.row(self.cursor)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total)
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, x_axis=False)

    def _fit_columns(self, width: int) -> None:
        # Checked per line, not only on resize: the scrollbar appearing narrows the content
        # without a Resize event.
        if self.columns.width != width:
            self.columns = ColumnLayout.fit(width, self.column_names, self.blank)
            if self.header is not None:
                self.header.update(self.columns.header())

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        self._fit_columns(width)
        index = round(self.scroll_offset.y) + y
        base = self.rich_style
        if self.results is None or self.total == 0:
            if y == 0:
                style = base + self.get_component_rich_style("results--empty")
                return Strip([Segment(fit(" " + self.empty_message, width), style)], width)
            return Strip.blank(width, base)
        row = self.row(index)
        if row is None:
            return Strip.blank(width, base)
        style = base
        if index == self.cursor:
            name = "results--cursor" if self.has_focus else "results--cursor-blurred"
            style = base + self.get_component_rich_style(name)
        segments: list[Segment] = []
        marker = self.marker(row) if self.marker is not None else ""
        for text, cells, right in self.columns.cells(row, marker):
            if segments:
                segments.append(Segment(" " * GAP, style))
            segments.append(Segment(fit(text, cells, right), style))
        return Strip(segments).adjust_cell_length(width, style)

    def watch_cursor(self, old: int, new: int) -> None:
        clamped = max(0, min(new, self.total - 1)) if self.total else 0
        if clamped != new:
            self.cursor = clamped
            return
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, x_axis=False)
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        index = round(self.scroll_offset.y) + event.y
        if 0 <= index < self.total:
            self.focus()
            self.cursor = index
            if event.chain >= 2 and (row := self.current) is not None:
                self.post_message(self.Chosen(row))

    # Movement, called by the app's commands (keys are defined once, in commands.py).
    def move(self, delta: int) -> None:
        self.cursor = max(0, min(self.cursor + delta, self.total - 1))

    def page(self, pages: int) -> None:
        self.move(pages * max(1, self.scrollable_content_region.height - 1))

    def home(self) -> None:
        self.cursor = 0

    def end(self) -> None:
        self.cursor = max(0, self.total - 1)

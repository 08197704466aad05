"""The timeline screen: the current results by upload year (by month when they span under two
years) and by duration, as bars of block characters. Choosing a bar dismisses the screen with
the query narrowed to it (`core.reports.stats.narrow`: a range in the query text), which the app
runs."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from vidbrowse.core.display import day, human_count, partly_known
from vidbrowse.core.query.language import QueryError
from vidbrowse.core.query.search import Results
from vidbrowse.core.reports.stats import Bar, ResultStats, Totals, narrow, result_stats
from vidbrowse.tui.widgets.fields import Fields
from vidbrowse.tui.widgets.footer import Footer
from vidbrowse.tui.widgets.results import fit

EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"
LABEL_CELLS = 8
COUNT_CELLS = 7


def block_bar(count: int, largest: int, cells: int) -> str:
    """`count` as a bar of `cells` at most (in eighths of a cell); any non-zero count shows."""
    if largest <= 0 or count <= 0 or cells <= 0:
        return ""
    eighths = max(1, round(count / largest * cells * 8))
    return FULL * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def bar_prompt(bar: Bar, largest: int, width: int) -> Content:
    cells = max(1, width - LABEL_CELLS - COUNT_CELLS - 2)
    return Content.assemble(
        fit(bar.label, LABEL_CELLS) + " ",
        (fit(block_bar(bar.count, largest, cells), cells), "$accent"),
        " " + fit(f"{bar.count:,}", COUNT_CELLS, right=True),
    )


def describe_totals(totals: Totals) -> list[str]:
    """The totals' parts, each kept whole on a line (`1B views`, never `1B` / `views`)."""
    parts = [f"{totals.posts:,} post" + ("" if totals.posts == 1 else "s")]
    if totals.first is not None and totals.last is not None:
        parts.append(f"uploaded {day(totals.first)} → {day(totals.last)}")
    hours, minutes = divmod(totals.seconds // 60, 60)
    posts = totals.posts
    parts.append(partly_known(f"{hours:,} h {minutes} min of video", totals.unknown_duration,
                              posts, "length"))  # fmt: skip
    parts.append(partly_known(f"{human_count(totals.views)} views", totals.unknown_views, posts,
                              "views"))  # fmt: skip
    if totals.live:
        parts.append(f"{totals.live:,} live")
    return parts


class TimelineScreen(Screen[str | None]):
    """Dismissed with the narrowed query (None: back unchanged). Tab switches chart."""

    DEFAULT_CSS = """
    TimelineScreen #tl-title { height: auto; padding: 0 1; background: $panel; }
    TimelineScreen #tl-charts { height: 1fr; }
    TimelineScreen OptionList {
        width: 1fr; height: 100%; border: none; border-top: solid $panel-lighten-2; padding: 0;
        border-title-color: $text-accent; scrollbar-size-vertical: 1;
    }
    TimelineScreen OptionList:focus { border: none; border-top: solid $accent; }
    """

    def __init__(self, results: Results, query: str) -> None:
        super().__init__()
        self.results = results
        self.query_text = query
        self.bars: dict[str, Bar] = {}  # option id → bar

    def compose(self) -> ComposeResult:
        self.heading = Static(Text("Counting…"), id="tl-title")
        yield self.heading
        self.by_date = OptionList(id="tl-dates", markup=False)
        self.by_duration = OptionList(id="tl-durations", markup=False)
        self.by_date.border_title = "Uploaded"
        self.by_duration.border_title = "Duration"
        with Horizontal(id="tl-charts"):
            yield self.by_date
            yield self.by_duration
        yield Footer()

    def on_mount(self) -> None:
        self.by_date.focus()
        self.compute()

    @work(thread=True, exclusive=True, group="timeline")
    def compute(self) -> None:
        stats = result_stats(self.results)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, stats)

    def _show(self, stats: ResultStats) -> None:
        query = Text(self.query_text.strip() or "everything", style="bold")
        totals = [Text(part) for part in describe_totals(stats.totals)]
        hint = Text("Enter: narrow the query to the bar · Tab: other chart · Esc: back", "dim")
        self.heading.update(Fields(query, [totals, [hint]], gap="  ·  ", spaced=False))
        timeline = stats.timeline
        self.by_date.border_title = f"Uploaded, by {timeline.unit}"
        dates = list(timeline.bars)
        if timeline.unknown:
            dates.append(Bar("unknown", timeline.unknown, "uploaded", ""))
        self._fill(self.by_date, "date", dates)
        self._fill(self.by_duration, "duration", list(stats.durations))
        # Start on the biggest period: the likeliest one to narrow to.
        if timeline.bars:
            biggest = max(range(len(timeline.bars)), key=lambda i: timeline.bars[i].count)
            self.by_date.highlighted = biggest

    def _fill(self, option_list: OptionList, prefix: str, bars: list[Bar]) -> None:
        # One cell kept for a scrollbar that may appear once the bars are in.
        width = max(LABEL_CELLS + COUNT_CELLS + 8, option_list.scrollable_content_region.width - 1)
        largest = max((bar.count for bar in bars), default=0)
        options = []
        for number, bar in enumerate(bars):
            option_id = f"{prefix}-{number}"
            self.bars[option_id] = bar
            options.append(Option(bar_prompt(bar, largest, width), id=option_id))
        if not options:
            options.append(Option(Text("No dates in these results.", style="dim"), disabled=True))
        option_list.clear_options()
        option_list.add_options(options)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._narrow_to(self.bars.get(event.option.id or ""))

    def _narrow_to(self, bar: Bar | None) -> None:
        if bar is None:
            return
        try:
            self.dismiss(narrow(self.query_text, bar))
        except (ValueError, QueryError) as error:
            self.notify(str(error), severity="warning")

"""The overview screen (a notmuch-hello for videos): your marks, saved searches with live counts,
the top tags, channels and categories. Choosing a line dismisses the screen with its query, which
the app then runs; saved searches can be deleted and renamed here.

The numbers come from `core.reports.overview`, computed by a function the app gives (it runs in
a thread worker: one search per line)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from vidbrowse.cells import unjoined
from vidbrowse.core.display import printable
from vidbrowse.core.query.language import QueryError
from vidbrowse.core.reports.overview import Line, Overview
from vidbrowse.core.review.database import ReviewError
from vidbrowse.core.review.searches import SavedSearches
from vidbrowse.tui.commands import COMMANDS
from vidbrowse.tui.screens.dialogs import ConfirmDialog, NamePrompt
from vidbrowse.tui.widgets.footer import Footer
from vidbrowse.tui.widgets.results import fit

COUNT_CELLS = 7
# list id → border title, in the order shown (marks and saved searches in the first column).
SECTIONS = {
    "ov-marks": "Marks",
    "ov-saved": "Saved searches",
    "ov-tag": "Tags",
    "ov-channel": "Channels",
    "ov-category": "Categories",
}


def line_prompt(line: Line) -> Content:
    """`  count  label`, notmuch-hello style: the count first, so it lines up whatever the
    list's width; a label too long for its column is cut with '…' (never wrapped into the
    lines below). The label is post or user data: plain Content, controls made visible."""
    count = "?" if line.count is None else f"{line.count:,}"
    return Content.assemble(
        (fit(count, COUNT_CELLS, right=True), "bold" if line.count else "dim"),
        "  " + unjoined(printable(line.label).replace("\n", " ")),
    )


class OverviewScreen(Screen[str | None]):
    """Dismissed with the chosen line's query (None: back to the results unchanged)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "delete", "Delete saved search", show=True),
        Binding("r", "rename", "Rename saved search", show=True),
        # As on the results: the overview is the first screen, and `/` is where people start.
        *(command.binding_to("search") for command in COMMANDS if command.id == "focus_query"),
    ]

    DEFAULT_CSS = """
    OverviewScreen #ov-title { height: 1; padding: 0 1; background: $panel; }
    OverviewScreen #ov-columns { height: 1fr; }
    OverviewScreen .ov-column { width: 1fr; height: 100%; }
    OverviewScreen OptionList {
        height: 1fr; border: none; border-top: solid $panel-lighten-2; padding: 0;
        border-title-color: $text-accent; scrollbar-size-vertical: 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    OverviewScreen OptionList:focus { border: none; border-top: solid $accent; }
    OverviewScreen #ov-marks { height: 5; }
    OverviewScreen #ov-category { height: 1fr; }
    OverviewScreen #ov-channel { height: 2fr; }
    """

    def __init__(
        self,
        compute: Callable[[], tuple[Overview, SavedSearches | None]],
        *,
        title: str,
        save_key: str,
        leave_if_empty: bool = False,
    ) -> None:
        """`compute`: thread-safe, returns the overview and the saved searches (None when the
        review file cannot be opened); `save_key` is shown in the hint when none is saved;
        `leave_if_empty`: go back to the main screen (and its indexing progress) when the index
        has no posts yet."""
        super().__init__()
        self.leave_if_empty = leave_if_empty
        self.compute = compute
        self.title_text = title
        self.save_key = save_key
        self.saved: SavedSearches | None = None
        self.overview: Overview | None = None
        self.lines: dict[str, Line] = {}  # option id → its line

    def compose(self) -> ComposeResult:
        self.heading = Static(Text(f"{self.title_text} — counting…"), id="ov-title")
        yield self.heading
        self.lists = {list_id: OptionList(id=list_id, markup=False) for list_id in SECTIONS}
        for list_id, option_list in self.lists.items():
            option_list.border_title = SECTIONS[list_id]
        with Horizontal(id="ov-columns"):
            with Vertical(classes="ov-column"):
                yield self.lists["ov-marks"]
                yield self.lists["ov-saved"]
            with Vertical(classes="ov-column"):
                yield self.lists["ov-tag"]
            with Vertical(classes="ov-column"):
                yield self.lists["ov-channel"]
                yield self.lists["ov-category"]
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="overview")
    def reload(self) -> None:
        try:
            overview, saved = self.compute()
        except Exception as error:  # e.g. the index is being rebuilt: say so, stay usable
            if self.leave_if_empty:  # the start-up screen: the main one shows the progress
                self.app.call_from_thread(self.dismiss, None)
            else:
                self.app.call_from_thread(
                    self.notify, str(error), title="Overview", severity="error", markup=False
                )
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, overview, saved)

    def _show(self, overview: Overview, saved: SavedSearches | None) -> None:
        if self.leave_if_empty and overview.posts == 0:
            self.dismiss(None)
            return
        if self.overview is None:  # the first time: start on the saved searches, if any
            self.lists["ov-saved" if overview.saved else "ov-marks"].focus()
        self.leave_if_empty = False
        self.overview, self.saved = overview, saved
        posts = f"{overview.posts:,} post" + ("" if overview.posts == 1 else "s")
        heading = Text(f"{self.title_text} — {posts}")
        heading.append("   Enter runs a line's query · Esc: back", style="dim")
        self.heading.update(heading)
        self.lines = {}
        sections = {
            "ov-marks": overview.marks,
            "ov-saved": overview.saved,
            **{f"ov-{name}": lines for name, lines in overview.facets.items()},
        }
        for list_id, lines in sections.items():
            option_list = self.lists.get(list_id)
            if option_list is None:
                continue
            options = []
            for number, line in enumerate(lines):
                option_id = f"{list_id}-{number}"
                self.lines[option_id] = line
                options.append(Option(line_prompt(line), id=option_id))
            if not options:
                hint = (
                    f"None yet: {self.save_key} saves one."  # short: a line never wraps
                    if list_id == "ov-saved"
                    else "None."
                )
                options.append(Option(Text(hint, style="dim"), disabled=True))
            highlighted = option_list.highlighted
            option_list.clear_options()
            option_list.add_options(options)
            if not options[0].disabled:
                option_list.highlighted = min(highlighted or 0, len(options) - 1)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        line = self.lines.get(event.option.id or "")
        if line is not None:
            self.dismiss(line.query)

    def _saved_line(self) -> Line | None:
        """The highlighted saved search, or None (with a hint) when the focus is elsewhere."""
        option_list = self.lists["ov-saved"]
        if self.focused is option_list and option_list.highlighted is not None:
            option = option_list.get_option_at_index(option_list.highlighted)
            line = self.lines.get(option.id or "")
            if line is not None and self.saved is not None:
                return line
        self.notify("Highlight a saved search first.", severity="warning")
        return None

    async def action_search(self) -> None:
        """The main screen's `/`: it closes this screen and puts the cursor in the query bar."""
        await self.app.get_screen("main").run_action("focus_query")

    def action_delete(self) -> None:
        line = self._saved_line()
        if line is None:
            return

        def delete(yes: bool | None) -> None:
            if not yes or self.saved is None:
                return
            try:
                self.saved.delete(line.label)
            except ReviewError as error:
                self.notify(f"Could not delete: {error}", severity="error", markup=False)
                return
            self.notify(f"Deleted the saved search {line.label!r}.", markup=False)
            self.reload()

        question = f"Delete the saved search {line.label!r} ({line.query})?"
        self.app.push_screen(ConfirmDialog("Delete", question), delete)

    def action_rename(self) -> None:
        line = self._saved_line()
        if line is None:
            return

        def rename(name: str | None) -> None:
            if name is None or self.saved is None:
                return
            try:
                self.saved.rename(line.label, name)
            except (ValueError, QueryError, ReviewError) as error:
                self.notify(str(error), severity="warning", markup=False)
                return
            self.reload()

        prompt = NamePrompt("Rename", f"New name for {line.label!r} ({line.query})", line.label)
        self.app.push_screen(prompt, rename)

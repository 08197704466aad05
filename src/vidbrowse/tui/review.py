"""The app's review actions beyond marks: the overview screen, saving the query under a name,
exporting the results, the timeline. `VidbrowseApp` inherits them; each is a command of the
table in commands.py (so its key, footer, palette and help entries come from there).

Whatever reads the review file or the index runs in a thread worker; what comes back from the
overview or the timeline is a query, run in the main screen."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App

from vidbrowse.core.library.library import Library
from vidbrowse.core.query.language import QueryError, parse_query
from vidbrowse.core.query.search import Results
from vidbrowse.core.reports.export import export_file, export_path
from vidbrowse.core.reports.overview import Overview, overview
from vidbrowse.core.review.marks import Marks
from vidbrowse.core.review.searches import SavedSearches
from vidbrowse.core.review.state import Review, ReviewError
from vidbrowse.tui.dialogs import ExportDialog, NamePrompt
from vidbrowse.tui.overview import OverviewScreen
from vidbrowse.tui.timeline import TimelineScreen
from vidbrowse.tui.widgets.query_bar import QueryBar
from vidbrowse.tui.widgets.results import ResultsList

TOP = 12  # tags, channels and categories on the overview
UPDATE_CHECK = 0.5  # seconds between checks for the end of a background update
# The app's commands that make sense over the overview and the timeline; the others act on the
# hidden results list (star, export, sort…), so they are off there (and out of the footer).
OVER_CHARTS = frozenset(
    {
        "back", "cursor_down", "cursor_up", "page_down", "page_up", "top", "bottom", "focus_next",
        "focus_previous", "help", "command_palette", "quit", "overview", "refresh",
    }
)  # fmt: skip


def export_folder(archive: Path) -> Path:
    """Where the app writes exports: the current folder, unless that is inside the archive
    (vidbrowse never writes there; it is the default archive when none is given), then home."""
    here = Path.cwd().resolve()
    return Path.home() if here.is_relative_to(archive.resolve()) else here


class ReviewActions(App[int]):
    # Set by run_app when no query is given: the overview is then the first screen.
    overview_first = False

    # VidbrowseApp's (see app.py).
    library: Library
    results: Results | None
    query_text: str
    query_bar: QueryBar
    results_list: ResultsList
    review: Review | None
    review_problem: str | None
    updating: bool  # True while the background index update runs

    def on_mount(self) -> None:
        # Runs after VidbrowseApp.on_mount (Textual calls the handlers of every class in the MRO).
        if self.overview_first:
            self.push_screen(self._overview_screen(leave_if_empty=True), self._run_chosen)
        self._was_updating = self.updating
        self.set_interval(UPDATE_CHECK, self._recount_after_update)

    def _recount_after_update(self) -> None:
        """An overview shown while the index was being updated (e.g. the first screen) counted
        the old index: count again once the update is over."""
        if self._was_updating and not self.updating:
            for screen in self.screen_stack:
                if isinstance(screen, OverviewScreen):
                    screen.reload()
        self._was_updating = self.updating

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        screen = self.screen
        if isinstance(screen, OverviewScreen | TimelineScreen):
            # The overview's own key would do nothing there.
            return action in OVER_CHARTS and not (
                action == "overview" and isinstance(screen, OverviewScreen)
            )
        return super().check_action(action, parameters)

    def _review_in_thread(self) -> Review | None:
        """The review file, opened on first use by the app's `_marks` (from a thread only)."""
        self._marks()  # type: ignore[attr-defined]
        return self.review

    def _marks_in_thread(self) -> Marks | None:
        review = self._review_in_thread()
        return review.marks if review is not None else None

    # ------------------------------------------------------------------ overview

    def _overview_screen(self, *, leave_if_empty: bool = False) -> OverviewScreen:
        keys = self.key_display()  # type: ignore[attr-defined]
        return OverviewScreen(
            self._compute_overview,
            title=f"vidbrowse  {self.library.archive.name}",
            save_key=keys["save_search"],
            leave_if_empty=leave_if_empty,
        )

    def _compute_overview(self) -> tuple[Overview, SavedSearches | None]:
        review = self._review_in_thread()
        saved = review.saved if review is not None else None
        searches = saved.list() if saved is not None else []
        marks = review.marks if review is not None else None
        return overview(self.library, searches, marks, top=TOP), saved

    def action_overview(self) -> None:
        if not isinstance(self.screen, OverviewScreen):
            self.push_screen(self._overview_screen(), self._run_chosen)

    def _run_chosen(self, query: str | None) -> None:
        """Run a query chosen on the overview or the timeline in the main screen."""
        if query is None:
            return
        while len(self.screen_stack) > 1:  # e.g. the reader the overview was opened from
            self.pop_screen()
        self.query_bar.set_text(query)
        self.search_now()  # type: ignore[attr-defined]
        self.results_list.focus()

    # ------------------------------------------------------------------ saved searches

    def action_save_search(self) -> None:
        text = self.query_bar.text.strip()
        if not text:
            self.notify("Type a query first, then save it.", severity="warning")
            return
        try:
            parse_query(text)
        except QueryError as error:
            self.notify(f"Fix the query first: {error}", severity="warning", markup=False)
            return
        saved = self.review.saved if self.review is not None else None
        if saved is None:
            problem = self.review_problem or "Saved searches are not ready yet."
            self.notify(problem, severity="warning", markup=False)
            return

        def save(name: str | None) -> None:
            if name is None:
                return
            try:
                replaced = saved.get(name) is not None
                search = saved.save(name, text)
            except (ValueError, ReviewError) as error:
                self.notify(str(error), severity="warning", markup=False)
                return
            key = self.key_display()["overview"]  # type: ignore[attr-defined]
            verb = "Replaced" if replaced else "Saved"
            self.notify(f"{verb} {search.name!r}: {text}  ({key}: overview)", markup=False)

        self.push_screen(NamePrompt("Save search", f"Save the query {text}"), save)

    # ------------------------------------------------------------------ export

    def action_export(self) -> None:
        results = self.results
        if results is None or results.total == 0:
            self.notify("No results to export.", severity="warning")
            return

        folder = export_folder(self.library.archive)

        def chosen(fmt: str | None) -> None:
            if fmt is not None:
                self.export_results(results, fmt, export_path(fmt, folder))

        self.push_screen(ExportDialog(results.total, str(folder)), chosen)

    @work(thread=True, group="export", exit_on_error=False)
    def export_results(self, results: Results, fmt: str, path: Path) -> None:
        try:
            count = export_file(self.library, results, fmt, path, marks=self._marks_in_thread())
        except (OSError, ValueError) as error:
            self.call_from_thread(
                self.notify, str(error), title="Export failed", severity="error", markup=False
            )
            return
        posts = f"{count:,} post" + ("" if count == 1 else "s")
        self.call_from_thread(
            self.notify, str(path.resolve()), title=f"Exported {posts}", timeout=10, markup=False
        )

    # ------------------------------------------------------------------ timeline

    def action_timeline(self) -> None:
        if self.results is None or isinstance(self.screen, TimelineScreen):
            return
        self.push_screen(TimelineScreen(self.results, self.query_text), self._run_chosen)

"""The review features beyond marks, for the main screen: the overview, saving the query under a
name, exporting the results, the timeline. Each is a command of the table in commands.py (so its
key, footer, palette and help entries come from there).

Whatever reads the review file or the index runs in a thread worker; what comes back from the
overview or the timeline is a query, run in the main screen."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from vidbrowse.core.library.library import Library
from vidbrowse.core.query.language import QueryError, parse_query
from vidbrowse.core.query.search import Results
from vidbrowse.core.reports.export import export_file, export_path
from vidbrowse.core.reports.overview import Overview, overview
from vidbrowse.core.review.searches import SavedSearches
from vidbrowse.core.review.state import ReviewError
from vidbrowse.tui.review_file import ReviewFile
from vidbrowse.tui.screens.dialogs import ExportDialog, NamePrompt
from vidbrowse.tui.screens.overview import OverviewScreen
from vidbrowse.tui.screens.timeline import TimelineScreen

if TYPE_CHECKING:
    from vidbrowse.tui.screens.main import MainScreen

TOP = 12  # tags, channels and categories on the overview


def export_folder(archive: Path) -> Path:
    """Where the app writes exports: the current folder, unless that is inside the archive
    (vidbrowse never writes there; it is the default archive when none is given), then home."""
    here = Path.cwd().resolve()
    return Path.home() if here.is_relative_to(archive.resolve()) else here


class ReviewActions:
    def __init__(
        self,
        screen: MainScreen,
        library: Library,
        review: ReviewFile,
        key_display: Callable[[], dict[str, str]],
    ) -> None:
        """`screen`: the main screen (its query and results; it runs what is chosen here)."""
        self.screen = screen
        self.library = library
        self.review = review
        self.key_display = key_display

    def start(self, *, overview_first: bool) -> None:
        """Once the main screen shows: the overview over it when asked (no query given)."""
        if overview_first:
            self.screen.app.push_screen(self._overview_screen(leave_if_empty=True), self._run)
        self.screen.watch(self.screen.update_row, "updating", self._recount_after_update)

    def _recount_after_update(self, was_updating: bool, updating: bool) -> None:
        """An overview shown while the index was being updated (e.g. the first screen) counted
        the old index: count again once the update is over."""
        if was_updating and not updating:
            for screen in self.screen.app.screen_stack:
                if isinstance(screen, OverviewScreen):
                    screen.reload()

    def _run(self, query: str | None) -> None:
        """Run a query chosen on the overview or the timeline in the main screen."""
        if query is None:
            return
        app = self.screen.app
        while app.screen is not self.screen:  # e.g. the reader the overview was opened from
            app.pop_screen()
        self.screen.query_bar.set_text(query)
        self.screen.search_now()
        self.screen.results_list.focus()

    # ------------------------------------------------------------------ overview

    def _overview_screen(self, *, leave_if_empty: bool = False) -> OverviewScreen:
        return OverviewScreen(
            self._compute_overview,
            title=f"vidbrowse  {self.library.archive.name}",
            save_key=self.key_display()["save_search"],
            leave_if_empty=leave_if_empty,
        )

    def _compute_overview(self) -> tuple[Overview, SavedSearches | None]:
        review = self.review.open()  # in the overview's thread worker
        saved = review.saved if review is not None else None
        searches = saved.list() if saved is not None else []
        marks = review.marks if review is not None else None
        return overview(self.library, searches, marks, top=TOP), saved

    def overview(self) -> None:
        if not isinstance(self.screen.app.screen, OverviewScreen):
            self.screen.app.push_screen(self._overview_screen(), self._run)

    # ------------------------------------------------------------------ saved searches

    def save_search(self) -> None:
        notify = self.screen.notify
        text = self.screen.query_bar.text.strip()
        if not text:
            notify("Type a query first, then save it.", severity="warning")
            return
        try:
            parse_query(text)
        except QueryError as error:
            notify(f"Fix the query first: {error}", severity="warning", markup=False)
            return
        saved = self.review.saved
        if saved is None:
            problem = self.review.problem or "Saved searches are not ready yet."
            notify(problem, severity="warning", markup=False)
            return

        def save(name: str | None) -> None:
            if name is None:
                return
            try:
                replaced = saved.get(name) is not None
                search = saved.save(name, text)
            except (ValueError, ReviewError) as error:
                notify(str(error), severity="warning", markup=False)
                return
            key = self.key_display()["overview"]
            verb = "Replaced" if replaced else "Saved"
            notify(f"{verb} {search.name!r}: {text}  ({key}: overview)", markup=False)

        self.screen.app.push_screen(NamePrompt("Save search", f"Save the query {text}"), save)

    # ------------------------------------------------------------------ export

    def export(self) -> None:
        """The results, or the selection when there is one."""
        picked = self.screen.posts.selected()
        results = picked if picked is not None else self.screen.results
        if results is None or results.total == 0:
            self.screen.notify("No results to export.", severity="warning")
            return
        what = "selected" if picked is not None else "shown"
        folder = export_folder(self.library.archive)

        def chosen(fmt: str | None) -> None:
            if fmt is not None:
                path = export_path(fmt, folder, query=results.query.text)
                export = partial(self._export, results, fmt, path, what)
                self.screen.run_worker(export, thread=True, group="export", exit_on_error=False)

        self.screen.app.push_screen(ExportDialog(results.total, str(folder), what), chosen)

    def _export(self, results: Results, fmt: str, path: Path, what: str) -> None:
        """In a thread worker."""
        app = self.screen.app
        review = self.review.open()
        marks = review.marks if review is not None else None
        try:
            count = export_file(self.library, results, fmt, path, marks=marks)
        except (OSError, ValueError) as error:
            app.call_from_thread(
                app.notify, str(error), title="Export failed", severity="error", markup=False
            )
            return
        posts = f"{count:,} {'selected ' if what == 'selected' else ''}post" + (
            "" if count == 1 else "s"
        )
        app.call_from_thread(
            app.notify, str(path.resolve()), title=f"Exported {posts}", timeout=10, markup=False
        )

    # ------------------------------------------------------------------ timeline

    def timeline(self) -> None:
        screen = self.screen
        if screen.results is None or isinstance(screen.app.screen, TimelineScreen):
            return
        screen.app.push_screen(TimelineScreen(screen.results, screen.query_text), self._run)

"""The main screen: a query bar, a filter pane, the results list and the detail of one post.

The query string is the single source of truth: facets rewrite it, and every change of it (or of
the sort) runs one search in a worker thread; results of an outdated search are dropped. What acts
on the highlighted post (marks, notes, URLs) and the review features (overview, saved searches,
export, timeline) are collaborators this screen holds: `PostActions` and `ReviewActions`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from vidbrowse.core.archive.post import Post
from vidbrowse.core.display import printable
from vidbrowse.core.library.library import Library
from vidbrowse.core.options import SORT_KEYS
from vidbrowse.core.query.language import ParsedQuery, QueryError, format_value
from vidbrowse.core.query.search import Results, Row
from vidbrowse.core.reports.health import never_known
from vidbrowse.tui.commands import MAIN, bindings
from vidbrowse.tui.facet_filters import FacetFilters
from vidbrowse.tui.post_actions import PostActions
from vidbrowse.tui.review import ReviewActions
from vidbrowse.tui.review_file import ReviewFile
from vidbrowse.tui.screens.columns import ColumnChoice, ColumnsDialog
from vidbrowse.tui.screens.reader import ReaderScreen
from vidbrowse.tui.terms import TermMatcher
from vidbrowse.tui.widgets.correction import CorrectionBanner
from vidbrowse.tui.widgets.detail import DetailView, Rendered, render_post
from vidbrowse.tui.widgets.facets import FacetPane
from vidbrowse.tui.widgets.footer import Footer
from vidbrowse.tui.widgets.query_bar import QueryBar
from vidbrowse.tui.widgets.results import ResultsList
from vidbrowse.tui.widgets.update_row import UpdateRow, describe

WIDE = 150  # columns from which the detail pane goes to the right of the list
NARROW = 100
FACET_LIMIT = 50


def next_sort(current: str | None, query: str, blank: frozenset[str] = frozenset()) -> str:
    """The sort after `current` (SORT_KEYS' order); relevance only for a query with words, and
    no key that no post has a value for (`blank`: a Dailymotion export has no views)."""
    try:
        words = ParsedQuery.parse(query).ranked
    except QueryError:
        words = False
    keys = [key for key in SORT_KEYS if (words or key != "relevance") and key not in blank]
    current = current or SORT_KEYS[0]
    position = keys.index(current) if current in keys else -1
    return keys[(position + 1) % len(keys)]


def status_line(
    results: Results | None, *, indexing: bool, selected: int = 0, stale: bool = False
) -> Text:
    """The line over the list: how many posts, their order, how many are selected, whether the
    index is growing; `stale`: the query bar holds a malformed query, so say which query the
    rows answer."""
    status = Text()
    if stale and results is not None:
        shown = printable(results.query.text.strip())
        status.append(f'showing results of "{shown}"' if shown else "showing every post")
        status.append("  ·  ")
    if results is not None:
        status.append(f"{results.total:,}", style="bold")
        status.append(" post" if results.total == 1 else " posts")
        status.append(f"  ·  sorted by {results.sort} {'↑' if results.reverse else '↓'}")
    if selected:
        status.append(f"  ·  {selected:,} selected", style="bold")
    if indexing:
        status.append("  ·  indexing, results grow", style="italic")
    return status


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(MAIN))
    AUTO_FOCUS = "#results"  # not the query bar, the first focusable widget

    def __init__(
        self,
        library: Library,
        review: ReviewFile,
        *,
        query: str,
        sort: str | None,
        reverse: bool,
        debounce: float,
        needs_update: bool,
        overview_first: bool,
        key_display: Callable[[], dict[str, str]],
        columns: ColumnChoice,
    ) -> None:
        """`overview_first`: show the overview over this screen at start (no query given);
        `key_display()` gives each command's keys as shown (config's keymap included);
        `columns`: the results' columns, and where a choice of them is remembered."""
        super().__init__()
        self.library = library
        self.review = review
        self.initial_query = query
        self.sort = sort
        self.reverse = reverse
        self.debounce = debounce
        self.needs_update = needs_update
        self.overview_first = overview_first
        self.results: Results | None = None
        self.query_text = query  # the query the shown results answer
        self.matcher: TermMatcher | None = None
        self.generation = 0  # bumped per search; results of an older one are dropped
        self.post: Post | None = None  # the loaded post of the highlighted row
        self._debounce: Timer | None = None
        self.exact_query: str | None = None  # searched as typed: its correction was declined
        # (the query before, the query `M` wrote, its post) per `M`: Esc on the list goes back.
        self.before_similar: list[tuple[str, str, Row]] = []
        self.filters = FacetFilters(self)
        self.posts = PostActions(self, review)
        self.reviewing = ReviewActions(self, library, review, key_display)
        self.columns = columns

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        # Kept as attributes, not looked up: the reader forwards commands here.
        self.query_bar = QueryBar(id="query")
        self.update_row = UpdateRow(self.library, pending=self.needs_update, id="update")
        self.facet_pane = FacetPane(id="facets")
        self.status = Static(id="results-status")
        self.correction = CorrectionBanner(id="correction")
        header = Static(id="results-columns")
        self.results_list = ResultsList(header=header, id="results")
        self.results_list.marker = self.posts.marker
        self.results_list.column_names = self.columns.names
        self.detail = DetailView(id="detail")
        yield self.query_bar
        yield self.update_row
        with Horizontal(id="main") as self.main_area:
            yield self.facet_pane
            with Vertical(id="right"):
                with Vertical(id="results-pane"):
                    yield self.correction
                    yield self.status
                    yield header
                    yield self.results_list
                yield self.detail
        yield Footer()

    def on_mount(self) -> None:
        self.query_bar.set_text(self.initial_query)
        self.results_list.focus()
        self.detail.show_nothing("")
        # The first search runs here, not in a worker: the screen is then laid out and painted
        # once, with the rows, instead of empty and again with them (~50 ms of CPU at 120x40).
        self.generation += 1
        self._answer(self.query_bar.text, self.sort, self.reverse, self.generation, None)()
        self.update_row.begin()  # started once the first search has answered…
        if self.needs_update and self.library.is_empty():
            self.update_row.start()  # …unless nothing is indexed: there is nothing to draw first
        self.reviewing.start(overview_first=self.overview_first)

    def on_resize(self, event: Resize) -> None:
        main = self.main_area
        main.set_class(event.size.width >= WIDE, "-wide")
        main.set_class(event.size.width < NARROW, "-narrow")

    # ------------------------------------------------------------------ searching

    @on(Input.Changed, "#query-input")
    def _query_typed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(self.debounce, self.search_now)

    @on(Input.Submitted, "#query-input")
    def _query_submitted(self) -> None:
        self.search_now()
        self.results_list.focus()

    def search_now(self, *, keep_row: Row | None = None) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self.generation += 1
        self.run_search(self.query_bar.text, self.sort, self.reverse, self.generation, keep_row)

    @work(thread=True, exclusive=True, group="search")
    def run_search(
        self, text: str, sort: str | None, reverse: bool, generation: int, keep_row: Row | None
    ) -> None:
        show = self._answer(text, sort, reverse, generation, keep_row)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(show)

    def _answer(
        self, text: str, sort: str | None, reverse: bool, generation: int, keep_row: Row | None
    ) -> Callable[[], None]:
        """Search; what then shows the outcome, to call on the app's thread."""
        review = self.review.open()  # the first search opens the marks (`is:starred`…)
        marks = review.marks if review is not None else None
        search = partial(
            self.library.search, sort=sort, reverse=reverse, facet_limit=FACET_LIMIT, marks=marks
        )
        try:
            results = search(text)
            typed = None
            # A typo corrected, unless the user asked for what was typed (the banner).
            if text != self.exact_query:
                corrected = self.library.correction(results.query, results.total)
                if corrected is not None:
                    typed, text = (text, results.total), corrected
                    results = search(text)
        except QueryError as error:
            return partial(self._show_error, generation, error)
        except Exception as error:  # the index may be mid-rebuild or damaged: say so, go on
            return partial(self._show_failure, generation, error)
        return partial(self._show_results, generation, results, keep_row, typed)

    def _show_error(self, generation: int, error: QueryError) -> None:
        self.update_row.start_soon()
        if generation == self.generation:  # the last good results stay on screen
            self.query_bar.show_error(error)
            self.show_status()

    def _show_failure(self, generation: int, error: Exception) -> None:
        self.update_row.start_soon()
        if generation == self.generation:
            self.status.update(Text(f"Search failed: {error}"))

    def _show_results(
        self,
        generation: int,
        results: Results,
        keep_row: Row | None,
        typed: tuple[str, int] | None = None,
    ) -> None:
        """`typed`: (what was typed, the posts it found) when the results are its correction's."""
        if generation != self.generation:
            self.update_row.start_soon()
            return
        self.results = results
        text, before = results.query.text, self.query_text
        self.query_text = text
        self._follow_selection(results, changed=text != before)
        if typed is None:
            self.correction.hide()
        else:
            self.correction.show(*typed, text)
        self.query_bar.show_error(None)
        self.matcher = TermMatcher.from_terms(results.query.terms)
        self.show_status()
        # The list is what the user waits for; the facet lists are rebuilt after it is drawn.
        self.call_after_refresh(self.filters.show)
        self.call_after_refresh(self.update_row.start_soon)
        listing = self.results_list
        if self.update_row.updating or self.update_row.pending:  # pending: the first build
            listing.empty_message = "Indexing… posts appear here as they are indexed."
        elif text.strip():
            listing.empty_message = "No posts match this query."
        else:
            listing.empty_message = "This archive has no posts (or none could be read)."
        listing.show(results, keep_row=keep_row)

    def show_status(self) -> None:
        indexing = self.update_row.updating and self.update_row.shown
        selected = len(self.posts.selection)
        stale = self.query_bar.has_error
        self.status.set_class(stale, "-stale")
        self.status.update(
            status_line(self.results, indexing=indexing, selected=selected, stale=stale)
        )

    def _follow_selection(self, results: Results, *, changed: bool) -> None:
        """A new query clears the selection (it was of the posts another query showed: acting
        on posts out of sight would surprise); the same one searched again keeps it."""
        selection = self.posts.selection
        if not len(selection):
            return
        if changed:
            count = selection.clear()
            posts = f"{count:,} post" + ("" if count == 1 else "s")
            self.notify(f"Selection cleared ({posts}): the query changed.")
        else:
            selection.keep(results)

    @on(CorrectionBanner.Declined)
    def _search_as_typed(self) -> None:
        self.exact_query = self.query_bar.text
        self.search_now()
        self.results_list.focus()

    # ------------------------------------------------------------------ the highlighted post

    @on(ResultsList.Highlighted)
    def _row_highlighted(self, event: ResultsList.Highlighted) -> None:
        self.post = None
        if event.row is None:
            self.detail.show_nothing("")
            return
        self.detail.show_row(event.row, self.matcher, self.review.mark(event.row))
        self.load_post(event.row)

    @work(thread=True, exclusive=True, group="post")
    def load_post(self, row: Row) -> None:
        try:
            post = self.library.post(row.path)
        except Exception:  # an unreadable store entry reads as "no longer there"
            post = None
        post = self.still_there(row, post)
        rendered = render_post(row, post, self.matcher, self.review.mark(row))
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_post, row, post, rendered)

    def still_there(self, row: Row, post: Post | None) -> Post | None:
        """None when the post's file was deleted since the last update: say so, show no ghost."""
        return post if post is not None and (self.library.archive / row.path).is_file() else None

    def _show_post(self, row: Row, post: Post | None, rendered: Rendered) -> None:
        if self.results_list.current != row:
            return
        self.post = post
        self.detail.show(rendered)

    def current_post(self) -> Post | None:
        row = self.results_list.current
        if row is None:
            return None
        if self.post is not None and self.post.path == row.path:
            return self.post
        return self.library.post(row.path)

    @on(ResultsList.Chosen)
    def action_read(self) -> None:
        row = self.results_list.current
        if row is None or not self.is_active:
            return
        self.app.push_screen(ReaderScreen(self, row, self.reading(row)))

    def reading(self, row: Row) -> Rendered:
        """The highlighted post, marked read, rendered for the reader."""
        post = self.still_there(row, self.current_post())
        self.posts.mark_read_quietly(row)
        return render_post(row, post, self.matcher, self.review.mark(row))

    # ------------------------------------------------------------------ commands

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_query" and self.focused is self.query_bar.input:
            return False  # `/` is text there (its binding has priority over the query bar)
        return super().check_action(action, parameters)

    def action_cycle_sort(self) -> None:
        results = self.results
        current = results.sort if results is not None else self.sort
        blank = never_known(results.columns if results is not None else None)
        self.sort = next_sort(current, self.query_bar.text, blank)
        self.search_now()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self.search_now()

    def action_focus_query(self) -> None:
        while not self.is_active:  # from the reader over this screen
            self.app.pop_screen()
        # At once, not later as `focus()` does: keys queued behind `/` (a paste, a laggy
        # link) must reach the query bar, not run as commands.
        self.set_focus(self.query_bar.input)

    def action_focus_tags(self) -> None:
        if self.is_active:
            self.facet_pane.list_for("tag").focus()

    def action_back(self) -> None:
        if self.focused is not self.results_list:
            self.results_list.focus()
            return
        if self.before_similar:
            before, wrote, row = self.before_similar.pop()
            if wrote == self.query_bar.text:
                self.query_bar.set_text(before)
                self.search_now(keep_row=row)
                return
            self.before_similar.clear()  # the query moved on since `M`: no going back

    def action_similar(self) -> None:
        row = self.results_list.current
        if row is None:
            return
        while not self.is_active:  # from the reader over this screen
            self.app.pop_screen()
        text = f"similar:{format_value(row.vid_id or row.path)}"
        self.before_similar.append((self.query_bar.text, text, row))
        self.query_bar.set_text(text)
        self.search_now()
        self.results_list.focus()

    @on(FacetPane.Toggled)
    def _facet_toggled(self, event: FacetPane.Toggled) -> None:
        self.filters.toggled(event.field, event.value, event.selected)

    @on(FacetPane.ModeToggled)
    def action_toggle_mode(self) -> None:
        self.filters.toggle_mode()

    def action_clear_filters(self) -> None:
        self.filters.clear()

    def action_next_unread(self) -> None:
        self.posts.to_unread(1)

    def action_previous_unread(self) -> None:
        self.posts.to_unread(-1)

    def action_toggle_selection(self) -> None:
        self.posts.toggle_selection()

    def action_select_all(self) -> None:
        self.posts.select_all()

    def action_clear_selection(self) -> None:
        self.posts.clear_selection()

    def action_undo(self) -> None:
        self.posts.undo()

    def action_choose_columns(self) -> None:
        def chosen(names: tuple[str, ...] | None) -> None:
            if names is not None:
                self.results_list.choose_columns(names)
                self.notify(self.columns.remember(names), markup=False)

        self.app.push_screen(ColumnsDialog(self.results_list.column_names), chosen)

    def action_toggle_star(self) -> None:
        self.posts.toggle_star()

    def action_toggle_read(self) -> None:
        self.posts.toggle_read()

    def action_edit_note(self) -> None:
        self.posts.edit_note()

    def action_copy_url(self) -> None:
        self.posts.copy_url()

    def action_open_url(self) -> None:
        self.posts.open_url()

    def action_links(self) -> None:
        self.posts.pick_link()

    def action_save_search(self) -> None:
        self.reviewing.save_search()

    def action_export(self) -> None:
        self.reviewing.export()

    def action_timeline(self) -> None:
        self.reviewing.timeline()

    # ------------------------------------------------------------------ background indexing

    @on(UpdateRow.Shown)
    def _update_shown(self) -> None:
        self.show_status()

    @on(UpdateRow.Committed)
    def _update_committed(self) -> None:
        self.search_now(keep_row=self.results_list.current)

    @on(UpdateRow.Finished)
    def _update_finished(self, event: UpdateRow.Finished) -> None:
        self.show_status()
        if event.summary is None:
            self.notify(str(event.error), title="Indexing stopped", severity="error", timeout=10)
            return
        # Even with nothing changed here, the library may have caught up with another
        # process's commit: searching again costs milliseconds.
        self.search_now(keep_row=self.results_list.current)
        if (note := describe(event.summary)) is not None:
            self.notify(note, title="Index up to date")
        elif event.asked:
            self.notify(f"Already up to date: {event.summary.posts:,} posts indexed.")

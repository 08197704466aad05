"""The vidbrowse TUI: a query bar, a filter pane, the results list and the detail of one post.

The query string is the single source of truth: facets rewrite it, and every change of it (or of
the sort) runs one search in a worker thread; results of an outdated search are dropped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, OptionList, ProgressBar, Static
from textual.worker import get_current_worker

from vidbrowse.core.archive.post import Post
from vidbrowse.core.library.library import Library, Progress, UpdateSummary
from vidbrowse.core.options import SORT_KEYS
from vidbrowse.core.query.language import (
    QueryError,
    has_words,
    parse_query,
    positive_terms,
    selected_facets,
    with_facets,
)
from vidbrowse.core.query.search import Results, Row
from vidbrowse.core.review.config import Config, load_config
from vidbrowse.core.review.marks import Mark, Marks
from vidbrowse.core.review.settings import Settings, load_settings, save_settings
from vidbrowse.core.review.state import Review, ReviewError
from vidbrowse.tui.commands import BINDINGS, COMMANDS, VidbrowseCommands
from vidbrowse.tui.review import ReviewActions
from vidbrowse.tui.screens import HelpScreen, NoteScreen, ReaderScreen
from vidbrowse.tui.terms import TermMatcher
from vidbrowse.tui.widgets.detail import DetailView, render_post
from vidbrowse.tui.widgets.facets import FacetPane
from vidbrowse.tui.widgets.footer import Footer
from vidbrowse.tui.widgets.query_bar import QueryBar
from vidbrowse.tui.widgets.results import ResultsList

DEBOUNCE = 0.15  # seconds of typing quiet before a search runs (config: debounce_ms)
UPDATE_AFTER = 0.3  # seconds after the first results are drawn before the background update
SHOW_CHECK_AFTER = 0.5  # seconds before a still-running update shows its progress row
PROGRESS_EVERY = 0.1  # seconds between progress bar updates from the indexing thread
WIDE = 150  # columns from which the detail pane goes to the right of the list
NARROW = 100
FACET_LIMIT = 50
PHASES = {
    "wait": "Waiting for another vidbrowse to finish indexing…",
    "scan": "Scanning the archive…",
    "parse": "Reading posts…",
    "index": "Indexing words…",
    "commit": "Saving…",
}
COMMAND_IDS = frozenset(command.id for command in COMMANDS)
MODE_OF = {"and": "all", "or": "any"}
WEB_SCHEMES = ("http://", "https://")


def _same_value(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


class VidbrowseApp(ReviewActions):
    CSS_PATH = "vidbrowse.tcss"
    TITLE = "vidbrowse"
    BINDINGS = BINDINGS
    COMMANDS = App.COMMANDS | {VidbrowseCommands}

    def __init__(
        self,
        library: Library,
        *,
        query: str = "",
        needs_update: bool = True,
        config: Config | None = None,
    ) -> None:
        super().__init__()
        self.library = library
        self.initial_query = query
        self.needs_update = needs_update
        # What config.toml sets wins; what it leaves out comes from the remembered settings.
        config = config if config is not None else load_config()
        self.settings: Settings = load_settings()
        self.config_problems = [*config.errors, *config.keymap_errors(c.id for c in COMMANDS)]
        theme = config.theme or self.settings.theme
        if theme in self.available_themes:
            self.theme = theme
        else:
            self.config_problems.append(f"theme {theme!r} is not a Textual theme; ignored")
        sort = config.sort or self.settings.sort
        self.sort: str | None = sort if sort in SORT_KEYS else None
        self.reverse = config.reverse if config.reverse is not None else self.settings.reverse
        self.debounce = DEBOUNCE if config.debounce_ms is None else config.debounce_ms / 1000
        self.set_keymap({k: v for k, v in config.keymap.items() if k in COMMAND_IDS})
        self.results: Results | None = None
        self.query_text = query  # the query the shown results answer
        self.matcher: TermMatcher | None = None
        self.facet_mode = "and"  # for the next tag/category ticked when none is selected yet
        self.generation = 0  # bumped per search; results of an older one are dropped
        self.post: Post | None = None  # the loaded post of the highlighted row
        self.updating = False
        self._debounce: Timer | None = None
        self._last_progress = 0.0
        self.review: Review | None = None  # marks and notes: see _marks()
        self.review_problem: str | None = None
        self._review_lock = threading.Lock()

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        # The widgets are kept as attributes, not looked up: `App.query_one` searches the
        # active screen, which is the reader or the help while they are open.
        self.query_bar = QueryBar(id="query")
        self.update_bar = ProgressBar(show_eta=False, id="update-bar")
        self.update_label = Static(id="update-label")
        self.update_row = Horizontal(self.update_bar, self.update_label, id="update")
        self.facet_pane = FacetPane(id="facets")
        self.status = Static(id="results-status")
        header = Static(id="results-columns")
        self.results_list = ResultsList(header=header, id="results")
        self.results_list.marker = self._marker
        self.detail = DetailView(id="detail")
        yield self.query_bar
        yield self.update_row
        with Horizontal(id="main") as self.main_area:
            yield self.facet_pane
            with Vertical(id="right"):
                with Vertical(id="results-pane"):
                    yield self.status
                    yield header
                    yield self.results_list
                yield self.detail
        yield Footer()

    def on_mount(self) -> None:
        for problem in self.config_problems:
            self.notify(problem, title="config.toml", severity="warning", timeout=10)
        self.query_bar.set_text(self.initial_query)
        self.results_list.focus()
        self.detail.show_nothing("")
        # The first search runs here, not in a worker: the screen is then laid out and painted
        # once, with the rows, instead of empty and again with them (~50 ms of CPU at 120x40).
        self.generation += 1
        self._answer(self.query_bar.text, self.sort, self.reverse, self.generation, None)()
        self.updating = self.needs_update  # started once the first search has answered…
        if self.needs_update and self.library.is_empty():
            self._start_update()  # …unless nothing is indexed: then there is nothing to draw first

    def _start_update(self) -> None:
        """Shortly after the first search (whatever its outcome): the update's scan holds the
        interpreter for a while and would otherwise delay drawing the first results."""
        if not self.needs_update:
            return
        self.needs_update = False
        self.update_label.update(Text("Checking the archive for changes…"))
        # A no-change check is quick: the progress row only shows when it is not.
        self.set_timer(SHOW_CHECK_AFTER, self._show_update_row)
        self.update_index()

    def _update_soon(self) -> None:
        """Start the update a little after the screen showing the first answer is drawn: timed
        from the answer instead, a slow first paint (a busy machine) met the scan half-way.
        After the first results, called once their facets are set: the update waits for the
        screen drawing those too."""
        if self.needs_update:
            self.call_after_refresh(self.set_timer, UPDATE_AFTER, self._start_update)

    def _show_update_row(self) -> None:
        if self.updating:
            self.update_row.add_class("-active")
            self._show_status()

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
            self.call_from_thread(show)

    def _answer(
        self, text: str, sort: str | None, reverse: bool, generation: int, keep_row: Row | None
    ) -> Callable[[], None]:
        """Search; what then shows the outcome, to call on the app's thread."""
        try:
            results = self.library.search(
                text, sort=sort, reverse=reverse, facet_limit=FACET_LIMIT, marks=self._marks()
            )
        except QueryError as error:
            return partial(self._show_error, generation, error)
        except Exception as error:  # the index may be mid-rebuild or damaged: say so, go on
            return partial(self._show_failure, generation, error)
        return partial(self._show_results, generation, text, results, keep_row)

    def _show_error(self, generation: int, error: QueryError) -> None:
        self._update_soon()
        if generation == self.generation:  # the last good results stay on screen
            self.query_bar.show_error(error)

    def _show_failure(self, generation: int, error: Exception) -> None:
        self._update_soon()
        if generation == self.generation:
            self.status.update(Text(f"Search failed: {error}"))

    def _show_results(
        self, generation: int, text: str, results: Results, keep_row: Row | None
    ) -> None:
        if generation != self.generation:
            self._update_soon()
            return
        self.results = results
        self.query_text = text
        self.query_bar.show_error(None)
        try:
            self.matcher = TermMatcher.from_terms(positive_terms(parse_query(text)))
        except QueryError:
            self.matcher = None
        self._show_status()
        # The list is what the user waits for; the facet lists are rebuilt after it is drawn.
        self.call_after_refresh(self._show_facets)
        self.call_after_refresh(self._update_soon)
        listing = self.results_list
        if self.updating:
            listing.empty_message = "Indexing… posts appear here as they are indexed."
        elif text.strip():
            listing.empty_message = "No posts match this query."
        else:
            listing.empty_message = "This archive has no posts (or none could be read)."
        listing.show(results, keep_row=keep_row)

    def _show_status(self) -> None:
        status = Text()
        if self.results is not None:
            results = self.results
            status.append(f"{results.total:,}", style="bold")
            status.append(" post" if results.total == 1 else " posts")
            status.append(f"  ·  sorted by {results.sort} {'↑' if results.reverse else '↓'}")
        if self.updating and self.update_row.has_class("-active"):
            status.append("  ·  indexing, results grow", style="italic")
        self.status.update(status)

    def _show_facets(self) -> None:
        if self.results is None:
            return
        chosen = selected_facets(self.query_text)
        selected: dict[str, set[str]] = {}
        facets = self.results.facets
        for field, selection in chosen.items():
            # Show the value as the facet counts spell it, whatever case the query used.
            spelled = {value.casefold(): value for value, _count in facets.get(field, [])}
            selected[field] = {spelled.get(v.casefold(), v) for v in selection.values}
        modes = [selection.mode for selection in chosen.values() if len(selection.values) > 1]
        if modes:
            self.facet_mode = modes[0]
        self.facet_pane.show(facets, selected, MODE_OF[self.facet_mode])

    # ------------------------------------------------------------------ facets

    @on(FacetPane.Toggled)
    def _facet_toggled(self, event: FacetPane.Toggled) -> None:
        text = self.query_bar.text
        current = selected_facets(text).get(event.field)
        values = [v for v in (current.values if current else ()) if not _same_value(v, event.value)]
        if event.selected:
            values.append(event.value)
        # A post has one channel: two channels can only mean either of them.
        mode = "or" if event.field == "channel" else current.mode if current else self.facet_mode
        self._rewrite(event.field, values, mode)

    def _rewrite(self, field: str, values: list[str], mode: str) -> None:
        try:
            text = with_facets(self.query_bar.text, field, values, mode)
        except (QueryError, ValueError) as error:
            self.notify(f"Fix the query first: {error}", severity="warning")
            self._show_facets()
            return
        self.query_bar.set_text(text)
        self.search_now()

    @on(FacetPane.ModeToggled)
    def action_toggle_mode(self) -> None:
        self.facet_mode = "or" if self.facet_mode == "and" else "and"
        chosen = selected_facets(self.query_bar.text)
        rewritten = False
        for field, selection in chosen.items():
            if len(selection.values) > 1:
                self._rewrite(field, list(selection.values), self.facet_mode)
                rewritten = True
        if not rewritten:
            self._show_facets()
            self.notify(f"Tags and categories will match {MODE_OF[self.facet_mode]}.")

    def action_clear_filters(self) -> None:
        text = self.query_bar.text
        try:
            for field in selected_facets(text):
                text = with_facets(text, field, [], "and")
        except (QueryError, ValueError) as error:
            self.notify(f"Fix the query first: {error}", severity="warning")
            return
        self.query_bar.set_text(text)
        self.search_now()

    # ------------------------------------------------------------------ the highlighted post

    @on(ResultsList.Highlighted)
    def _row_highlighted(self, event: ResultsList.Highlighted) -> None:
        self.post = None
        detail = self.detail
        if event.row is None:
            detail.show_nothing("")
            return
        detail.show_row(event.row, self.matcher, self._mark(event.row))
        self.load_post(event.row)

    @work(thread=True, exclusive=True, group="post")
    def load_post(self, row: Row) -> None:
        try:
            post = self.library.post(row.path)
        except Exception:  # an unreadable store entry reads as "no longer there"
            post = None
        post = self._still_there(row, post)
        rendered = render_post(row, post, self.matcher, self._mark(row))
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_post, row, post, rendered)

    def _still_there(self, row: Row, post: Post | None) -> Post | None:
        """None when the post's file was deleted since the last update: say so, show no ghost."""
        return post if post is not None and (self.library.archive / row.path).is_file() else None

    def _show_post(self, row: Row, post: Post | None, rendered: tuple[Text, Text]) -> None:
        if self.results_list.current != row:
            return
        self.post = post
        self.detail.show(rendered)

    def _current_post(self) -> Post | None:
        row = self.results_list.current
        if row is None:
            return None
        if self.post is not None and self.post.path == row.path:
            return self.post
        return self.library.post(row.path)

    @on(ResultsList.Chosen)
    def action_read(self) -> None:
        row = self.results_list.current
        if row is None or isinstance(self.screen, ReaderScreen):
            return
        post = self._still_there(row, self._current_post())
        if self._change_mark(row, lambda marks: marks.mark_read(row), quiet=True):
            self.search_now(keep_row=row)  # `is:unread` may no longer hold
        self.push_screen(ReaderScreen(row, render_post(row, post, self.matcher, self._mark(row))))

    # ------------------------------------------------------------------ marks and notes

    def _marks(self) -> Marks | None:
        """The archive's marks, opened on first use (by a search, in any thread).
        Without them vidbrowse still works; `is:starred` then finds nothing."""
        with self._review_lock:
            if self.review is None and self.review_problem is None:
                try:
                    self.review = Review.open(self.library.archive)
                except ReviewError as error:
                    self.review_problem = str(error)
                    self.notify(f"Marks and notes are off: {error}", severity="warning")
            return self.review.marks if self.review is not None else None

    def _mark(self, row: Row) -> Mark | None:
        marks = self.review.marks if self.review is not None else None
        return marks.get(row) if marks is not None else None

    def _marker(self, row: Row) -> str:
        """Three flag cells before the title: starred, noted, unread (like mutt's N)."""
        mark = self._mark(row)
        if mark is None:
            return ""
        starred, noted = "★" if mark.starred else " ", "✎" if mark.note else " "
        return f"{starred}{noted}{' ' if mark.read else '•'} "

    def _change_mark(
        self, row: Row, change: Callable[[Marks], Mark], *, quiet: bool = False
    ) -> Mark | None:
        """Apply a change to a row's mark and redraw what shows it; None when marks are off."""
        marks = self.review.marks if self.review is not None else None
        if marks is None:
            if not quiet:
                self.notify(self.review_problem or "Marks are not ready yet.", severity="warning")
            return None
        try:
            mark = change(marks)
        except ReviewError as error:
            self.notify(f"Could not save: {error}", severity="error")
            return None
        self.results_list.refresh()
        self.detail.show_row(row, self.matcher, mark)
        self.load_post(row)
        if isinstance(self.screen, ReaderScreen) and self.screen.row == row:
            self.screen.view.show(render_post(row, self.post, self.matcher, mark))
        return mark

    def _after_mark(self, row: Row, mark: Mark | None, message: str) -> None:
        if mark is not None:
            self.notify(message)
            self.search_now(keep_row=row)  # the query may test marks (is:, has:, note:)

    def action_toggle_star(self) -> None:
        if (row := self.results_list.current) is not None:
            mark = self._change_mark(row, lambda marks: marks.toggle_star(row))
            self._after_mark(row, mark, "Starred." if mark and mark.starred else "Unstarred.")

    def action_toggle_read(self) -> None:
        if (row := self.results_list.current) is not None:
            mark = self._change_mark(row, lambda marks: marks.toggle_read(row))
            self._after_mark(row, mark, "Marked read." if mark and mark.read else "Marked unread.")

    def action_edit_note(self) -> None:
        row = self.results_list.current
        if row is None or self._mark(row) is None:
            if row is not None:
                self.notify(self.review_problem or "Marks are not ready yet.", severity="warning")
            return
        current = self._mark(row)

        def save(note: str | None) -> None:
            if note is not None:
                mark = self._change_mark(row, lambda marks: marks.set_note(row, note))
                self._after_mark(row, mark, "Note saved." if note.strip() else "Note removed.")

        self.push_screen(NoteScreen(row.title, current.note if current else ""), save)

    def _url(self) -> str | None:
        post = self._current_post()
        if post is None:
            self.notify("No post is highlighted.", severity="warning")
            return None
        if not post.url:
            self.notify("This post has no URL.", severity="warning")
            return None
        return post.url

    def action_copy_url(self) -> None:
        url = self._url()
        if url is not None:
            self.copy_to_clipboard(url)
            self.notify(url, title="URL copied")

    def action_open_url(self) -> None:
        url = self._url()
        if url is None:
            return
        if not url.startswith(WEB_SCHEMES):
            self.notify("Only http(s) URLs are opened.", severity="warning")
            return
        import webbrowser  # here: its import (subprocess, shlex…) would slow every start

        try:
            browser = webbrowser.get()
        except webbrowser.Error:
            browser = None
        # A text-mode browser would take over this very terminal.
        console = isinstance(browser, webbrowser.GenericBrowser) and not isinstance(
            browser, webbrowser.BackgroundBrowser
        )
        if browser is None or console:
            self.notify("No graphical web browser here; press c to copy the URL.")
            return
        browser.open(url)
        self.notify(url, title="Opened in the browser")

    # ------------------------------------------------------------------ sorting

    def action_cycle_sort(self) -> None:
        current = self.results.sort if self.results is not None else (self.sort or SORT_KEYS[0])
        try:
            words = has_words(parse_query(self.query_bar.text))
        except QueryError:
            words = False
        keys = [key for key in SORT_KEYS if words or key != "relevance"]
        position = keys.index(current) if current in keys else -1
        self.sort = keys[(position + 1) % len(keys)]
        self._remember(sort=self.sort)
        self.search_now()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self._remember(reverse=self.reverse)
        self.search_now()

    def watch_theme(self, theme: str) -> None:
        self._remember(theme=theme)

    def _remember(self, **changes: object) -> None:
        settings = replace(self.settings, **changes)  # type: ignore[arg-type]
        if settings == self.settings:
            return
        self.settings = settings
        try:
            save_settings(self.settings)
        except OSError as error:
            self.notify(f"Could not save settings: {error}", severity="warning")

    # ------------------------------------------------------------------ moving around

    def _target(self) -> Widget:
        """The pane the movement keys act on: the focused one, or the list from the query bar."""
        focused = self.focused
        if focused is None or isinstance(focused, Input):
            return self.results_list
        return focused

    def _move(self, on_list: Callable[[ResultsList], None], facet_action: str, scroll: str) -> None:
        target = self._target()
        if isinstance(target, ResultsList):
            on_list(target)
        elif isinstance(target, OptionList):  # the facet lists, overview and timeline lists
            getattr(target, facet_action)()
        elif target.allow_vertical_scroll:
            getattr(target, scroll)(animate=False)

    def action_cursor_down(self) -> None:
        self._move(lambda listing: listing.move(1), "action_cursor_down", "scroll_down")

    def action_cursor_up(self) -> None:
        self._move(lambda listing: listing.move(-1), "action_cursor_up", "scroll_up")

    def action_page_down(self) -> None:
        self._move(lambda listing: listing.page(1), "action_page_down", "scroll_page_down")

    def action_page_up(self) -> None:
        self._move(lambda listing: listing.page(-1), "action_page_up", "scroll_page_up")

    def action_top(self) -> None:
        self._move(ResultsList.home, "action_first", "scroll_home")

    def action_bottom(self) -> None:
        self._move(ResultsList.end, "action_last", "scroll_end")

    def action_focus_query(self) -> None:
        if isinstance(self.screen, ReaderScreen):
            self.pop_screen()
        self.query_bar.input.focus()

    def action_focus_tags(self) -> None:
        if not isinstance(self.screen, ReaderScreen):
            self.facet_pane.list_for("tag").focus()

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()
        elif self.focused is not self.results_list:
            self.results_list.focus()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_display()))

    def key_display(self) -> dict[str, str]:
        """Each command id → its keys as shown to the user (keymap overrides included)."""
        shown: dict[str, str] = {}
        for command in COMMANDS:
            keys = self._keymap.get(command.id, command.keys)
            shown[command.id] = " ".join(
                self.get_key_display(command.binding.with_key(key.strip()))
                for key in keys.split(",")
            )
        return shown

    def action_quit(self) -> None:  # type: ignore[override]
        self.exit(0)

    # ------------------------------------------------------------------ background indexing

    @work(thread=True, exclusive=True, group="update", exit_on_error=False)
    def update_index(self) -> None:
        try:
            summary = self.library.update(progress=self._progress_from_thread)
        except Exception as error:  # reported in the UI; the old index keeps serving searches
            self.call_from_thread(self._update_failed, error)
            return
        self.call_from_thread(self._update_done, summary)

    def _progress_from_thread(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.phase != "commit" and now - self._last_progress < PROGRESS_EVERY:
            return
        self._last_progress = now
        self.call_from_thread(self._show_progress, progress)

    def _show_progress(self, progress: Progress) -> None:
        if progress.phase != "scan":
            self._show_update_row()
        bar = self.update_bar
        bar.update(total=max(progress.total, 1), progress=progress.done)
        phase = PHASES.get(progress.phase, progress.phase)
        self.update_label.update(Text(f"{phase} {progress.done:,} / {progress.total:,}"))
        if progress.phase == "commit":
            self.search_now(keep_row=self.results_list.current)

    def action_refresh(self) -> None:
        if self.updating:
            self.notify("The index is already being brought up to date.")
            return
        self.updating = self.needs_update = True
        self._start_update()

    def _update_done(self, summary: UpdateSummary) -> None:
        self.updating = False
        self.update_row.remove_class("-active")
        self._show_status()
        # Even with nothing changed here, the library may have caught up with another
        # process's commit: searching again costs milliseconds.
        self.search_now(keep_row=self.results_list.current)
        if not (summary.added or summary.changed or summary.removed or summary.rebuilt_reason):
            return
        note = f"{summary.posts:,} posts indexed"
        if summary.added or summary.changed or summary.removed:
            note += f" (+{summary.added:,} ~{summary.changed:,} -{summary.removed:,})"
        if summary.problems:
            note += f"; {summary.problems:,} could not be read (vidbrowse problems)"
        if summary.rebuilt_reason:
            note += f"; rebuilt: {summary.rebuilt_reason}"
        self.notify(note, title="Index up to date")

    def _update_failed(self, error: Exception) -> None:
        self.updating = False
        self.update_row.remove_class("-active")
        self._show_status()
        self.notify(str(error), title="Indexing stopped", severity="error", timeout=10)


def make_app(
    library: Library, *, query: str = "", needs_update: bool = True, config: Config | None = None
) -> VidbrowseApp:
    """The app as `vidbrowse ARCHIVE [QUERY]` starts it (see run_app)."""
    app = VidbrowseApp(library, query=query, needs_update=needs_update, config=config)
    app.overview_first = not query.strip()  # no query: start on the overview
    return app


def run_app(
    library: Library, *, query: str = "", needs_update: bool = True, config: Config | None = None
) -> int:
    """Run the TUI on an opened library until the user quits; returns the exit status.

    `needs_update`: bring the index up to date in a background thread while the screen is
    already usable (cheap when nothing changed). Pass False when the caller just updated.
    `config`: the loaded config.toml (theme, sort, reverse, debounce_ms, keymap); read here when
    not given."""
    app = make_app(library, query=query, needs_update=needs_update, config=config)
    status = app.run()
    return status if isinstance(status, int) else (app.return_code or 0)

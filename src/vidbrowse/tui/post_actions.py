"""What acts on the main screen's highlighted post, or on the selected posts: their star, read
flag and note (the marks; undoable, see core/review/undo.py), and the post's URL. The marks live
in the review file; a change redraws each place that shows them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidbrowse.core.display import printable
from vidbrowse.core.query.search import Results, Row
from vidbrowse.core.review.marks import Key, Mark, Marks, post_key
from vidbrowse.core.review.selection import Selection, keys
from vidbrowse.core.review.state import ReviewError
from vidbrowse.core.review.undo import History
from vidbrowse.core.review.unread import next_unread
from vidbrowse.tui.review_file import ReviewFile
from vidbrowse.tui.screens.dialogs import NoteScreen
from vidbrowse.tui.screens.links import LinksScreen
from vidbrowse.tui.screens.reader import ReaderScreen
from vidbrowse.tui.widgets.detail import render_post
from vidbrowse.tui.widgets.results import one_line

if TYPE_CHECKING:
    from vidbrowse.tui.screens.main import MainScreen

WEB_SCHEMES = ("http://", "https://")
TITLE_SHOWN = 40  # cells of a title quoted in "Undid: starred (…)"


class PostActions:
    def __init__(self, screen: MainScreen, review: ReviewFile) -> None:
        self.screen = screen
        self.review = review
        self.selection = Selection()  # cleared by the main screen when the query changes
        self.history = History()  # the mark changes made here, for undo

    def marker(self, row: Row) -> str:
        """The flag cells before the title: selected (only while something is), starred,
        noted, unread (like mutt's N)."""
        picked = ("+" if row.rowid in self.selection else " ") if len(self.selection) else ""
        mark = self.review.mark(row)
        if mark is None:
            return f"{picked} " if picked else ""
        starred, noted = "★" if mark.starred else " ", "✎" if mark.note else " "
        return f"{picked}{starred}{noted}{' ' if mark.read else '•'} "

    # ------------------------------------------------------------------ marks and notes

    def _marks(self, *, quiet: bool = False) -> Marks | None:
        marks = self.review.marks
        if marks is None and not quiet:
            problem = self.review.problem or "Marks are not ready yet."
            self.screen.notify(problem, severity="warning")
        return marks

    def _redraw(self, row: Row | None) -> None:
        """Show a mark change: the list's flags, the detail and the reader of `row`."""
        screen = self.screen
        screen.results_list.refresh()
        screen.show_status()
        if row is None:
            return
        mark = self.review.mark(row)
        screen.detail.show_row(row, screen.matcher, mark)
        screen.load_post(row)
        reader = screen.app.screen
        if isinstance(reader, ReaderScreen) and reader.row == row:
            reader.view.show(render_post(row, screen.post, screen.matcher, mark))

    def _write(self, part: str, values: dict[Key, bool | str], what: str) -> bool:
        """Change one part of some marks, undoably; False (and why, said) when it could not."""
        marks = self._marks()
        if marks is None:
            return False
        try:
            self.history.change(marks, part, values, what)
        except ReviewError as error:
            self.screen.notify(f"Could not save: {error}", severity="error", markup=False)
            return False
        return True

    def _set(self, row: Row, part: str, value: bool | str, message: str) -> None:
        """Set one part of the highlighted post's mark; say `message`."""
        title = one_line(row.title)
        title = title if len(title) <= TITLE_SHOWN else title[: TITLE_SHOWN - 1] + "…"
        if self._write(part, {post_key(row): value}, f"{message.lower()} ({title})"):
            self._redraw(row)
            self.screen.notify(f"{message}.")
            self.screen.search_now(keep_row=row)  # the query may test marks (is:, has:, note:)

    def _set_selected(self, picked: Results, part: str, on: str, off: str) -> None:
        """Set one part of every selected post's mark: on, unless all of them have it."""
        marks = self._marks()
        if marks is None or picked.columns is None:
            return
        value = not marks.mask(picked.columns, part)[picked.positions].all()
        posts = f"{picked.total:,} selected post" + ("" if picked.total == 1 else "s")
        message = f"{on if value else off} {posts}"
        if self._write(part, dict.fromkeys(keys(picked), value), message.lower()):
            row = self.screen.results_list.current
            self._redraw(row)
            self.screen.notify(f"{message}.")
            self.screen.search_now(keep_row=row)

    def mark_read_quietly(self, row: Row) -> None:
        """Reading a post full-screen marks it read (without a word, and not for undo)."""
        marks = self._marks(quiet=True)
        if marks is None or marks.get(row).read:
            return
        try:
            marks.mark_read(row)
        except ReviewError as error:
            self.screen.notify(f"Could not save: {error}", severity="error", markup=False)
            return
        self._redraw(row)
        self.screen.search_now(keep_row=row)  # `is:unread` may no longer hold

    def _highlighted(self) -> tuple[Row, Mark] | None:
        """The highlighted post and its mark; None when there is none (or, said, no marks)."""
        row = self.screen.results_list.current
        if row is None:
            return None
        mark = self.review.mark(row)
        if mark is None:
            self._marks()  # says why
            return None
        return row, mark

    def toggle_star(self) -> None:
        if (picked := self.selected()) is not None:
            self._set_selected(picked, "starred", "Starred", "Unstarred")
        elif (found := self._highlighted()) is not None:
            row, mark = found
            self._set(row, "starred", not mark.starred, "Unstarred" if mark.starred else "Starred")

    def toggle_read(self) -> None:
        if (picked := self.selected()) is not None:
            self._set_selected(picked, "read", "Marked read", "Marked unread")
        elif (found := self._highlighted()) is not None:
            row, mark = found
            self._set(row, "read", not mark.read, "Marked unread" if mark.read else "Marked read")

    def edit_note(self) -> None:
        if (found := self._highlighted()) is None:
            return
        row, current = found

        def save(note: str | None) -> None:
            if note is not None:
                self._set(row, "note", note, "Note saved" if note.strip() else "Note removed")

        self.screen.app.push_screen(NoteScreen(row.title, current.note), save)

    def undo(self) -> None:
        marks = self._marks()
        if marks is None:
            return
        try:
            change = self.history.undo(marks)
        except ReviewError as error:
            self.screen.notify(f"Could not undo: {error}", severity="error", markup=False)
            return
        if change is None:
            self.screen.notify("Nothing to undo.")
            return
        row = self.screen.results_list.current
        self._redraw(row)
        self.screen.notify(f"Undid: {change.what}.", markup=False)
        self.screen.search_now(keep_row=row)

    def to_unread(self, step: int) -> None:
        """Next (1) or previous (-1) unread result; the reader over the list reads it."""
        screen, listing = self.screen, self.screen.results_list
        if screen.results is None:
            return
        found = next_unread(screen.results, self.review.marks, listing.cursor, step)
        if found is None:
            screen.notify("No more unread posts in these results.")
            return
        if (found < listing.cursor) == (step > 0):
            screen.notify(f"No more unread posts {'below' if step > 0 else 'above'}: went round.")
        listing.cursor = found
        reader = screen.app.screen
        if isinstance(reader, ReaderScreen) and (row := listing.current) is not None:
            reader.row = row
            reader.view.show(screen.reading(row))

    # ------------------------------------------------------------------ the selection

    def selected(self) -> Results | None:
        """The selected results, when there is a selection: what star, read and export act on."""
        results = self.screen.results
        if not len(self.selection) or results is None:
            return None
        return self.selection.of(results)

    def toggle_selection(self) -> None:
        listing = self.screen.results_list
        if (row := listing.current) is None:
            return
        self.selection.toggle(row.rowid)
        listing.move(1)  # as mutt's t: on to the next, to select a run of posts
        self._redraw(None)

    def select_all(self) -> None:
        results = self.screen.results
        if results is None or results.total == 0:
            self.screen.notify("No results to select.", severity="warning")
            return
        self.selection.add_all(results)
        self._redraw(None)
        self.screen.notify(f"Selected all {results.total:,} results.")

    def clear_selection(self) -> None:
        count = self.selection.clear()
        self._redraw(None)
        self.screen.notify(f"Unselected {count:,} posts." if count else "Nothing is selected.")

    # ------------------------------------------------------------------ its URL

    def _url(self) -> str | None:
        post = self.screen.current_post()
        if post is None:
            self.screen.notify("No post is highlighted.", severity="warning")
            return None
        if not post.url:
            self.screen.notify("This post has no URL.", severity="warning")
            return None
        return post.url

    def copy_url(self) -> None:
        url = self._url()
        if url is not None:
            self._copy(url, "URL copied")

    def open_url(self) -> None:
        url = self._url()
        if url is not None:
            self._open(url)

    def _copy(self, url: str, title: str) -> None:
        self.screen.app.copy_to_clipboard(url)
        self.screen.notify(printable(url), title=title, markup=False)

    def _open(self, url: str) -> None:
        if not url.startswith(WEB_SCHEMES):
            self.screen.notify("Only http(s) URLs are opened.", severity="warning")
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
            self.screen.notify("No graphical web browser here; press c to copy the URL.")
            return
        browser.open(url)
        self.screen.notify(printable(url), title="Opened in the browser", markup=False)

    # ------------------------------------------------------------------ its links

    def pick_link(self) -> None:
        """The picker of the post's links; the chosen one copied or opened."""
        post = self.screen.current_post()
        if post is None:
            self.screen.notify("No post is highlighted.", severity="warning")
            return
        if not post.links:
            self.screen.notify("This post has no links.")
            return

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                what, url = answer
                if what == "open":
                    self._open(url)
                else:
                    self._copy(url, "Link copied")

        self.screen.app.push_screen(LinksScreen(post.title, post.links), chosen)

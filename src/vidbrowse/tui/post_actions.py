"""What acts on the main screen's highlighted post: its star, read flag and note (the marks), and
its URL. The marks live in the review file; a change redraws each place that shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from vidbrowse.core.query.search import Row
from vidbrowse.core.review.marks import Mark, Marks
from vidbrowse.core.review.state import ReviewError
from vidbrowse.tui.review_file import ReviewFile
from vidbrowse.tui.screens.dialogs import NoteScreen
from vidbrowse.tui.screens.reader import ReaderScreen
from vidbrowse.tui.widgets.detail import render_post

if TYPE_CHECKING:
    from vidbrowse.tui.screens.main import MainScreen

WEB_SCHEMES = ("http://", "https://")


class PostActions:
    def __init__(self, screen: MainScreen, review: ReviewFile) -> None:
        self.screen = screen
        self.review = review

    def marker(self, row: Row) -> str:
        """Three flag cells before the title: starred, noted, unread (like mutt's N)."""
        mark = self.review.mark(row)
        if mark is None:
            return ""
        starred, noted = "★" if mark.starred else " ", "✎" if mark.note else " "
        return f"{starred}{noted}{' ' if mark.read else '•'} "

    # ------------------------------------------------------------------ marks and notes

    def _change(
        self, row: Row, change: Callable[[Marks], Mark], *, quiet: bool = False
    ) -> Mark | None:
        """Apply a change to a row's mark and redraw what shows it; None when marks are off."""
        marks = self.review.marks
        screen = self.screen
        if marks is None:
            if not quiet:
                problem = self.review.problem or "Marks are not ready yet."
                screen.notify(problem, severity="warning")
            return None
        try:
            mark = change(marks)
        except ReviewError as error:
            screen.notify(f"Could not save: {error}", severity="error")
            return None
        screen.results_list.refresh()
        screen.detail.show_row(row, screen.matcher, mark)
        screen.load_post(row)
        reader = screen.app.screen
        if isinstance(reader, ReaderScreen) and reader.row == row:
            reader.view.show(render_post(row, screen.post, screen.matcher, mark))
        return mark

    def _after(self, row: Row, mark: Mark | None, message: str) -> None:
        if mark is not None:
            self.screen.notify(message)
            self.screen.search_now(keep_row=row)  # the query may test marks (is:, has:, note:)

    def mark_read_quietly(self, row: Row) -> None:
        """Reading a post full-screen marks it read (without a word)."""
        if self._change(row, lambda marks: marks.mark_read(row), quiet=True):
            self.screen.search_now(keep_row=row)  # `is:unread` may no longer hold

    def toggle_star(self) -> None:
        if (row := self.screen.results_list.current) is not None:
            mark = self._change(row, lambda marks: marks.toggle_star(row))
            self._after(row, mark, "Starred." if mark and mark.starred else "Unstarred.")

    def toggle_read(self) -> None:
        if (row := self.screen.results_list.current) is not None:
            mark = self._change(row, lambda marks: marks.toggle_read(row))
            self._after(row, mark, "Marked read." if mark and mark.read else "Marked unread.")

    def edit_note(self) -> None:
        row = self.screen.results_list.current
        current = self.review.mark(row) if row is not None else None
        if row is None or current is None:
            if row is not None:
                problem = self.review.problem or "Marks are not ready yet."
                self.screen.notify(problem, severity="warning")
            return

        def save(note: str | None) -> None:
            if note is not None:
                mark = self._change(row, lambda marks: marks.set_note(row, note))
                self._after(row, mark, "Note saved." if note.strip() else "Note removed.")

        self.screen.app.push_screen(NoteScreen(row.title, current.note), save)

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
            self.screen.app.copy_to_clipboard(url)
            self.screen.notify(url, title="URL copied")

    def open_url(self) -> None:
        url = self._url()
        if url is None:
            return
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
        self.screen.notify(url, title="Opened in the browser")

"""The background index update and its progress row (shown only once the update takes a while).

The update runs in a thread worker; the row tells its screen what happened with messages, and
the screen decides what to search again."""

from __future__ import annotations

import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import ProgressBar, Static

from vidbrowse.core.display import PHASES
from vidbrowse.core.library.library import Library, Progress, UpdateSummary

UPDATE_AFTER = 0.3  # seconds after the first results are drawn before the background update
SHOW_CHECK_AFTER = 0.5  # seconds before a still-running update shows its progress row
PROGRESS_EVERY = 0.1  # seconds between progress bar updates from the indexing thread
WATCH_EVERY = 3.0  # seconds between two looks at the archive's folders while the app runs


def describe(summary: UpdateSummary) -> str | None:
    """What an update changed, in one line; None when it changed nothing."""
    if not (summary.added or summary.changed or summary.removed or summary.rebuilt_reason):
        return None
    note = f"{summary.posts:,} posts indexed"
    if summary.added or summary.changed or summary.removed:
        note += f" (+{summary.added:,} ~{summary.changed:,} -{summary.removed:,})"
    if summary.problems:
        note += f"; {summary.problems:,} could not be read (vidbrowse problems)"
    if summary.rebuilt_reason:
        note += f"; rebuilt: {summary.rebuilt_reason}"
    return note


class UpdateRow(Horizontal):
    # From start-up (see begin) or R until the update is over; others watch it (the overview).
    updating: var[bool] = var(False)

    class Shown(Message):
        """The row appeared: the update is taking a while."""

    class Committed(Message):
        """The update is saving a batch: searches now see more posts."""

    class Finished(Message):
        def __init__(
            self, summary: UpdateSummary | None, error: Exception | None, *, asked: bool
        ) -> None:
            super().__init__()
            self.summary = summary  # None when it failed
            self.error = error
            self.asked = asked  # the user asked for it (R): even "nothing changed" is news

    def __init__(self, library: Library, *, pending: bool, id: str | None = None) -> None:
        """`pending`: an update is to start shortly after the first results show."""
        super().__init__(id=id)
        self.library = library
        self.pending = pending
        self.asked = False  # the update under way was asked for (R), not the start-up check
        self._last_progress = 0.0
        self._watch: Timer | None = None  # looks at the archive once an update has run
        self.bar = ProgressBar(show_eta=False, id="update-bar")
        self.label = Static(id="update-label")

    def compose(self) -> ComposeResult:
        yield self.bar
        yield self.label

    @property
    def shown(self) -> bool:
        return self.has_class("-active")

    def begin(self) -> None:
        """Once the first search has answered: the update is under way from here on."""
        self.updating = self.pending

    def start_soon(self) -> None:
        """Start the update a little after the screen showing the first answer is drawn: timed
        from the answer instead, a slow first paint (a busy machine) met the scan half-way.
        After the first results, called once their facets are set: the update waits for the
        screen drawing those too."""
        if self.pending:
            self.call_after_refresh(self.set_timer, UPDATE_AFTER, self.start)

    def start(self) -> None:
        """The update's scan holds the interpreter for a while: started after the first search
        (whatever its outcome), it does not delay drawing the first results."""
        if not self.pending:
            return
        self.pending = False
        self.label.update(Text("Checking the archive for changes…"))
        # A no-change check is quick: the progress row only shows when it is not.
        self.set_timer(SHOW_CHECK_AFTER, self._reveal)
        self.update_index()

    def again(self) -> None:
        """Bring the index up to date now (R), unless that is under way."""
        if self.updating:
            self.notify("The index is already being brought up to date.")
            return
        self.updating = self.pending = self.asked = True
        self.start()

    def _reveal(self) -> None:
        if self.updating and not self.shown:
            self.add_class("-active")
            self.post_message(self.Shown())

    @work(thread=True, exclusive=True, group="update", exit_on_error=False)
    def update_index(self) -> None:
        try:
            summary = self.library.update(progress=self._progress_from_thread)
        except Exception as error:  # reported in the UI; the old index keeps serving searches
            self.app.call_from_thread(self._finish, None, error)
            return
        self.app.call_from_thread(self._finish, summary, None)

    def _progress_from_thread(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.phase != "commit" and now - self._last_progress < PROGRESS_EVERY:
            return
        self._last_progress = now
        self.app.call_from_thread(self._show_progress, progress)

    def _show_progress(self, progress: Progress) -> None:
        if progress.phase != "scan":
            self._reveal()
        self.bar.update(total=max(progress.total, 1), progress=progress.done)
        phase = PHASES.get(progress.phase, progress.phase)
        self.label.update(Text(f"{phase} {progress.done:,} / {progress.total:,}"))
        if progress.phase == "commit":
            self.post_message(self.Committed())

    def _finish(self, summary: UpdateSummary | None, error: Exception | None) -> None:
        self.updating = False
        self.remove_class("-active")
        self.post_message(self.Finished(summary, error, asked=self.asked))
        self.asked = False
        if summary is not None and self._watch is None and not self.library.read_only:
            self._watch = self.set_interval(WATCH_EVERY, self._look_at_archive)

    # While the app runs, a post added, removed, renamed or saved in the archive is indexed
    # within seconds: its folder's stat changed. A file written over in place waits for R.
    def _look_at_archive(self) -> None:
        if not (self.updating or self.pending):
            self._check_archive()

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def _check_archive(self) -> None:
        if self.library.archive_changed():
            self.app.call_from_thread(self._archive_changed)

    def _archive_changed(self) -> None:
        if not (self.updating or self.pending):
            self.updating = self.pending = True
            self.start()

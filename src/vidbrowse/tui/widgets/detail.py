"""The detail of one post: a metadata block, then its clean text with the query's words lit up.

Everything here comes from post data, so it is built as `rich.text.Text` (never markup) and passed
through `printable` first: `[bold]` stays `[bold]`, an ESC shows as U+FFFD.

A body can be 16 MB: it is rendered, and highlighted, a piece at a time as the reader scrolls to
it, so opening any post costs one piece (wrapping and highlighting it all took ~20 s and ~1 GB).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from vidbrowse.core.archive.post import Post
from vidbrowse.core.display import clock, printable
from vidbrowse.core.links import sites
from vidbrowse.core.query.search import Row
from vidbrowse.core.review.marks import Mark
from vidbrowse.tui.terms import TermMatcher
from vidbrowse.tui.widgets.fields import Fields

MATCH_STYLE = "bold reverse"
LABEL_STYLE = "bold"


def _when(value: int | datetime | None) -> str:
    if value is None:
        return "unknown"
    moment = datetime.fromtimestamp(value, UTC) if isinstance(value, int) else value
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def _count(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def _safe(text: str, matcher: TermMatcher | None = None, style: str = "") -> Text:
    shown = Text(printable(text), style=style)
    if matcher:
        matcher.highlight(shown, MATCH_STYLE)
    return shown


def _marks(mark: Mark) -> Text:
    shown = Text(", ".join(["starred"] * mark.starred + ["read" if mark.read else "unread"]))
    if mark.note:
        shown.append("   ")
        shown.append("Note ", style=LABEL_STYLE)
        shown.append(printable(mark.note))
    return shown


def _links(item: Row | Post) -> Text:
    """`3 (L): patreon.com, spotify.com`: how many links, and their sites."""
    if not isinstance(item, Post):
        return Text("…")
    if not item.links:
        return Text("none")
    shown = Text(f"{len(item.links)} ")
    shown.append("(L)", style="dim")
    shown.append(": ")
    shown.append_text(_safe(", ".join(sites(item.links))))
    return shown


def describe(
    item: Row | Post, matcher: TermMatcher | None = None, mark: Mark | None = None
) -> Fields:
    """The metadata block (from a Row while the Post loads, from the Post afterwards)."""
    url = item.url if isinstance(item, Post) else "…"
    views, likes, dislikes = (_count(value) for value in (item.views, item.likes, item.dislikes))
    groups: list[list[tuple[str, Text]]] = [
        [
            ("Channel", _safe(item.channel or "unknown", matcher)),
            ("Uploaded", Text(_when(item.uploaded))),
            ("Posted", Text(_when(item.posted))),
        ],
        [
            ("Duration", Text("unknown" if item.duration is None else clock(item.duration))),
            ("Views", Text(views)),
            ("Likes", Text(likes)),
            ("Dislikes", Text(dislikes)),
        ],
        [("Tags", _safe(", ".join(item.tags) or "none", matcher))],
        [("Categories", _safe(", ".join(item.categories) or "none"))],
        [("URL", _safe(url or "none"))],
        [("Links", _links(item))],
        [("File", _safe(item.path))],
    ]
    if mark is not None:
        groups.append([("Marks", _marks(mark))])
    title = _safe(item.title.replace("\n", " ") or "(untitled)", matcher, "bold")
    return Fields(title, [[_field(label, value) for label, value in group] for group in groups])


def _field(label: str, value: Text) -> Text:
    field = Text()  # a plain base: only the label is bold
    field.append(label + " ", style=LABEL_STYLE)
    field.append_text(value)
    return field


PIECE_CHARS = 16_000  # rendered at a time: many screenfuls, ~10 ms to highlight


@dataclass(frozen=True, slots=True)
class Body:
    """A post's text, rendered a piece at a time."""

    text: str
    matcher: TermMatcher | None = None
    style: str = ""

    def piece(self, start: int) -> tuple[Text, int]:
        """The text from `start` to the last line end (else space) within PIECE_CHARS, rendered,
        and where the next piece starts (`len(text)` after the last)."""
        end = start + PIECE_CHARS
        if end >= len(self.text):
            cut = after = len(self.text)
        else:
            cut = self.text.rfind("\n", start, end)
            if cut <= start:
                cut = self.text.rfind(" ", start, end)
            cut, after = (cut, cut + 1) if cut > start else (end, end)
        return _safe(self.text[start:cut], self.matcher, self.style), after

    def lines_from(self, start: int) -> int:
        return self.text.count("\n", start) + 1 if start < len(self.text) else 0


def body(post: Post, matcher: TermMatcher | None = None) -> Body:
    return Body(post.text.strip() or "(this post has no text)", matcher)


VANISHED = (
    "This post is no longer in the archive (its file was moved or deleted).\n"
    "Press R to bring the index up to date."
)


Rendered = tuple[Fields, Body]


def render_post(
    row: Row, post: Post | None, matcher: TermMatcher | None, mark: Mark | None = None
) -> Rendered:
    """The (metadata, text) of a post, or of its row when the post is gone. Pure and thread-safe:
    the app builds it in the worker that loads the post."""
    if post is None:
        return describe(row, matcher, mark), Body(VANISHED, style="italic")
    return describe(post, matcher, mark), body(post, matcher)


class DetailView(VerticalScroll):
    """Scrollable metadata + text for one post (the side pane and the full-screen reader).

    The text's first piece shows at once; scrolling near the end of what is shown renders the
    next piece below it, and a dim last line says how much is left."""

    body = Body("")
    shown = 0  # characters of `body.text` rendered so far

    def compose(self) -> ComposeResult:
        # Kept as attributes: a late message during shutdown finds them without a DOM query.
        self.meta = Static(id="detail-meta")
        self.text = Static(id="detail-body")
        self.more = Static(id="detail-more")
        yield self.meta
        yield self.text
        yield self.more

    def show_nothing(self, message: str) -> None:
        self.meta.update(Text(message, style="dim"))
        self._start(Body(""))

    def show_row(self, row: Row, matcher: TermMatcher | None, mark: Mark | None = None) -> None:
        """What the row knows, at once, while the post loads."""
        self.meta.update(describe(row, matcher, mark))
        self._start(Body("Loading…", style="dim"))
        self.scroll_home(animate=False)

    def show(self, rendered: Rendered) -> None:
        meta, body = rendered
        self.meta.update(meta)
        if body != self.body:  # the same text again (a mark changed): keep the place read
            self._start(body)

    def _start(self, body: Body) -> None:
        self.query(".detail-piece").remove()
        self.body = body
        first, self.shown = body.piece(0)
        self.text.update(first)
        self._say_more()

    def read_on(self) -> None:
        """Render the next piece of the text below what is shown."""
        if self.shown >= len(self.body.text):
            return
        piece, self.shown = self.body.piece(self.shown)
        self.mount(Static(piece, classes="detail-piece"), before=self.more)
        self._say_more()

    def _say_more(self) -> None:
        left = self.body.lines_from(self.shown)
        self.more.display = bool(left)
        if left:
            self.more.update(Text(f"… {left:,} more lines: scroll on (PgDn, End) to read", "dim"))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value >= self.max_scroll_y - self.size.height:
            self.read_on()

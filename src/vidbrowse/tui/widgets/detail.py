"""The detail of one post: a metadata block, then its clean text with the query's words lit up.

Everything here comes from post data, so it is built as `rich.text.Text` (never markup) and passed
through `printable` first: `[bold]` stays `[bold]`, an ESC shows as U+FFFD.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from vidbrowse.core.archive.post import Post
from vidbrowse.core.display import clock, printable
from vidbrowse.core.query.search import Row
from vidbrowse.core.review.marks import Mark
from vidbrowse.tui.terms import TermMatcher

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


def describe(
    item: Row | Post, matcher: TermMatcher | None = None, mark: Mark | None = None
) -> Text:
    """The metadata block (from a Row while the Post loads, from the Post afterwards)."""
    url = item.url if isinstance(item, Post) else "…"
    views, likes, dislikes = (_count(value) for value in (item.views, item.likes, item.dislikes))
    lines: list[list[tuple[str, Text]]] = [
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
        [("File", _safe(item.path))],
    ]
    if mark is not None:
        lines.append([("Marks", _marks(mark))])
    out = Text()  # a plain base: the bold title must not spill into what follows
    out.append_text(_safe(item.title.replace("\n", " ") or "(untitled)", matcher, "bold"))
    out.append("\n")
    for line in lines:
        out.append("\n")
        for number, (label, value) in enumerate(line):
            out.append("   " if number else "")
            out.append(label + " ", style=LABEL_STYLE)
            out.append_text(value)
    out.append("\n")
    return out


def body(post: Post, matcher: TermMatcher | None = None) -> Text:
    return _safe(post.text.strip() or "(this post has no text)", matcher)


VANISHED = (
    "This post is no longer in the archive (its file was moved or deleted).\n"
    "Press R to bring the index up to date."
)


def render_post(
    row: Row, post: Post | None, matcher: TermMatcher | None, mark: Mark | None = None
) -> tuple[Text, Text]:
    """The (metadata, text) of a post, or of its row when the post is gone. Pure and thread-safe:
    the app builds it in the worker that loads the post (highlighting a long body takes ms)."""
    if post is None:
        return describe(row, matcher, mark), Text(VANISHED, style="italic")
    return describe(post, matcher, mark), body(post, matcher)


class DetailView(VerticalScroll):
    """Scrollable metadata + text for one post (the side pane and the full-screen reader)."""

    def compose(self) -> ComposeResult:
        # Kept as attributes: a late message during shutdown finds them without a DOM query.
        self.meta = Static(id="detail-meta")
        self.text = Static(id="detail-body")
        yield self.meta
        yield self.text

    def show_nothing(self, message: str) -> None:
        self.meta.update(Text(message, style="dim"))
        self.text.update("")

    def show_row(self, row: Row, matcher: TermMatcher | None, mark: Mark | None = None) -> None:
        """What the row knows, at once, while the post loads."""
        self.meta.update(describe(row, matcher, mark))
        self.text.update(Text("Loading…", style="dim"))
        self.scroll_home(animate=False)

    def show(self, rendered: tuple[Text, Text]) -> None:
        meta, text = rendered
        self.meta.update(meta)
        self.text.update(text)

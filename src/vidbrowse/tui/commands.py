"""Every user action, defined once: key bindings, footer, command palette and help screen all read
this table, so a key, its label and its help text cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True, slots=True)
class Command:
    id: str  # the App action (`action_<id>`) and the Binding id: `[keymap]` in config.toml
    keys: str  # Textual key names, comma-separated; the first is the one shown
    description: str  # short: footer and palette
    help: str  # one sentence: palette and help screen
    footer: bool = False

    @property
    def binding(self) -> Binding:
        return Binding(self.keys, self.id, self.description, show=self.footer, id=self.id)


COMMANDS: tuple[Command, ...] = (
    Command("focus_query", "slash", "Search", "Put the cursor in the query bar.", footer=True),
    Command(
        "back",
        "escape",
        "Back",
        "Close the reader or help; from a pane, return to the results list.",
        footer=True,
    ),
    Command("cursor_down", "down,j", "Down", "Move to the next result (or line)."),
    Command("cursor_up", "up,k", "Up", "Move to the previous result (or line)."),
    Command("page_down", "pagedown", "Page down", "Move down one screenful."),
    Command("page_up", "pageup", "Page up", "Move up one screenful."),
    Command("top", "g,home", "Top", "Go to the first result."),
    Command("bottom", "G,end", "Bottom", "Go to the last result."),
    Command("focus_next", "tab", "Next pane", "Move the focus to the next pane."),
    Command("focus_previous", "shift+tab", "Previous pane", "Move the focus to the previous pane."),
    Command("read", "enter", "Read", "Read the highlighted post full-screen.", footer=True),
    Command(
        "cycle_sort",
        "s",
        "Sort",
        "Cycle the sort order: relevance, uploaded, posted, views, likes, duration, title.",
        footer=True,
    ),
    Command("reverse", "r", "Reverse", "Reverse the sort order.", footer=True),
    Command("focus_tags", "t", "Tags", "Jump to the tag filter.", footer=True),
    Command(
        "toggle_mode",
        "m",
        "All/any",
        "Switch selected tags and categories between all (AND) and any (OR).",
    ),
    Command(
        "clear_filters", "x", "Clear filters", "Remove every tag, channel and category filter."
    ),
    Command(
        "toggle_star",
        "asterisk",
        "Star",
        "Star or unstar the highlighted post (find starred posts with is:starred).",
    ),
    Command(
        "toggle_read",
        "u",
        "Read/unread",
        "Mark the highlighted post read or unread; reading it full-screen marks it read.",
    ),
    Command(
        "edit_note",
        "n",
        "Note",
        "Write a note on the highlighted post (find notes with has:note or note:word).",
    ),
    Command("copy_url", "c", "Copy URL", "Copy the post's URL to the clipboard.", footer=True),
    Command("open_url", "o", "Open URL", "Open the post's URL in a web browser."),
    Command(
        "overview",
        "h",
        "Overview",
        "Show the overview: marks, saved searches, top tags, channels and categories; "
        "choosing a line runs its query.",
    ),
    Command(
        "save_search",
        "b",
        "Save search",
        "Bookmark: save the query under a name; the overview lists it with a live count.",
    ),
    Command(
        "export",
        "e",
        "Export",
        "Write the results to a new CSV, JSON, Markdown or URL-list file in the current folder.",
    ),
    Command(
        "timeline",
        "T",
        "Timeline",
        "Chart the results by upload date and duration; choosing a bar narrows the query to it.",
    ),
    Command(
        "refresh",
        "R,f5",
        "Refresh",
        "Bring the index up to date with the archive now (posts added, changed or removed).",
    ),
    Command("help", "question_mark,f1", "Help", "Show every key and what it does.", footer=True),
    # Not in the footer: Textual's footer shows the palette key on its right already.
    Command("command_palette", "ctrl+p", "Commands", "Open the command palette."),
    Command("quit", "q", "Quit", "Leave vidbrowse.", footer=True),
)

BINDINGS: list[Binding] = [command.binding for command in COMMANDS]


class VidbrowseCommands(Provider):
    """The palette lists every command of the table (and runs it as if its key was pressed)."""

    async def discover(self) -> Hits:
        for command in COMMANDS:
            yield DiscoveryHit(
                command.description,
                partial(self.app.run_action, command.id),
                help=command.help,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in COMMANDS:
            score = matcher.match(command.description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.description),
                    partial(self.app.run_action, command.id),
                    help=command.help,
                )

"""Every user action, defined once: key bindings, footer, command palette and help screen all read
this table, so a key, its label and its help text cannot drift apart.

A command acts where its row says: `APP` commands on any screen (the App binds them), `MAIN`
commands on the main screen's query, results and highlighted post (MainScreen binds them);
`READER` ones also over the reader, where they act on the post read (through the main screen,
whose highlighted post it is). The list's own commands (sort, filters…) are not: the list is
hidden there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

APP = "app"
MAIN = "main"
READER = "reader"


@dataclass(frozen=True, slots=True)
class Command:
    id: str  # the action (`action_<id>`) and the Binding id: `[keymap]` in config.toml
    keys: str  # Textual key names, comma-separated; the first is the one shown
    description: str  # short: footer and palette
    help: str  # one sentence: palette and help screen
    footer: bool = False
    where: tuple[str, ...] = (MAIN,)  # APP, MAIN, READER: who binds it
    # Run as the key arrives, before the keys queued behind it are routed (see focus_query).
    priority: bool = False

    @property
    def binding(self) -> Binding:
        return self.binding_to(self.id)

    def binding_to(self, action: str) -> Binding:
        """Its key, label and id bound to `action` (the reader forwards some to the main screen)."""
        return Binding(
            self.keys, action, self.description, self.footer, id=self.id, priority=self.priority
        )


COMMANDS: tuple[Command, ...] = (
    # Priority: keys typed in one burst after `/` (a paste, a laggy link) are routed to the
    # focused widget as they arrive, so the query bar must have the focus before the next one.
    Command(
        "focus_query",
        "slash",
        "Search",
        "Put the cursor in the query bar.",
        footer=True,
        where=(MAIN, READER),
        priority=True,
    ),
    Command(
        "back",
        "escape",
        "Back",
        "Close the reader or help; from a pane, return to the results list.",
        footer=True,
        where=(APP, MAIN, READER),
    ),
    Command("cursor_down", "down,j", "Down", "Move to the next result (or line).", where=(APP,)),
    Command("cursor_up", "up,k", "Up", "Move to the previous result (or line).", where=(APP,)),
    Command("page_down", "pagedown", "Page down", "Move down one screenful.", where=(APP,)),
    Command("page_up", "pageup", "Page up", "Move up one screenful.", where=(APP,)),
    Command("top", "g,home", "Top", "Go to the first result.", where=(APP,)),
    Command("bottom", "G,end", "Bottom", "Go to the last result.", where=(APP,)),
    Command("focus_next", "tab", "Next pane", "Move the focus to the next pane.", where=(APP,)),
    Command(
        "focus_previous",
        "shift+tab",
        "Previous pane",
        "Move the focus to the previous pane.",
        where=(APP,),
    ),
    Command("read", "enter", "Read", "Read the highlighted post full-screen.", footer=True),
    Command(
        "cycle_sort",
        "s",
        "Sort",
        "Cycle: relevance, uploaded, posted, views, likes, duration, title.",
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
        "Star or unstar the highlighted post, or the selection (find them with is:starred).",
        where=(MAIN, READER),
    ),
    Command(
        "toggle_read",
        "u",
        "Read/unread",
        "Mark the highlighted post (or the selection) read or unread; reading a post "
        "full-screen marks it read.",
        where=(MAIN, READER),
    ),
    Command(
        "edit_note",
        "n",
        "Note",
        "Write a note on the highlighted post (find notes with has:note or note:word).",
        where=(MAIN, READER),
    ),
    Command(
        "undo",
        "U",
        "Undo",
        "Undo the last star, read or note change (on one post or a selection); again for the "
        "one before.",
        where=(MAIN, READER),
    ),
    Command(
        "next_unread",
        "N",
        "Next unread",
        "Go to the next unread result (round to the top); in the reader, read it.",
        where=(MAIN, READER),
    ),
    Command(
        "previous_unread",
        "P",
        "Previous unread",
        "Go to the previous unread result (round to the bottom); in the reader, read it.",
        where=(MAIN, READER),
    ),
    Command(
        "toggle_selection",
        "space",
        "Select",
        "Select or unselect the highlighted post and go to the next; with a selection, star, "
        "read and export act on it. A new query clears it.",
    ),
    Command("select_all", "a", "Select all", "Select every result of the query."),
    Command("clear_selection", "A", "Select none", "Clear the selection."),
    Command(
        "choose_columns",
        "C",
        "Columns",
        "Choose and order the result columns (remembered; config.toml's columns win).",
    ),
    Command(
        "copy_url",
        "c",
        "Copy URL",
        "Copy the post's URL to the clipboard.",
        footer=True,
        where=(MAIN, READER),
    ),
    Command(
        "open_url", "o", "Open URL", "Open the post's URL in a web browser.", where=(MAIN, READER)
    ),
    Command(
        "links",
        "L",
        "Links",
        "Pick one of the post's links: Enter or c copies it, o opens it.",
        where=(MAIN, READER),
    ),
    Command(
        "similar",
        "M",
        "More like this",
        "List the posts most like this one (similar:ID); Esc goes back.",
        where=(MAIN, READER),
    ),
    Command(
        "overview",
        "h",
        "Overview",
        "Show the overview: marks, saved searches, top tags, channels and categories; "
        "choosing a line runs its query.",
        where=(APP,),
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
        "Write the results (or the selection) to a new CSV, JSON, Markdown or URL-list file in "
        "the current folder.",
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
        where=(APP,),
    ),
    Command(
        "help",
        "question_mark,f1",
        "Help",
        "Show every key and what it does.",
        footer=True,
        where=(APP,),
    ),
    # Not in the footer: Textual's footer shows the palette key on its right already.
    Command("command_palette", "ctrl+p", "Commands", "Open the command palette.", where=(APP,)),
    Command("quit", "q", "Quit", "Leave vidbrowse.", footer=True, where=(APP,)),
)


def bindings(where: str) -> list[Binding]:
    """The bindings of the commands that act `where` (APP or MAIN), in the table's order (the
    footer's order: a screen's keys, then the app's)."""
    return [command.binding for command in COMMANDS if where in command.where]


def palette_action(command: Command, screen: DOMNode) -> tuple[str, DOMNode]:
    """The action a command runs from the palette opened over `screen`, and on which node:
    the screen's own binding of it when it has one (as its key would), else the app's."""
    for binding in screen.BINDINGS:
        if isinstance(binding, Binding) and binding.id == command.id:
            return binding.action, screen
    return command.id, screen.app


class VidbrowseCommands(Provider):
    """The palette lists every command of the table (and runs it as if its key was pressed)."""

    def _run(self, command: Command) -> Callable[[], Awaitable[bool]]:
        action, node = palette_action(command, self.screen)
        return partial(self.app.run_action, action, node)

    async def discover(self) -> Hits:
        for command in COMMANDS:
            yield DiscoveryHit(command.description, self._run(command), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in COMMANDS:
            score = matcher.match(command.description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.description),
                    self._run(command),
                    help=command.help,
                )

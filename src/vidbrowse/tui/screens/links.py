"""The link picker (`L`): the highlighted post's links as a numbered list, urlview-style, to copy
or open one. It answers with what to do; PostActions does it, as for the post's own URL."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from vidbrowse.core.display import printable
from vidbrowse.core.links import host
from vidbrowse.tui.screens.dialogs import DIALOG_CSS

DOMAIN_WIDTH = 24  # at most, so that the URLs keep most of the line


def link_prompt(number: int, url: str, domain_width: int) -> Content:
    """One line: number, domain, URL (ellipsised by the list's style). Plain Content from post
    data: `[bold]` in a URL stays `[bold]`, controls are made visible."""
    domain = printable(host(url) or "?").replace("\n", " ")
    if len(domain) > domain_width:
        domain = domain[: domain_width - 1] + "…"
    return Content.assemble(
        (f"{number:>2}  ", "dim"),
        (f"{domain:<{domain_width}}  ", "bold"),
        printable(url).replace("\n", " "),
    )


class LinksScreen(ModalScreen[tuple[str, str] | None]):
    """Dismisses with ("copy", url) or ("open", url), or None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "choose('copy')", "Copy", show=True),
        Binding("o", "choose('open')", "Open", show=True),
        Binding("j", "move('cursor_down')", show=False),
        Binding("k", "move('cursor_up')", show=False),
        Binding("escape", "cancel", "Close", show=True, priority=True),
    ]
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="LinksScreen")
        + """
    LinksScreen > Vertical { width: 90%; max-width: 120; }
    LinksScreen OptionList { height: auto; max-height: 20; text-wrap: nowrap;
                             text-overflow: ellipsis; }
    """
    )

    def __init__(self, title: str, urls: tuple[str, ...]) -> None:
        super().__init__()
        self.title_text = title
        self.urls = urls

    def compose(self) -> ComposeResult:
        width = min(max(len(host(url) or "?") for url in self.urls), DOMAIN_WIDTH)
        with Vertical() as box:
            count = len(self.urls)
            box.border_title = f"{count} link" + ("" if count == 1 else "s")
            shown = printable(self.title_text).replace("\n", " ")
            yield Static(Text(shown, style="bold", no_wrap=True, overflow="ellipsis"))
            yield OptionList(
                *(
                    Option(link_prompt(number, url, width), id=str(number - 1))
                    for number, url in enumerate(self.urls, 1)
                ),
                id="links",
            )
            yield Static(Text("Enter/c copy · o open · Esc close"), classes="dialog-hint")

    def on_mount(self) -> None:
        links = self.query_one(OptionList)
        links.highlighted = 0
        links.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose("copy")

    def action_choose(self, what: str) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None:
            self.dismiss((what, self.urls[index]))

    def action_move(self, action: str) -> None:
        getattr(self.query_one(OptionList), f"action_{action}")()

    def action_cancel(self) -> None:
        self.dismiss(None)

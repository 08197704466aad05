"""A block of label-value fields laid out like words: a line breaks between two fields, never
inside one that fits (`Posted 2020-11-26 07:17 UTC+03:00` stays whole at any width).

Textual wraps text at any space, so a field's label, date and time zone would land on different
lines; this Visual packs whole fields into the width it is given and lets Textual fold only a
field wider than the line (a long path).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

GAP = "   "  # between two fields on one line


class Fields(Visual):
    """A heading line, a blank line (unless not `spaced`), then groups of fields (each group
    starts a line)."""

    def __init__(
        self, head: Text, groups: Sequence[Sequence[Text]], *, gap: str = GAP, spaced: bool = True
    ) -> None:
        """`gap`: between two fields on a line; `spaced`: a blank line after the heading."""
        self.head = head
        self.groups = [list(group) for group in groups]
        self.gap, self.spaced = gap, spaced
        self._laid_out: tuple[int | None, Content] | None = None

    def text(self, width: int | None = None) -> Text:
        """The block as Text, its fields packed into `width` cells (None: a line per group)."""
        out = Text()  # a plain base: the bold heading must not spill into what follows
        out.append_text(self.head)
        if self.spaced:
            out.append("\n")
        for group in self.groups:
            out.append("\n")
            used = 0
            for number, field in enumerate(group):
                if number and width is not None and used + len(self.gap) + field.cell_len > width:
                    out.append("\n")
                    used = 0
                elif number:
                    out.append(self.gap)
                    used += len(self.gap)
                out.append_text(field)
                used += field.cell_len
        if self.spaced:
            out.append("\n")
        return out

    def content(self, width: int | None) -> Content:
        if self._laid_out is None or self._laid_out[0] != width:
            self._laid_out = (width, Content.from_rich_text(self.text(width)))
        return self._laid_out[1]

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.content(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content(None).get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.content(width).get_height(rules, width)

    def __str__(self) -> str:
        return self.text().plain

"""Which words of a post the query found: the query's terms analysed like the index analyses text,
so "running" in the query lights up "runs" and "Runner" in the post, and `caf*` lights up "Café"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from vidbrowse.core.engine.analysis import ANALYZER, fold, plain_words, words_of
from vidbrowse.core.query.nodes import Term


@dataclass(frozen=True, slots=True)
class TermMatcher:
    words: frozenset[str]  # analysed (stemmed, folded) words
    prefixes: tuple[str, ...]  # folded prefixes, matched against the word and its stem

    @classmethod
    def from_terms(cls, terms: Sequence[Term]) -> TermMatcher:
        words: set[str] = set()
        prefixes: list[str] = []
        for term in terms:
            if term.kind == "prefix":
                # As the search expands it: the last word of what was typed (`*new*`: `new`).
                prefixes += plain_words(term.text)[-1:]
            else:
                words.update(words_of(term.text))
        return cls(frozenset(words), tuple(prefixes))

    def __bool__(self) -> bool:
        return bool(self.words or self.prefixes)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of `text` whose words match."""
        if not self:
            return []
        found: list[tuple[int, int]] = []
        for token in ANALYZER(text, chars=True, positions=False, mode="index"):
            start, end = token.startchar, token.endchar
            if token.text in self.words or (
                self.prefixes
                and any(
                    token.text.startswith(prefix) or fold(text[start:end]).startswith(prefix)
                    for prefix in self.prefixes
                )
            ):
                found.append((start, end))
        return found

    def highlight(self, text: Text, style: Style | str) -> Text:
        """Stylise the matching words of `text` in place (offsets are the plain text's)."""
        for start, end in self.spans(text.plain):
            text.stylize(style, start, end)
        return text

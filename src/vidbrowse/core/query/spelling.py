"""Typo correction: a query that finds nothing, rewritten with the archive's own spellings.

The spellings are the words of the titles, channel names and tags, and the whole tag and category
values, counted (from the columns, in memory: ~0.1 s to gather at 30k posts, once per columns).
A word is replaced by the most frequent spelling within its typo budget (1 edit for words of 5+
letters, 2 for 9+, as web search engines do) when the index holds no post with it, when it is
nearly absent while the close spelling is common and the query finds almost nothing, or when the
query finds nothing and the close spelling alone finds twice the posts the word does. Candidates
come from the typed word's edits (deletes, transpositions, replacements, inserts over the letters
of its script) looked up in the spellings: ~0.2 ms a word at distance 1. Whoosh's
`Searcher.correct_query` compares with every term of the field instead (`terms_within` without a
word graph: seconds at 30k posts) and offers stems ("surviv"), not words people type.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from whoosh.support.levenshtein import distance

from vidbrowse.core.display import printable
from vidbrowse.core.engine.combining import MARKS
from vidbrowse.core.options import RARE_HITS
from vidbrowse.core.query.columns import Columns
from vidbrowse.core.query.facets import fold
from vidbrowse.core.query.language import (
    And,
    Exact,
    Node,
    Or,
    Term,
    format_value,
)

# A word: a letter, then letters and combining marks (an Indic word stays whole).
WORD = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{MARKS}])*")
# Letters per script an edit may put in: the most common of the spellings.
ALPHABET = 48
# Close spellings tried for one word, most likely first, until the query finds something.
CHOICES = 4
# Words this long may be 2 edits off (see `budget`).
LONG = 9
# A word the index holds in at most RARE posts is replaced only by a spelling FAR times as common,
# and only when the query finds at most RARE posts.
RARE = RARE_HITS
FAR = 50
# Term fields → the spellings they are corrected with (None: a word in any field).
_WORD_FIELDS = {None: None, "title": "title", "channel": "channel", "text": None}
_VALUE_FIELDS = ("tag", "category", "channel")  # whole values (`channel="…"` for a channel)
_FIELD_NAME = re.compile(r"[A-Za-z_]+[:=]")


def budget(length: int) -> int:
    """Edits forgiven in a word of `length` letters."""
    return 2 if length >= 9 else 1 if length >= 5 else 0


class Spellings:
    """Spellings with their counts; `near` finds those close to a word."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        letters = Counter("".join(counts))
        by_script: dict[str, list[str]] = {}
        for letter, _ in letters.most_common():
            by_script.setdefault(_script(letter), []).append(letter)
        self.alphabets = {script: "".join(chars[:ALPHABET]) for script, chars in by_script.items()}
        # Spellings of 7+ letters by first letter, and by second letter after a "+".
        self._long: dict[str, list[str]] | None = None

    def near(self, word: str) -> list[str]:
        """The spellings within the budget of `word`, the closest first, then the most common
        (then alphabetical, so the answer never varies); at most CHOICES of them."""
        if budget(len(word) + 1) == 0:
            return []
        scripts = dict.fromkeys(map(_script, word))
        alphabet = "".join(self.alphabets.get(script, "") for script in scripts)
        near = sorted(self._within(_edits(word, alphabet), word, 1), key=self._commonest)
        if len(near) < CHOICES and len(word) + 2 >= LONG:
            further = self._within(self._long_near(word), word, 2) - set(near)
            near += sorted(further, key=self._commonest)
        return near[:CHOICES]

    def _commonest(self, spelling: str) -> tuple[int, str]:
        return -self.counts[spelling], spelling

    def _within(self, candidates: Iterable[str], word: str, edits: int) -> set[str]:
        counts = self.counts
        return {
            c
            for c in set(candidates)
            if c in counts and c != word and budget(max(len(c), len(word))) >= edits
        }

    def _long_near(self, word: str) -> Iterator[str]:
        """Spellings of 7+ letters within 2 edits of `word` whose first letter is its first or
        second, or whose second letter is its first: the edits of an edit of a long word are
        ~10^6 strings, while these are a few hundred compared one by one."""
        if self._long is None:
            self._long = {}
            for spelling in self.counts:
                if len(spelling) >= LONG - 2:
                    self._long.setdefault(spelling[0], []).append(spelling)
                    self._long.setdefault("+" + spelling[1], []).append(spelling)
        pool = {*self._long.get(word[0], ()), *self._long.get(word[1], ()),
                *self._long.get("+" + word[0], ())}  # fmt: skip
        for spelling in pool:
            if abs(len(spelling) - len(word)) <= 2 and distance(spelling, word, 2) <= 2:
                yield spelling


@dataclass
class Vocabulary:
    """The spellings of an archive, by what a query names: words of any field, of titles, of
    channel names; whole tag and category values (folded → (label, count))."""

    words: dict[str | None, Spellings]
    values: dict[str, tuple[Spellings, dict[str, str]]]  # field → (folded values, their labels)

    @classmethod
    def of(cls, columns: Columns) -> Vocabulary:
        title = Counter(WORD.findall("\n".join(columns.titles).lower()))
        channel = _words_of(_labelled(columns, "channel"))
        tags = _words_of(_labelled(columns, "tag"))
        values = {}
        for field in _VALUE_FIELDS:
            labelled = list(_labelled(columns, field))
            counts = Counter({fold(label): count for label, count in labelled})
            values[field] = (Spellings(counts), {fold(label): label for label, _ in labelled})
        return cls(
            words={
                None: Spellings(title + channel + tags),  # a new Counter: the parts stay
                "title": Spellings(title),
                "channel": Spellings(channel),
            },
            values=values,
        )

    def near_values(self, field: str, value: str) -> list[str]:
        """The labels of the values close to `value` (none if it is one)."""
        spellings, labels = self.values[field]
        folded = fold(value.strip())
        return [] if folded in labels else [labels[v] for v in spellings.near(folded)]


def _labelled(columns: Columns, field: str) -> Iterator[tuple[str, int]]:
    """(label, posts holding it) of a facet's values."""
    facet = columns.facets[field]
    counts = np.bincount(facet.ids, minlength=len(facet.labels))
    return zip(facet.labels, counts.tolist(), strict=True)


def _words_of(labelled: Iterable[tuple[str, int]]) -> Counter[str]:
    words: Counter[str] = Counter()
    for label, count in labelled:
        for word in WORD.findall(label.lower()):
            words[word] += count
    return words


_vocabularies: weakref.WeakKeyDictionary[Columns, Vocabulary] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def vocabulary(columns: Columns) -> Vocabulary:
    """The spellings of `columns`, gathered on first use and kept while the columns live."""
    with _lock:
        found = _vocabularies.get(columns)
        if found is None:
            found = _vocabularies[columns] = Vocabulary.of(columns)
        return found


def correct(
    text: str,
    node: Node,
    vocabulary: Vocabulary,
    posts_with: Callable[[Term], int],
    finds: Callable[[str], int],
    found: int,
) -> str | None:
    """`text` with misspelt words and values replaced so that it finds more than the `found`
    posts it found, or None. `node` is the parse of `text`, `posts_with(term)` the number of posts
    a word finds, `finds(query)` the number a query finds. Each word's likeliest spelling is tried
    first, then, one word at a time, its others. Negated words are left alone: a typo there hides
    nothing."""
    spots: list[tuple[int, int, list[str]]] = []  # (start, end, replacements) in the text
    for item in _positive_atoms(node):
        if isinstance(item, Exact) and item.field in _VALUE_FIELDS and not found:
            name = _FIELD_NAME.match(text, item.start)  # as typed: `cat:`, `channel=`…
            assert name is not None
            labels = vocabulary.near_values(item.field, item.value)
            spots.append((item.start, item.end, [name.group() + format_value(v) for v in labels]))
        elif isinstance(item, Term) and item.kind == "word" and item.field in _WORD_FIELDS:
            start = item.end - len(item.text)
            if text[start : item.end] == item.text:
                spots.append((start, item.end, _near_words(item, vocabulary, posts_with, found)))
    spots = [spot for spot in spots if spot[2]]
    if not spots:
        return None
    trials = [[0] * len(spots)]  # the index of each spot's replacement
    for i, (_, _, replacements) in enumerate(spots):
        for j in range(1, len(replacements)):
            trials.append([0] * len(spots))
            trials[-1][i] = j
    for trial in trials:
        corrected = text
        for (start, end, replacements), j in sorted(zip(spots, trial, strict=True), reverse=True):
            corrected = corrected[:start] + replacements[j] + corrected[end:]
        if finds(corrected) > found:
            return corrected
    return None


def note(typed: str, found: int, corrected: str) -> str:
    """The one line that says a corrected query is shown in place of what was typed."""
    head = "No posts match" if not found else f"Only {found} post{'s' * (found > 1)} match"
    return f"{head} `{printable(typed)}` — showing `{printable(corrected)}`"


def _near_words(
    term: Term, vocabulary: Vocabulary, posts_with: Callable[[Term], int], found: int
) -> list[str]:
    """Spellings to try for a word: none when the archive spells it so in a title, a channel or
    a tag; a word at most RARE posts hold gives way only to spellings FAR times as common (twice
    when the query finds nothing); a word more posts hold, only when the query finds nothing."""
    word = term.text.lower()
    spellings = vocabulary.words[_WORD_FIELDS[term.field]]
    if not WORD.fullmatch(word) or word in spellings.counts:
        return []
    holding = posts_with(term)
    if holding <= RARE:
        least = holding * (FAR if found else 2)
        return [near for near in spellings.near(word) if spellings.counts[near] > least]
    if found:
        return []
    # Each word finds posts, together none: a word that some bodies misspell ("nouvele") gives
    # way to a close spelling that finds twice as many posts on its own.
    return [
        near for near in spellings.near(word) if posts_with(replace(term, text=near)) > 2 * holding
    ]


def _positive_atoms(node: Node) -> Iterator[Node]:
    """The words and values of `node` outside any NOT, in query order."""
    if isinstance(node, And | Or):
        for item in node.items:
            yield from _positive_atoms(item)
    elif isinstance(node, Term | Exact):
        yield node


def _edits(word: str, alphabet: str) -> Iterator[str]:
    """Every string one edit from `word`: a letter deleted, two swapped, replaced or inserted."""
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        if tail:
            yield head + tail[1:]
            if len(tail) > 1:
                yield head + tail[1] + tail[0] + tail[2:]
            for letter in alphabet:
                yield head + letter + tail[1:]
        for letter in alphabet:
            yield head + letter + tail


def _script(letter: str) -> str:
    """The first word of a letter's Unicode name ("LATIN", "CYRILLIC", "DEVANAGARI", …)."""
    return unicodedata.name(letter, "?").split(" ", 1)[0]

"""How text becomes indexed words, the same for posts and for queries (README: the query language).

A word is a run of letters and digits with their combining marks (Unicode Mn/Mc/Me, as in UAX
#29: `नमस्ते` is one word, not four fragments), joiners and variation selectors inside it. Every
other character separates words: `*bold*`, `_word_`, `#tag`, `@handle`, `a/b`, `don't`
(`don` and `t`). Two joins are kept: digits around `.` or `,` (`3.5`, `1,000`) and single letters
with dots, read as one word without them (`U.S.A.` is `usa`, `e.g.` is `eg`). A run of Chinese,
Japanese or Korean characters becomes its overlapping pairs (`東京タワー`: `東京` `京タ` `タワ`
`ワー`, as Lucene's CJK analyzer does), so a word inside a run is found; a lone character stays
itself. A word run together from others (`CFour86`, `BestOnes`) is indexed with its parts at
its position, as Lucene's word delimiter does (`_parts`); a query's words stay whole. Words
are lower-cased, accent-folded, then stemmed (Porter2). Nothing is dropped: stop words are
words, and positions count every word, so phrases are exact.

Two ways in, one result: `WordAnalyzer` (a Whoosh analyzer: Whoosh's writer, the query side and
the highlighter) and `WordAnalyzer.positions` (the bulk builder's one loop). Both go through
`_split`, cached per chunk; tests compare them on generated and real posts.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Analyzer, Token
from whoosh.lang.porter2 import stem as porter2_stem
from whoosh.support.charset import accent_map

from vidbrowse.core.engine.combining import ASTRAL_MARKS, MARKS
from vidbrowse.core.engine.decorations import DELETED

# Scripts written without spaces whose runs become pairs: Han (with 々〆〇), hiragana,
# katakana (not the middle dot ・), their half-width forms, and Hangul.
CJK = (
    "\u1100-\u11ff\u3005-\u3007\u3041-\u3096\u3099-\u309f\u30a1-\u30fa\u30fc-\u30ff"
    "\u3131-\u318e\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_LETTER = rf"[^\W\d_{CJK}]"  # a letter that is no CJK character
_START = rf"[^\W_{CJK}]"  # a word starts with a letter or a digit
_INSIDE = rf"(?:{_START}|[{MARKS}{ASTRAL_MARKS}\u200c\u200d])"  # ... goes on with marks too
_TOKEN = (
    rf"[{CJK}]+"  # a CJK run
    rf"|(?:{_LETTER}\.)+{_LETTER}(?!{_INSIDE})"  # single letters with dots: U.S.A, e.g
    rf"|{_START}{_INSIDE}*(?:(?<=\d)[.,](?=\d){_INSIDE}+)*"  # a word; 3.5, 1,000, v1.2.3
)


@functools.cache
def _tokens() -> re.Pattern[str]:
    """_TOKEN compiled when a chunk first needs it: ~12 ms of a search process's start, which
    a query of plain ASCII words never needs (see _split)."""
    return re.compile(_TOKEN)

# Text is cut into chunks that hold whole tokens (word characters, marks, joiners, inner `.`
# and `,`), found with one character class: matching _TOKEN over all text took 3x as long as
# Whoosh's tokenizer. _TOKEN then cuts a chunk once, cached: chunks repeat.
_CHAR = rf"[\w{MARKS}\u200c\u200d]+(?:[{ASTRAL_MARKS}]+[\w{MARKS}\u200c\u200d]*)*"
_CHUNK = re.compile(rf"{_CHAR}(?:[.,]{_CHAR})*")
_DIGIT = re.compile(r"\d").search


@functools.cache
def _cjk() -> re.Pattern[str]:
    """A CJK character, compiled when first needed: ~5 ms (its astral range), which a search
    of plain words or of no words never needs."""
    return re.compile(rf"[{CJK}]")


def _is_cjk(text: str) -> bool:
    """Whether `text` starts with a CJK character."""
    return _cjk().match(text) is not None


def _fold_table() -> dict[int, str | None]:
    """Whoosh's accent_map without its entries for combining marks (it maps some to letters:
    U+0303 to `p`), then the characters that only decorate letters deleted (decorations.py:
    accents of decomposed text, `İ` lower-cased, vowel points, joiners…). Indic vowel signs
    are the word: kept."""
    table: dict[int, str | None] = {
        code: value
        for code, value in accent_map.items()
        if not unicodedata.category(chr(code)).startswith("M")
    }
    table.update(DELETED)
    return table


_FOLD = _fold_table()
# Chunks seen → their words, for the bulk builder. Stemming costs ~50 µs a word: the cache
# outlives segments and batches (forked builders inherit it); dropped past this size (a few tens
# of MB).
_CACHE_MAX = 500_000
_CACHE: dict[str, tuple[tuple[str, ...], tuple[tuple[str, int], ...] | None]] = {}


def fold(text: str) -> str:
    """Lower-cased and accent-folded, not stemmed: what a prefix is compared with."""
    return text.lower().translate(_FOLD)


# Stems met so far (shared by every chunk: a word recurs in chunks that differ, `end.Next`)…
_STEMS: dict[str, str] = {}
# …and what porter2 can change: it only rewrites endings of Latin letters (a word ending in a
# digit or in another script comes back as it is; words hold no apostrophes here).
_LATIN_END = frozenset("abcdefghijklmnopqrstuvwxyz")


def _stem(word: str) -> str:
    """Porter2's stem, skipped where it cannot change the word: a third of real posts' words
    (numbers, ids, other scripts); ~50 µs a word otherwise."""
    if len(word) <= 2 or word[-1] not in _LATIN_END:
        return word
    stem = _STEMS.get(word)
    if stem is None:
        if len(_STEMS) > _CACHE_MAX:
            _STEMS.clear()
        stem = _STEMS[word] = porter2_stem(word)
    return stem


@functools.lru_cache(maxsize=65_536)
def _split(chunk: str, stem: bool = True) -> tuple[tuple[str, int, int], ...]:
    """The words of a chunk (a match of _CHUNK) with their spans in it; `stem=False`: folded
    only. A CJK pair spans its two characters, any other word its whole token."""
    if chunk.isascii() and chunk.isalnum():  # one plain word (no `.`, `,`, `_`): as _TOKEN cuts
        folded = fold(chunk)
        return ((_stem(folded) if stem else folded, 0, len(chunk)),)
    return _split_by_pattern(chunk, stem)


def _split_by_pattern(chunk: str, stem: bool) -> tuple[tuple[str, int, int], ...]:
    """`_split` for any chunk, through _TOKEN."""
    out: list[tuple[str, int, int]] = []
    for match in _tokens().finditer(chunk):
        raw, at = match.group(), match.start()
        if _is_cjk(raw):
            if len(raw) == 1:
                out.append((raw, at, at + 1))
            out += [(raw[i : i + 2], at + i, at + i + 2) for i in range(len(raw) - 1)]
            continue
        if "." in raw and not any(c.isdigit() for c in raw):
            raw = raw.replace(".", "")  # U.S.A → USA
        folded = fold(raw)
        if folded:  # else only marks that folding deletes (a lone tatweel)
            out.append((_stem(folded) if stem else folded, at, match.end()))
    return tuple(out)


def _cuts(raw: str) -> list[int]:
    """Where a word's parts meet: letters and digits (`CFour86`), a lower-case letter and an
    upper-case one (`BestOnes`); none when the word holds two numbers or more (`S05E12`, a video
    id, a hash: an identifier, not words run together). Marks go with the letter before them."""
    cuts: list[int] = []
    numbers = 0
    last = ""  # the kind of the last letter or digit: d(igit), l(ower), u(pper), o(ther)
    for i, c in enumerate(raw):
        if c.isdigit():
            kind = "d"
        elif c.isalpha():
            kind = "l" if c.islower() else "u" if c.isupper() else "o"
        else:
            continue
        if kind == "d" and last != "d":
            numbers += 1
            if numbers > 1:
                return []
        if last and ((kind == "d") != (last == "d") or (last == "l" and kind == "u")):
            cuts.append(i)
        last = kind
    return cuts


def _one_kind(text: str) -> bool:
    """Digits only, or no digit and letters all of one case, capitalised or of a script without
    case: nothing to cut (most words)."""
    if _DIGIT(text) is None:
        return text == text.lower() or text.isupper() or text.istitle()
    return text.isdigit()


@functools.lru_cache(maxsize=65_536)
def _parts(chunk: str) -> tuple[tuple[int, str, int, int], ...]:
    """The parts of the chunk's words that are several run together, as Lucene's word delimiter
    cuts them: (the word's index in `_split(chunk)`, the part, its span). Indexed at their word's
    position beside it, so `cfour` and `86` find `CFour86`, while the query's words stay whole:
    `cfour86` finds it too and a phrase of whole words stays exact."""
    out: list[tuple[int, str, int, int]] = []
    for index, (word, start, end) in enumerate(_split(chunk)):
        raw = chunk[start:end]
        if _one_kind(raw) or _is_cjk(raw) or "." in raw or "," in raw:
            continue  # a plain word, a CJK pair, a number or an abbreviation: no parts
        edges = [0, *_cuts(raw), len(raw)]
        if len(edges) == 2:
            continue
        seen = {word}  # a part stemmed like its word (`abcS`: `abc`) is the word: once
        for a, b in itertools.pairwise(edges):
            part = _stem(fold(raw[a:b]))
            if part and part not in seen:
                seen.add(part)
                out.append((index, part, start + a, start + b))
    return tuple(out)


def _index_words(chunk: str) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...] | None]:
    """What the bulk builder caches for a chunk: its words, one a position, and when some have
    parts, every word and part with its position among them (in order)."""
    words = tuple(word for word, _, _ in _split(chunk))
    parts = () if _one_kind(chunk) else _parts(chunk)
    if not parts:
        return words, None
    merged: list[tuple[str, int]] = []
    for index, word in enumerate(words):
        merged.append((word, index))
        merged += [(part, index) for at, part, _, _ in parts if at == index]
    return words, tuple(merged)


def plain_words(text: str) -> list[str]:
    """The words of `text` lower-cased and folded but not stemmed (CJK runs as pairs)."""
    return [word for chunk in _CHUNK.findall(text) for word, _, _ in _split(chunk, False)]


class WordAnalyzer(Analyzer):
    """The analysis as a Whoosh analyzer (see the module's doc). Keyword arguments as Whoosh's
    (`positions`, `chars`, `start_pos`, `start_char`, `mode`); `removestops` changes nothing: no
    word is ever removed. `mode="index"` (Whoosh's writer, the highlighter) adds the parts of
    words run together at their word's position; a query's words stay whole."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        pos = start_pos
        indexing = mode == "index"
        for match in _CHUNK.finditer(value):
            at = start_char + match.start()
            chunk = match.group()
            parts = _parts(chunk) if indexing and not _one_kind(chunk) else ()
            for index, (word, start, end) in enumerate(_split(chunk)):
                spans = [(word, start, end)]
                spans += [(part, a, b) for i, part, a, b in parts if i == index]
                for text, a, b in spans:
                    token = Token(positions=positions, chars=chars, mode=mode, **kwargs)
                    token.text = text
                    if positions:
                        token.pos = pos
                    if chars:
                        token.startchar, token.endchar = at + a, at + b
                    yield token
                pos += 1

    def positions(self, value: str) -> dict[str, list[int]]:
        """Word → its positions in `value`: the tokens `__call__` gives when indexing, in one
        loop."""
        found: dict[str, list[int]] = {}
        pos = 0
        cache = _CACHE
        if len(cache) > _CACHE_MAX:
            cache.clear()
        for chunk in _CHUNK.findall(value):
            try:
                words, merged = cache[chunk]
            except KeyError:
                words, merged = cache[chunk] = _index_words(chunk)
            if merged is None:
                for word in words:
                    plist = found.get(word)
                    if plist is None:
                        found[word] = [pos]
                    else:
                        plist.append(pos)
                    pos += 1
            else:  # words with parts (a few in a hundred)
                for word, index in merged:
                    found.setdefault(word, []).append(pos + index)
                pos += len(words)
        return found


ANALYZER = WordAnalyzer()


def words_of(text: str) -> list[str]:
    """The indexed words of `text`, in order (a query's words: one is a term, more a phrase)."""
    return [token.text for token in ANALYZER(text)]

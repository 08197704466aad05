"""Titles, descriptions and tags in a post's script and topic: words, emoji, invisible
characters and links, as real posts mix them."""

from __future__ import annotations

import math
import random
import re

from vidbrowse.generate.fields import ID_CHARS, Topic, html_escape
from vidbrowse.generate.words import UNSPACED, split_words, vocabulary, word_table

_EMOJI = split_words(
    "😀 😂 😍 🔥 👍 🎵 🎶 ⚽ 🏆 ❤️ ✅ 🚀 💪 🙏 😱 🎮 📱 ⭐ 🇪🇸 🇺🇸 🇫🇷 "
    # ZWJ sequences: one glyph, several code points.
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f3f3\ufe0f\u200d\U0001f308 "
    "\U0001f469\U0001f3fd\u200d\U0001f4bb \U0001f9d1\u200d\U0001f680 \u2764\ufe0f\u200d\U0001f525"
)
# Invisible characters that real titles and descriptions carry now and then.
_INVISIBLE = ("\u200b", "\u200c", "\u200e", "\u200f", "\u202b", "\u202c", "\u2066", "\u2069")

_DOMAINS = (
    "https://www.youtube.com/channel/UC{id}",
    "https://www.youtube.com/watch?v={id}&amp;list=PL{id}",
    "https://twitter.com/{word}",
    "https://www.instagram.com/{word}/",
    "https://www.facebook.com/{word}",
    "https://bit.ly/{id}",
    "http://{word}.com/{word}",
    "https://www.patreon.com/{word}",
    "https://t.me/{word}",
    "https://goo.gl/{id}",
)

class Writer:
    """Word and sentence making for one post: its script, its topic, its random generator."""

    def __init__(self, rng: random.Random, script: str, topic: Topic) -> None:
        self.rng = rng
        self.script = script
        self.topic = topic
        self.table = word_table(script)
        self.english = word_table("english")
        self.buffer: list[str] = []

    def _refill(self, n: int) -> None:
        # Words are drawn in large batches: one `choices` call per batch is what keeps 100k
        # posts under half a minute.
        rng = self.rng
        n = max(n, 128)
        batch = rng.choices(self.table, k=n)
        if self.script != "english":  # foreign posts still mix in English words
            mixed = rng.choices(self.english, k=n // 5)
            for k, word in zip(rng.choices(range(n), k=n // 5), mixed, strict=True):
                batch[k] = word
        topical = rng.choices(self.topic.words, k=n // 12)
        for k, word in zip(rng.choices(range(n), k=n // 12), topical, strict=True):
            batch[k] = word
        self.buffer.extend(batch)

    def words(self, n: int) -> list[str]:
        if len(self.buffer) < n:
            self._refill(n)
        taken = self.buffer[-n:]
        del self.buffer[-n:]
        return taken

    def join(self, words: list[str]) -> str:
        if self.script in UNSPACED and self.rng.random() < 0.6:
            return "".join(words)
        return " ".join(words)

    def sentence(self) -> str:
        rng = self.rng
        words = self.words(max(2, int(rng.gauss(12, 5))))
        words[0] = words[0].capitalize()
        if rng.random() < 0.05:
            words.insert(rng.randrange(len(words)), rng.choice(("AT&T", "R&B", "Q&A", "4K")))
        if rng.random() < 0.05:
            k = rng.randrange(len(words))
            words[k] = f'"{words[k]}"'
        if rng.random() < 0.06:
            words.append(rng.choice(_EMOJI))
        return self.join(words) + rng.choice(".....!?:")

    def title(self) -> str:
        rng = self.rng
        n = max(1, min(40, int(math.exp(rng.gauss(math.log(7), 0.5)))))
        words = self.words(n)
        form = rng.random()
        if form < 0.5:
            words = [w.capitalize() for w in words]
        elif form < 0.58:
            words = [w.upper() for w in words]
        text = self.join(words)
        extra = rng.random()
        if extra < 0.08:
            text = f"#{rng.randrange(1, 400)} {text}"
        elif extra < 0.16:
            text = f"{text} | {self.join(self.words(3)).title()}"
        elif extra < 0.22:
            text = f"{text} ({rng.randrange(1990, 2023)})"
        elif extra < 0.26:
            text = f"Top {rng.randrange(3, 50)} {text}!"
        elif extra < 0.30:
            text = f'{text} "{self.words(1)[0]}" {self.words(1)[0]}/{self.words(1)[0]}'
        elif extra < 0.303:  # a YAML document marker inside a value
            text = f"{text} --- {self.words(1)[0]}"
        if rng.random() < 0.1:
            text += " " + rng.choice(_EMOJI)
        if rng.random() < 0.01:
            k = rng.randrange(len(text) + 1)
            text = text[:k] + rng.choice(_INVISIBLE) + text[k:]
        return text

    def link(self, anchor: bool) -> str:
        rng = self.rng
        url = rng.choice(_DOMAINS).format(
            id="".join(rng.choices(ID_CHARS[:62], k=rng.randrange(6, 22))),
            word=rng.choice(vocabulary()[60:800]),
        )
        if anchor:
            return f'<a rel="nofollow" target="blank" href="{url}">{url}</a>'
        return url

    def body(self, target: int, br: str, links: bool) -> str:
        """About `target` bytes of description: sentences, breaks, links, hashtags."""
        rng = self.rng
        parts: list[str] = []
        size = 0
        while size < target:
            roll = rng.random()
            if links and roll < 0.07:
                text = html_escape(self.sentence()[:-1])
                piece = f"{text}: {self.link(anchor=rng.random() < 0.9)}"
            elif roll < 0.1:
                words = html_escape(self.join(self.words(3)))
                piece = f"{rng.randrange(60):02d}:{rng.randrange(60):02d} {words}"
            elif roll < 0.11:
                piece = "_" * rng.randrange(10, 40)
            else:
                piece = html_escape(" ".join(self.sentence() for _ in range(rng.randrange(1, 4))))
            parts.append(piece)
            size += len(piece.encode()) + len(br)
        if rng.random() < 0.3:
            tags = {w.capitalize() for w in self.words(rng.randrange(1, 6)) if w.isalnum()}
            parts.append(" ".join(f"#{w}" for w in sorted(tags)))
        if rng.random() < 0.02:
            parts.insert(0, rng.choice(_INVISIBLE))
        if rng.random() < 0.02:
            parts[-1] += "\xa0"
        out: list[str] = []
        for k, part in enumerate(parts):
            if k:
                out.append(br * 2 if rng.random() < 0.3 else br)
            out.append(part)
        return "".join(out)


def pick_tags(rng: random.Random, title: str, topic: Topic) -> list[str]:
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", title) if len(w) > 2]
    count = rng.choices((1, 2, 3), cum_weights=(0.03, 0.06, 1.0))[0]
    tags: list[str] = []
    for _ in range(8):  # bounded: a short title may not offer enough distinct words
        roll = rng.random()
        if words and roll < 0.55:
            tag = rng.choice(words)
            tag = tag.lower() if rng.random() < 0.7 else tag
        elif words and roll < 0.7:
            k = rng.randrange(len(words))
            tag = " ".join(words[k : k + 2]).lower()
        else:
            tag = rng.choice(topic.words)
        if tag not in tags:
            tags.append(tag)
        if len(tags) == count:
            break
    return tags

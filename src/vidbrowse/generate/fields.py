"""The front matter's values: topics and their categories, ids, channels, names, dates,
durations and counts, quoted as each export quotes them."""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from itertools import accumulate

from vidbrowse.generate.words import SCRIPTS, split_words, vocabulary

# Topics: a topic picks the category and feeds words into the title, body and tags.


@dataclass(frozen=True, slots=True)
class Topic:
    youtube: str  # YouTube category
    dailymotion: str  # Dailymotion category
    words: tuple[str, ...]
    weight: float


def _topic(youtube: str, dailymotion: str, words: str, weight: float) -> Topic:
    return Topic(youtube, dailymotion, tuple(words.split()), weight)


TOPICS = (
    _topic("Music", "music", "music song songs concert guitar piano remix cover lyrics singer", 27),
    _topic("People-Blogs", "people", "life family friends vlog day home story dream", 12),
    _topic("Education", "school", "learn lesson history science explained guide teacher", 11),
    _topic("Entertainment", "tv", "movie trailer scene actor interview challenge funny", 10),
    _topic("Gaming", "videogames", "game gaming minecraft fortnite pokemon player level", 8),
    _topic("Howto-Style", "lifestyle", "recipe cooking kitchen repair fix tutorial design", 6),
    _topic("Science-Technology", "tech", "phone computer robot rocket quantum code battery", 4),
    _topic("News-Politics", "news", "news election government president police protest war", 4),
    _topic("Film-Animation", "shortfilms", "film animation anime movie trailer scene", 3),
    _topic("Sports", "sport", "football soccer match goal team champion race running", 3),
    _topic("Comedy", "fun", "comedy funny prank laugh challenge", 1.5),
    _topic("Nonprofits-Activism", "news", "peace protest children health faith", 1.2),
    _topic("Autos-Vehicles", "auto", "car cars engine truck bike motor racing", 1),
    _topic("Travel-Events", "travel", "travel journey city island beach mountain", 0.8),
    _topic("Pets-Animals", "animals", "dog dogs cat cats animal bird horse", 0.7),
)
TOPIC_CUM = tuple(accumulate(t.weight for t in TOPICS))
# Dailymotion archives are mostly news; its own category names differ from YouTube's.
DM_CATEGORY_OVERRIDE = (("news", 0.45), ("sport", 0.08), ("fun", 0.05))

ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_DM_ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"

_FIRST_NAMES = split_words(
    "Anna Ben Carlos Dmitri Emma Fatima Gita Hiro Ines Jamal Kim Lena Marco Nadia Omar Priya "
    "Quinn Rosa Sven Tariq Uma Viktor Wen Yara Zoe"
)
_LAST_NAMES = split_words(
    "Smith Ivanova García Chen Müller Rossi Kowalski Nguyen Okafor Silva Haddad Sato Novak "
    "Fischer Lopez Petrov Kaur Dubois Cohen Tanaka"
)
_CHANNEL_FORMS = (
    "{First} {Last}",
    "{Word} TV",
    "{Word} Official",
    "The {Word} Show",
    "{Word}{Word2}",
    "{First}'s {Word}",
    "{Word} - Topic",
    "{Word} {Word2} [{word}]",
    "{First} {Last} ({script})",
    "{Word}!",
)

POSTED_START = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())
POSTED_SPAN = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp()) - POSTED_START
UPLOAD_FLOOR = int(datetime(2006, 1, 1, tzinfo=UTC).timestamp())
MSK = timezone(timedelta(hours=3))
_MAX_VIEWS = 1_700_000_000


def _post_hash(seed: int, i: int) -> bytes:
    """Facts of post i that other posts need without rendering it (its source and vid_id)."""
    return hashlib.blake2b(f"{seed}/{i}".encode(), digest_size=16).digest()


def post_rng(seed: int, i: int) -> random.Random:
    """The generator of post i for a seed: any post renders on its own, in any order."""
    return random.Random(f"{seed}/{i}")


def is_dailymotion(seed: int, i: int, share: float) -> bool:
    return _post_hash(seed, i)[0] / 256 < share


def make_vid_id(seed: int, i: int, dailymotion: bool) -> str:
    digest = _post_hash(seed, i)
    if dailymotion:
        return "x7v" + "".join(_DM_ID_CHARS[b % 36] for b in digest[1:5])
    return "".join(ID_CHARS[b % 64] for b in digest[1:12])


def zipf_rank(rng: random.Random, n: int, exponent: float = 0.5) -> int:
    """A rank in [0, n) from a continuous power law: a few big channels, a long tail."""
    return min(n - 1, int(rng.random() ** (1.0 / (1.0 - exponent)) * n))


@cache
def channel_name(rank: int) -> str:
    """The name of the channel of a given popularity rank (0 is the biggest)."""
    rng = random.Random(f"channel/{rank}")
    en = vocabulary()
    pick = lambda: en[rng.randrange(60, 600)]  # noqa: E731
    word = pick()
    return rng.choice(_CHANNEL_FORMS).format(
        First=rng.choice(_FIRST_NAMES),
        Last=rng.choice(_LAST_NAMES),
        Word=word.capitalize(),
        Word2=pick().capitalize(),
        word=pick(),
        script=rng.choice(SCRIPTS[rng.choice(("cyrillic", "hangul", "cjk", "greek"))]),
    )


def slug_of(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:70].strip("-")


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name` with `-2`, `-3`… before the suffix if already taken; records it."""
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}{dot}{ext}"
    taken.add(candidate)
    return candidate


def yt_quote(text: str) -> str:
    # YouTube exports JSON-escape quotes, backslashes and slashes, keeping other characters raw.
    return json.dumps(text, ensure_ascii=False).replace("/", "\\/")


def dm_quote(text: str) -> str:
    # Dailymotion exports escape every non-ASCII character. Surrogate pairs (what json.dumps
    # writes for emoji) are invalid in YAML, so characters outside the BMP use `\U`.
    out = []
    for ch in json.dumps(text, ensure_ascii=False):
        code = ord(ch)
        if code < 0x80:
            out.append(ch)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def random_duration(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.005:
        return "P0D"  # a live stream
    if roll < 0.006:
        seconds = rng.randrange(86_400, 3 * 86_400)
    elif roll < 0.03:
        seconds = rng.randrange(1, 60)
    else:
        seconds = min(int(math.exp(rng.gauss(math.log(480), 0.9))), 86_399)
        if rng.random() < 0.02:  # whole minutes happen: "PT4M"
            seconds -= seconds % 60
    days, rest = divmod(max(seconds, 1), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    time = "".join(f"{v}{u}" for v, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if v)
    return f"P{days}DT{time}" if days else f"PT{time}"


def random_counts(rng: random.Random) -> tuple[str, str, str]:
    if rng.random() < 0.0005:
        return "", "", ""
    views = min(int(math.exp(rng.gauss(math.log(60_000), 3.2))), _MAX_VIEWS)
    if rng.random() < 0.002:
        views = 0
    if rng.random() < 0.017:  # likes hidden by the uploader
        return str(views), "", ""
    likes = int(views * math.exp(rng.gauss(math.log(0.0166), 0.8)))
    dislikes = int(likes * math.exp(rng.gauss(math.log(0.026), 0.9)))
    return str(views), str(likes), str(dislikes)


def html_escape(text: str) -> str:
    """Descriptions arrive HTML-escaped: `&amp;`, `&quot;`."""
    return text.replace("&", "&amp;").replace('"', "&quot;")


def iso_time(ts: int, tz: timezone) -> str:
    text = datetime.fromtimestamp(ts, tz).isoformat()
    return text.replace("+00:00", "Z")

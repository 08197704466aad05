"""A realistic, deterministic archive generator for tests, the demo and benchmarks.

The posts imitate the three real variants (YouTube `.md` with `{% raw %}` and CRLF, YouTube
`.html` without it, Dailymotion `.md` with 6 keys, `\\uXXXX` titles and `<br>`), with the real
key order, quoting, size spread, scripts, emoji, Zipf-distributed words and channels, a few
unknown counts and a few repeated `vid_id`s. Same seed → same bytes, whatever the platform.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from itertools import accumulate
from pathlib import Path


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# ---------------------------------------------------------------------------------------------
# Vocabulary. Ranks follow the order of the lists; sampling weights are Zipf over the ranks, so
# early words are common and the synthetic tail is rare (but every word does occur at scale).

_EN_FUNCTION = _w(
    "the and of to a in for is on with you this it that at by from my your we be are how "
    "all new our what not or can do will one more about out up so get just now like no when "
    "best full part official first top live day episode"
)

# Families share a stem, so stemming is visible: "run" also finds "running" and "runs".
_EN_CONTENT = _w(
    "video/videos music/musical song/songs news game/games/gaming play/plays/playing/played "
    "run/runs/running/runner make/makes/making love/loved/loving world time people life "
    "watch/watching/watched learn/learning/learned/learns cook/cooking/cooked/cooks "
    "build/building/builds/built review/reviews/reviewed guide/guides tutorial/tutorials "
    "travel/travels/traveling city/cities home/homes family/families friend/friends "
    "water fire light/lights night/nights house/houses car/cars road/roads train/training "
    "school/schools student/students teach/teaching/teacher story/stories history "
    "science/scientist space/spaces planet/planets energy power/powerful market/markets "
    "money price/prices business/businesses work/working/worked/worker job/jobs "
    "health/healthy food/foods recipe/recipes kitchen garden/gardening tree/trees "
    "dog/dogs cat/cats animal/animals bird/birds fish/fishing horse/horses "
    "football soccer basketball match/matches team/teams goal/goals player/players "
    "win/wins/winning/winner lose/losing race/racing champion/championship "
    "movie/movies film/films trailer/trailers actor/actors scene/scenes "
    "comedy funny/funniest laugh/laughing prank/pranks challenge/challenges "
    "phone/phones computer/computers camera/cameras battery/batteries software code/coding "
    "design/designs/designer paint/painting/painted draw/drawing art/artist "
    "dance/dancing/dancer sing/singing/singer guitar piano drum/drums concert/concerts "
    "election/elections government president minister law/laws court war/wars peace "
    "country/countries border/borders police attack/attacks protest/protests "
    "weather storm/storms rain winter summer spring autumn mountain/mountains river/rivers "
    "ocean beach island/islands forest/forests desert village/villages street/streets "
    "baby/babies child/children mother father sister brother wedding/weddings "
    "church prayer/prayers faith god bible lesson/lessons meditation yoga "
    "fitness workout/workouts exercise/exercises muscle/muscles diet weight "
    "engine/engines motor/motors bike/bikes truck/trucks plane/planes flight/flights "
    "repair/repairing/repaired fix/fixing/fixed tool/tools wood/woodworking metal "
    "channel/channels subscribe/subscribed comment/comments share/shared follow/following "
    "interview/interviews speech/speeches talk/talks/talking debate/debates "
    "explain/explained/explaining understand/understanding question/questions answer/answers "
    "beautiful amazing incredible simple easy hard/hardest fast/faster/fastest slow "
    "big/bigger/biggest small/smaller old/older young/younger strong/stronger "
    "happy/happiness sad/sadness strange secret/secrets hidden mystery/mysteries "
    "ancient modern future past century/centuries empire/empires king/kings queen "
    "dream/dreams/dreaming journey/journeys adventure/adventures explore/exploring "
    "minecraft fortnite pokemon anime manga karaoke remix/remixes cover/covers lyrics "
    "quantum electric/electricity solar robot/robots rocket/rockets satellite telescope "
    "coffee tea bread cheese chocolate pizza pasta rice chicken soup salad cake/cakes "
    "surgery doctor/doctors hospital/hospitals medicine vaccine/vaccines virus/viruses "
    "philosophy mathematics physics chemistry biology language/languages grammar english "
    "spider/spiders tiger/tigers shark/sharks whale/whales elephant/elephants "
    "diamond/diamonds gold silver treasure/treasures castle/castles dragon/dragons"
)

_SCRIPTS: dict[str, tuple[str, ...]] = {
    "latin": _w(
        "café été niño año über straße coração ação müzik güzel señor mañana garçon élève "
        "français español canción música fútbol équipe déjà naïve jalapeño crème brûlée "
        "façade zürich größe schön mädchen pájaro información corazón ciudad noticias "
        "vidéo première histoire leçon à la le de el los und der die das para com não "
        "très bien über alles niñez cañón öğretmen şarkı çocuk dünya haber içinde "
        "jeux cuisine recette voiture maison amour vida mundo fiesta playa montaña"
    ),
    "cyrillic": _w(
        "привет музыка новости видео игра как что это для россия москва песня клип обзор "
        "лучший новый жизнь война история урок футбол машина дом город время человек день "
        "мир любовь сделать майнкрафт прохождение выпуск серия фильм мультфильм рецепт "
        "кухня собака кошка дети школа работа деньги здоровье спорт бег бегать бегает"
    ),
    "arabic": _w(
        "مرحبا موسيقى أخبار فيديو الحلقة مسلسل كرة القدم اليوم العالم حب مصر السعودية "
        "قناة جديد أغنية فيلم تعلم طبخ وصفة سيارة مدينة تاريخ علوم الحياة الناس"
    ),
    "devanagari": _w(
        "नमस्ते समाचार गाना वीडियो भारत दिल्ली क्रिकेट फिल्म हिंदी आज खबर प्यार दुनिया सरकार "
        "मुंबई कहानी रसोई खाना पानी स्कूल बच्चे खेल नया पुराना"
    ),
    "cjk": _w(
        "新闻 音乐 视频 中国 今天 世界 电影 游戏 日本 東京 料理 動画 猫 犬 学习 历史 "
        "こんにちは ありがとう カラオケ ゲーム アニメ 歌 旅行 北京 上海 香港"
    ),
    "hangul": _w("안녕하세요 음악 뉴스 영상 한국 서울 사랑 노래 게임 드라마 요리 여행 친구 학교"),
    "thai": _w("สวัสดี ข่าว เพลง วิดีโอ ประเทศไทย กรุงเทพ ความรัก อาหาร ฟุตบอล ละคร ตอน ใหม่"),
    "greek": _w(
        "γεια μουσική ειδήσεις βίντεο Ελλάδα Αθήνα αγάπη ποδόσφαιρο ιστορία τραγούδι "
        "ταινία φαγητό θάλασσα νησί"
    ),
    "hebrew": _w("שלום מוזיקה חדשות סרטון ישראל ירושלים אהבה שיר משחק סרט בישול ילדים"),
    "tamil": _w("வணக்கம் செய்திகள் பாடல் திரைப்படம் சென்னை தமிழ் காதல் விளையாட்டு"),
}
# Share of posts written mainly in each script (the rest of their words are English).
_SCRIPT_WEIGHTS = {
    "english": 0.72,
    "latin": 0.1,
    "cyrillic": 0.08,
    "devanagari": 0.02,
    "arabic": 0.015,
    "cjk": 0.015,
    "hangul": 0.01,
    "thai": 0.008,
    "greek": 0.008,
    "hebrew": 0.007,
    "tamil": 0.007,
}
_SCRIPT_NAMES = tuple(_SCRIPT_WEIGHTS)
_SCRIPT_CUM = tuple(accumulate(_SCRIPT_WEIGHTS.values()))
# Scripts written without spaces between words (some of the time, as real posts do).
_UNSPACED = frozenset({"cjk", "thai"})

# Syllables for the synthetic rare tail, per script, so every script has rare words too.
_SYLLABLES = {
    "english": "ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra "
    "re ri ro ru sa se si so su ta te ti to tu va ve vi vo zo xa qui tron lix dor gar bel fen",
    "latin": "ña ño ré zé çu gü ös ål ão lé mè rí tó dú",
    "cyrillic": "ба ве ги до жу за ки ло ми но пу ро си ту фа ха це чи ша щу",
    "arabic": "با تي جو دا سي في قو كا لي مو نا",
    "devanagari": "का कि गु जा टी दा ना पा मा रा ला सा",
    "cjk": "山 水 火 木 金 土 月 日 风 雨 花 鸟 星 光 心",
    "hangul": "가 나 다 라 마 바 사 아 자 차 카 타",
    "thai": "กา ขา คา งา จา ฉา ชา ดา ตา นา",
    "greek": "κα λο μι νε πα ρο σι το φα χι",
    "hebrew": "בא גי דו הו זה חי טו כי לו מה",
    "tamil": "கா சி டு தா நி பா மா ரா",
}


def _zipf_table(words: Sequence[str], size: int, exponent: float = 1.05) -> tuple[str, ...]:
    """Each word repeated in proportion to its Zipf weight, so a uniform pick is a Zipf pick.

    Uniform `choices` on this table is twice as fast as weighted `choices` (no bisection)."""
    weights = [1.0 / (rank + 2.5) ** exponent for rank in range(len(words))]
    scale = size / sum(weights)
    table: list[str] = []
    cumulative = 0.0
    for word, weight in zip(words, weights, strict=True):
        cumulative += weight * scale
        table.extend([word] * (round(cumulative) - len(table)))
    return tuple(table)


def _synthetic_words(script: str, count: int) -> list[str]:
    # A private generator: the vocabulary is the same for every seed, so queries stay fixed.
    rng = random.Random(f"vocabulary/{script}")
    syllables = _SYLLABLES[script].split()
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


@cache
def vocabulary() -> tuple[str, ...]:
    """The English vocabulary, most frequent first: function words, content words with stem
    families, then 20,000 synthetic rare words (e.g. for "rare word" queries)."""
    content = [w for family in _EN_CONTENT for w in family.split("/")]
    # dict.fromkeys: a synthetic word may happen to spell a real one; keep its first rank.
    return tuple(dict.fromkeys([*_EN_FUNCTION, *content, *_synthetic_words("english", 20_000)]))


@cache
def _table(script: str) -> tuple[str, ...]:
    if script == "english":  # big enough that the rarest of 20,000 words keeps a few slots
        return _zipf_table(vocabulary(), 1 << 20)
    return _zipf_table([*_SCRIPTS[script], *_synthetic_words(script, 600)], 1 << 16)


# ---------------------------------------------------------------------------------------------
# Topics: a topic picks the category and feeds words into the title, body and tags.


@dataclass(frozen=True, slots=True)
class _Topic:
    youtube: str  # YouTube category
    dailymotion: str  # Dailymotion category
    words: tuple[str, ...]
    weight: float


def _topic(youtube: str, dailymotion: str, words: str, weight: float) -> _Topic:
    return _Topic(youtube, dailymotion, tuple(words.split()), weight)


_TOPICS = (
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
_TOPIC_CUM = tuple(accumulate(t.weight for t in _TOPICS))
# Dailymotion archives are mostly news; its own category names differ from YouTube's.
_DM_CATEGORY_OVERRIDE = (("news", 0.45), ("sport", 0.08), ("fun", 0.05))

_EMOJI = _w(
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
_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_DM_ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"

_FIRST_NAMES = _w(
    "Anna Ben Carlos Dmitri Emma Fatima Gita Hiro Ines Jamal Kim Lena Marco Nadia Omar Priya "
    "Quinn Rosa Sven Tariq Uma Viktor Wen Yara Zoe"
)
_LAST_NAMES = _w(
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

_POSTED_START = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())
_POSTED_SPAN = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp()) - _POSTED_START
_UPLOAD_FLOOR = int(datetime(2006, 1, 1, tzinfo=UTC).timestamp())
_MSK = timezone(timedelta(hours=3))
_MAX_VIEWS = 1_700_000_000


def _post_hash(seed: int, i: int) -> bytes:
    """Facts of post i that other posts need without rendering it (its source and vid_id)."""
    return hashlib.blake2b(f"{seed}/{i}".encode(), digest_size=16).digest()


def post_rng(seed: int, i: int) -> random.Random:
    """The generator of post i for a seed: any post renders on its own, in any order."""
    return random.Random(f"{seed}/{i}")


def _is_dailymotion(seed: int, i: int, share: float) -> bool:
    return _post_hash(seed, i)[0] / 256 < share


def _vid_id(seed: int, i: int, dailymotion: bool) -> str:
    digest = _post_hash(seed, i)
    if dailymotion:
        return "x7v" + "".join(_DM_ID_CHARS[b % 36] for b in digest[1:5])
    return "".join(_ID_CHARS[b % 64] for b in digest[1:12])


def _zipf_rank(rng: random.Random, n: int, exponent: float = 0.5) -> int:
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
        script=rng.choice(_SCRIPTS[rng.choice(("cyrillic", "hangul", "cjk", "greek"))]),
    )


def _slug(title: str) -> str:
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


def _yt_quote(text: str) -> str:
    # YouTube exports JSON-escape quotes, backslashes and slashes, keeping other characters raw.
    return json.dumps(text, ensure_ascii=False).replace("/", "\\/")


def _dm_quote(text: str) -> str:
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


def _duration(rng: random.Random) -> str:
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


def _counts(rng: random.Random) -> tuple[str, str, str]:
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


def _escape(text: str) -> str:
    """Descriptions arrive HTML-escaped: `&amp;`, `&quot;`."""
    return text.replace("&", "&amp;").replace('"', "&quot;")


def _iso(ts: int, tz: timezone) -> str:
    text = datetime.fromtimestamp(ts, tz).isoformat()
    return text.replace("+00:00", "Z")


class _Writer:
    """Word and sentence making for one post: its script, its topic, its random generator."""

    def __init__(self, rng: random.Random, script: str, topic: _Topic) -> None:
        self.rng = rng
        self.script = script
        self.topic = topic
        self.table = _table(script)
        self.english = _table("english")
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
        if self.script in _UNSPACED and self.rng.random() < 0.6:
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
            id="".join(rng.choices(_ID_CHARS[:62], k=rng.randrange(6, 22))),
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
                text = _escape(self.sentence()[:-1])
                piece = f"{text}: {self.link(anchor=rng.random() < 0.9)}"
            elif roll < 0.1:
                words = _escape(self.join(self.words(3)))
                piece = f"{rng.randrange(60):02d}:{rng.randrange(60):02d} {words}"
            elif roll < 0.11:
                piece = "_" * rng.randrange(10, 40)
            else:
                piece = _escape(" ".join(self.sentence() for _ in range(rng.randrange(1, 4))))
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


def _tags(rng: random.Random, title: str, topic: _Topic) -> list[str]:
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


def render_post(
    i: int, rng: random.Random, *, seed: int = 0, dailymotion_share: float = 0.1
) -> tuple[str, bytes]:
    """Post number i: its file name (before de-duplication, see `unique_name`) and its bytes.

    `rng` drives everything but the source and the vid_id (fixed by seed and i), so a benchmark
    can render a changed version of post i with another generator."""
    dailymotion = _is_dailymotion(seed, i, dailymotion_share)
    vid_source = i
    if i and rng.random() < 0.004:  # real archives repeat a few videos
        j = rng.randrange(i)
        if _is_dailymotion(seed, j, dailymotion_share) == dailymotion:
            vid_source = j
    vid_id = _vid_id(seed, vid_source, dailymotion)

    script = rng.choices(_SCRIPT_NAMES, cum_weights=_SCRIPT_CUM)[0]
    topic = rng.choices(_TOPICS, cum_weights=_TOPIC_CUM)[0]
    writer = _Writer(rng, script, topic)
    title = writer.title()
    tags = _tags(rng, title, topic)
    posted = _POSTED_START + rng.randrange(_POSTED_SPAN)
    slug = _slug(title) or vid_id

    if dailymotion:
        category = topic.dailymotion
        roll = rng.random()
        for name, share in _DM_CATEGORY_OVERRIDE:
            if roll < share:
                category = name
                break
            roll -= share
        image_id = "".join(rng.choices(_ID_CHARS[:62], k=17))
        target = min(int(math.exp(rng.gauss(math.log(400), 0.85))), 9_500)
        body = writer.body(target, "<br>", links=False)
        tag_list = ",".join(_dm_quote(t) for t in tags)
        if rng.random() < 0.01:  # a trailing comma, as some exports write
            tag_list += ","
        lines = [
            "---",
            f"title: {_dm_quote(title)}",
            f'image: "https://s{rng.randrange(1, 3)}.dmcdn.net/v/{image_id}/x240"',
            f'vid_id: "{vid_id}"',
            f'categories: "{category}"',
            f"tags: [{tag_list}]",
            f'date: "{_iso(posted, _MSK)}"',
            "---",
            body,
            "",
        ]
        newline = "\r\n" if rng.random() < 0.1 else "\n"
        return f"0001-01-01-{slug}.md", newline.join(lines).encode()

    html = rng.random() < 0.45  # the ".html" export has no {% raw %} around the body
    uploaded = posted - int(rng.expovariate(1 / (2.5 * 365 * 86_400)))
    if uploaded < _UPLOAD_FLOOR:
        uploaded = _UPLOAD_FLOOR + rng.randrange(posted - _UPLOAD_FLOOR)
    body = ""
    if rng.random() >= 0.02:  # some videos have no description
        target = min(int(math.exp(rng.gauss(math.log(1050), 0.85))), 14_500)
        body = writer.body(target, "<br />", links=True)
    if not html:
        body = "{% raw %}" + body + "{% endraw %}"
    views, likes, dislikes = _counts(rng)
    channel = channel_name(_zipf_rank(rng, 50_000))
    lines = [
        "---",
        f"title: {_yt_quote(title)}",
        f'image: "https:\\/\\/i.ytimg.com\\/vi\\/{vid_id}\\/hqdefault.jpg"',
        f'vid_id: "{vid_id}"',
        f'categories: "{topic.youtube}"',
        f"tags: [{','.join(_yt_quote(t) for t in tags)}]",
        f'date: "{_iso(posted, _MSK)}"',
        f'vid_date: "{_iso(uploaded, UTC)}"',
        f'duration: "{_duration(rng)}"',
        f'viewcount: "{views}"',
        f'likeCount: "{likes}"',
        f'dislikeCount: "{dislikes}"',
        f"channel: {_yt_quote(channel)}",
        "---",
        body,
        "",
    ]
    newline = "\n" if rng.random() < 0.05 else "\r\n"
    return f"0001-01-01-{slug}.{'html' if html else 'md'}", newline.join(lines).encode()


def iter_posts(
    count: int, *, seed: int = 0, dailymotion_share: float = 0.1, start: int = 0
) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) for posts start … start+count-1; names are not yet de-duplicated."""
    for i in range(start, start + count):
        yield render_post(i, post_rng(seed, i), seed=seed, dailymotion_share=dailymotion_share)


def generate_archive(
    dest: Path, count: int, *, seed: int = 0, dailymotion_share: float = 0.1
) -> list[Path]:
    """Write `count` posts into `dest/_posts/` (created if needed) and return their paths.

    Existing files there are left alone but their names count as taken."""
    posts = dest / "_posts"
    posts.mkdir(parents=True, exist_ok=True)
    taken = {p.name for p in posts.iterdir()}
    paths: list[Path] = []
    for name, data in iter_posts(count, seed=seed, dailymotion_share=dailymotion_share):
        path = posts / unique_name(name, taken)
        path.write_bytes(data)
        paths.append(path)
    return paths

"""The generator's words: English and other scripts' vocabularies, sampled Zipf-like."""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache
from itertools import accumulate


def split_words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Vocabulary. Ranks follow the order of the lists; sampling weights are Zipf over the ranks, so
# early words are common and the synthetic tail is rare (but every word does occur at scale).

_EN_FUNCTION = split_words(
    "the and of to a in for is on with you this it that at by from my your we be are how "
    "all new our what not or can do will one more about out up so get just now like no when "
    "best full part official first top live day episode"
)

# Families share a stem, so stemming is visible: "run" also finds "running" and "runs".
_EN_CONTENT = split_words(
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

SCRIPTS: dict[str, tuple[str, ...]] = {
    "latin": split_words(
        "café été niño año über straße coração ação müzik güzel señor mañana garçon élève "
        "français español canción música fútbol équipe déjà naïve jalapeño crème brûlée "
        "façade zürich größe schön mädchen pájaro información corazón ciudad noticias "
        "vidéo première histoire leçon à la le de el los und der die das para com não "
        "très bien über alles niñez cañón öğretmen şarkı çocuk dünya haber içinde "
        "jeux cuisine recette voiture maison amour vida mundo fiesta playa montaña"
    ),
    "cyrillic": split_words(
        "привет музыка новости видео игра как что это для россия москва песня клип обзор "
        "лучший новый жизнь война история урок футбол машина дом город время человек день "
        "мир любовь сделать майнкрафт прохождение выпуск серия фильм мультфильм рецепт "
        "кухня собака кошка дети школа работа деньги здоровье спорт бег бегать бегает"
    ),
    "arabic": split_words(
        "مرحبا موسيقى أخبار فيديو الحلقة مسلسل كرة القدم اليوم العالم حب مصر السعودية "
        "قناة جديد أغنية فيلم تعلم طبخ وصفة سيارة مدينة تاريخ علوم الحياة الناس"
    ),
    "devanagari": split_words(
        "नमस्ते समाचार गाना वीडियो भारत दिल्ली क्रिकेट फिल्म हिंदी आज खबर प्यार दुनिया सरकार "
        "मुंबई कहानी रसोई खाना पानी स्कूल बच्चे खेल नया पुराना"
    ),
    "cjk": split_words(
        "新闻 音乐 视频 中国 今天 世界 电影 游戏 日本 東京 料理 動画 猫 犬 学习 历史 "
        "こんにちは ありがとう カラオケ ゲーム アニメ 歌 旅行 北京 上海 香港"
    ),
    "hangul": split_words(
        "안녕하세요 음악 뉴스 영상 한국 서울 사랑 노래 게임 드라마 요리 여행 친구 학교"
    ),
    "thai": split_words("สวัสดี ข่าว เพลง วิดีโอ ประเทศไทย กรุงเทพ ความรัก อาหาร ฟุตบอล ละคร ตอน ใหม่"),
    "greek": split_words(
        "γεια μουσική ειδήσεις βίντεο Ελλάδα Αθήνα αγάπη ποδόσφαιρο ιστορία τραγούδι "
        "ταινία φαγητό θάλασσα νησί"
    ),
    "hebrew": split_words("שלום מוזיקה חדשות סרטון ישראל ירושלים אהבה שיר משחק סרט בישול ילדים"),
    "tamil": split_words("வணக்கம் செய்திகள் பாடல் திரைப்படம் சென்னை தமிழ் காதல் விளையாட்டு"),
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
SCRIPT_NAMES = tuple(_SCRIPT_WEIGHTS)
SCRIPT_CUM = tuple(accumulate(_SCRIPT_WEIGHTS.values()))
# Scripts written without spaces between words (some of the time, as real posts do).
UNSPACED = frozenset({"cjk", "thai"})

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
def word_table(script: str) -> tuple[str, ...]:
    if script == "english":  # big enough that the rarest of 20,000 words keeps a few slots
        return _zipf_table(vocabulary(), 1 << 20)
    return _zipf_table([*SCRIPTS[script], *_synthetic_words(script, 600)], 1 << 16)

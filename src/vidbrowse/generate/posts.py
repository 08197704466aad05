"""Whole posts: one rendered from its number and seed, a series of them, an archive folder."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

from vidbrowse.generate.fields import (
    DM_CATEGORY_OVERRIDE,
    ID_CHARS,
    MSK,
    POSTED_SPAN,
    POSTED_START,
    TOPIC_CUM,
    TOPICS,
    UPLOAD_FLOOR,
    channel_name,
    dm_quote,
    is_dailymotion,
    iso_time,
    make_vid_id,
    post_rng,
    random_counts,
    random_duration,
    slug_of,
    unique_name,
    yt_quote,
    zipf_rank,
)
from vidbrowse.generate.text import Writer, pick_tags
from vidbrowse.generate.words import SCRIPT_CUM, SCRIPT_NAMES


def render_post(
    i: int, rng: random.Random, *, seed: int = 0, dailymotion_share: float = 0.1
) -> tuple[str, bytes]:
    """Post number i: its file name (before de-duplication, see `unique_name`) and its bytes.

    `rng` drives everything but the source and the vid_id (fixed by seed and i), so a benchmark
    can render a changed version of post i with another generator."""
    dailymotion = is_dailymotion(seed, i, dailymotion_share)
    vid_source = i
    if i and rng.random() < 0.004:  # real archives repeat a few videos
        j = rng.randrange(i)
        if is_dailymotion(seed, j, dailymotion_share) == dailymotion:
            vid_source = j
    vid_id = make_vid_id(seed, vid_source, dailymotion)

    script = rng.choices(SCRIPT_NAMES, cum_weights=SCRIPT_CUM)[0]
    topic = rng.choices(TOPICS, cum_weights=TOPIC_CUM)[0]
    writer = Writer(rng, script, topic)
    title = writer.title()
    tags = pick_tags(rng, title, topic)
    posted = POSTED_START + rng.randrange(POSTED_SPAN)
    slug = slug_of(title) or vid_id

    if dailymotion:
        category = topic.dailymotion
        roll = rng.random()
        for name, share in DM_CATEGORY_OVERRIDE:
            if roll < share:
                category = name
                break
            roll -= share
        image_id = "".join(rng.choices(ID_CHARS[:62], k=17))
        target = min(int(math.exp(rng.gauss(math.log(400), 0.85))), 9_500)
        body = writer.body(target, "<br>", links=False)
        tag_list = ",".join(dm_quote(t) for t in tags)
        if rng.random() < 0.01:  # a trailing comma, as some exports write
            tag_list += ","
        lines = [
            "---",
            f"title: {dm_quote(title)}",
            f'image: "https://s{rng.randrange(1, 3)}.dmcdn.net/v/{image_id}/x240"',
            f'vid_id: "{vid_id}"',
            f'categories: "{category}"',
            f"tags: [{tag_list}]",
            f'date: "{iso_time(posted, MSK)}"',
            "---",
            body,
            "",
        ]
        newline = "\r\n" if rng.random() < 0.1 else "\n"
        return f"0001-01-01-{slug}.md", newline.join(lines).encode()

    html = rng.random() < 0.45  # the ".html" export has no {% raw %} around the body
    uploaded = posted - int(rng.expovariate(1 / (2.5 * 365 * 86_400)))
    if uploaded < UPLOAD_FLOOR:
        uploaded = UPLOAD_FLOOR + rng.randrange(posted - UPLOAD_FLOOR)
    body = ""
    if rng.random() >= 0.02:  # some videos have no description
        target = min(int(math.exp(rng.gauss(math.log(1050), 0.85))), 14_500)
        body = writer.body(target, "<br />", links=True)
    if not html:
        body = "{% raw %}" + body + "{% endraw %}"
    views, likes, dislikes = random_counts(rng)
    channel = channel_name(zipf_rank(rng, 50_000))
    lines = [
        "---",
        f"title: {yt_quote(title)}",
        f'image: "https:\\/\\/i.ytimg.com\\/vi\\/{vid_id}\\/hqdefault.jpg"',
        f'vid_id: "{vid_id}"',
        f'categories: "{topic.youtube}"',
        f"tags: [{','.join(yt_quote(t) for t in tags)}]",
        f'date: "{iso_time(posted, MSK)}"',
        f'vid_date: "{iso_time(uploaded, UTC)}"',
        f'duration: "{random_duration(rng)}"',
        f'viewcount: "{views}"',
        f'likeCount: "{likes}"',
        f'dislikeCount: "{dislikes}"',
        f"channel: {yt_quote(channel)}",
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

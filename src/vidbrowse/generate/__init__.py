"""A realistic, deterministic archive generator for tests, the demo and benchmarks.

The posts imitate the three real variants (YouTube `.md` with `{% raw %}` and CRLF, YouTube
`.html` without it, Dailymotion `.md` with 6 keys, `\\uXXXX` titles and `<br>`), with the real
key order, quoting, size spread, scripts, emoji, Zipf-distributed words and channels, a few
unknown counts and a few repeated `vid_id`s. Same seed → same bytes, whatever the platform.
"""

from vidbrowse.generate.fields import channel_name, post_rng, unique_name
from vidbrowse.generate.posts import generate_archive, iter_posts, render_post
from vidbrowse.generate.words import vocabulary

__all__ = [
    "channel_name",
    "generate_archive",
    "iter_posts",
    "post_rng",
    "render_post",
    "unique_name",
    "vocabulary",
]

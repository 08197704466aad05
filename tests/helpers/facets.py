"""Facet values that are hard to write back into a query (a channel that is a prefix of
another, quotes, trailing spaces, keywords, accents, CJK), and the check that every count the
facet pane shows is what ticking its value finds."""

from __future__ import annotations

import json
from pathlib import Path

from vidbrowse.core.library.library import Library
from vidbrowse.core.options import ONE_VALUE_FACETS
from vidbrowse.core.query.editing import selected_facets, tick_mode, ticked, with_facets
from vidbrowse.core.query.facets import value_key

# (channel, tags, category) of each post; several spellings of one value fold together.
AWKWARD = [
    ("CNN", ["news", "rock & roll"], "News & Politics"),
    ("CNN", ["news"], "News & Politics"),
    ("CNN", ["Rock & Roll "], "News & Politics"),
    ("cnn", ["world"], "News & Politics"),
    ("CNN 10", ["news", "kids"], "Education"),
    ("CNN 10", ["kids"], "Education"),
    ('Zoë "Q" (live) ', ["live", 'say "x"'], "Music"),
    ('Zoe "q" (LIVE)', ["live"], "Music"),
    ('Zoë "Q" (live) ', ["AND"], "Music"),
    ("AND", ["OR", "-minus"], "Music"),
    ("-minus", ["back\\slash"], "Film & Animation"),
    ("back\\slash \\", ["a:b"], "Film & Animation"),
    ("東京 チャンネル", ["東京"], "Travel & Events"),
    ("a:b", ["(x)"], "Travel & Events"),
]


def write_awkward_posts(
    archive: Path, values: list[tuple[str, list[str], str]] = AWKWARD
) -> None:
    """A post for each (channel, tags, category) of `values`, one file each, in `archive`/_posts."""
    posts = archive / "_posts"
    posts.mkdir(parents=True, exist_ok=True)
    for i, (channel, tags, category) in enumerate(values):
        front = {
            "title": f"Awkward value number {i}",
            "vid_id": f"awkward{i:04d}",
            "categories": category,
            "tags": tags,
            "date": "2022-03-07T17:18:29+03:00",
            "vid_date": f"2019-01-{i + 1:02d}T00:25:14Z",
            "duration": "PT1M32S",
            "viewcount": str(100 + i),
            "channel": channel,
        }
        lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()]
        text = "---\n" + "\n".join(lines) + "\n---\nA body.\n"
        (posts / f"2022-03-07-awkward-{i}.md").write_text(text, encoding="utf-8")


def _total(library: Library, text: str) -> int:
    return library.search(text, sort="uploaded", facet_limit=0).total


def check_every_tick(library: Library, base: str) -> int:
    """For every value the pane would show for `base` (each field, both pane modes): its count
    is what ticking it finds (`ticked`, the app's own rewrite), or, where a tick adds an
    alternative to a selection, what the value finds in the selection's place, and for a
    one-value field the tick finds the sum of the ticked counts. Returns the ticks checked."""
    results = library.search(base)
    chosen = selected_facets(results.query)
    checked = 0
    for field in results.facets:
        selection = chosen.get(field)
        held = {value_key(v) for v in selection.values} if selection else set()
        for pane_mode in ("and", "or"):
            mode = tick_mode(field, selection, pane_mode)
            shown = results.counts_for(field, mode)
            for value, count in shown:
                if value_key(value) in held:
                    continue
                text = ticked(base, field, value, True, pane_mode)
                if selection is None or mode == "and":
                    assert _total(library, text) == count, (base, field, value, text)
                else:
                    alone = with_facets(base, field, [value], "and")
                    assert _total(library, alone) == count, (base, field, value, alone)
                    if field in ONE_VALUE_FACETS:
                        counted = {value_key(v): n for v, n in shown}
                        together = count + sum(counted.get(key, 0) for key in held)
                        assert _total(library, text) == together, (base, field, value, text)
                checked += 1
    return checked

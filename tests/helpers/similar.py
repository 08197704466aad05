"""A small archive for "more like this": a post, its copy, a near-duplicate, two posts sharing
less (one in the post's channel), fillers sharing only common words, and a post sharing
nothing."""

from __future__ import annotations

from pathlib import Path

from vidbrowse.core.library.library import Library

FILLER = ["guitar chords for beginners", "football highlights of the week", "city travel vlog",
          "cooking pasta at home", "piano cover of a song", "news of the day in brief"]  # fmt: skip


def post(
    name: str, vid_id: str, title: str, *, tags: list[str], channel: str, body: str
) -> tuple[str, str]:
    tag_list = ", ".join(f'"{tag}"' for tag in tags)
    return name, (
        f'---\ntitle: "{title}"\nvid_id: "{vid_id}"\ntags: [{tag_list}]\nchannel: "{channel}"\n'
        f'vid_date: "2019-05-01T00:00:00Z"\nviewcount: "10"\n---\n{body}\n'
    )


SOURCE = post("source.md", "SRC", "Sourdough bread baking with a wild starter",
              tags=["sourdough", "baking"], channel="Crumb Lab",
              body="Feeding the starter, hydration at 75 percent, the autolyse, folding the "
                   "dough and the bake in a dutch oven. Sourdough crumb and crust.")  # fmt: skip
POSTS = [
    SOURCE,
    # The same video at another path: the post itself, never listed.
    ("copy.md", SOURCE[1].replace("title: \"Sourdough", "title: \"Copy of sourdough")),
    post("twin.md", "TWIN", "Sourdough bread baking with a wild starter, part 2",
         tags=["sourdough", "baking"], channel="Other Oven",
         body="Feeding the starter, hydration at 75 percent, folding the dough, the dutch oven "
              "bake. Sourdough crumb and crust again."),
    post("bagel.md", "-BAGEL", "Bagels: boiling and baking the dough", tags=["baking"],
         channel="Bagel Shop", body="Boil, then bake in the oven. A chewy crust."),
    # As the above but for one shared word less ("crust"), in the post's own channel.
    post("bagel2.md", "BAGEL2", "Bagels: boiling and baking the dough", tags=["baking"],
         channel="Crumb Lab", body="Boil, then bake in the oven. A chewy bite."),
    post("lone.md", "LONE", "Zyxwvut qorpex", tags=["qorpex"], channel="Nobody Else",
         body="Wibblefrotz."),
    *(post(f"filler{i}.md", f"FILL{i}", f"{FILLER[i % len(FILLER)]} {i}", tags=[f"misc{i}"],
           channel=f"Channel {i}", body=f"The video of the day, number {i}, with a and the.")
      for i in range(30)),
]  # fmt: skip


def write_similar_archive(archive: Path) -> None:
    """The posts above as files in `archive/_posts`."""
    (archive / "_posts").mkdir(parents=True)
    for name, text in POSTS:
        (archive / "_posts" / name).write_text(text, encoding="utf-8")


def indexed_similar_archive(root: Path) -> tuple[Path, Path]:
    """The archive written and indexed under `root`; returns (archive, cache)."""
    archive, cache = root / "archive", root / "cache"
    write_similar_archive(archive)
    with Library.open(archive, cache_dir=cache) as library:
        library.update()
    return archive, cache

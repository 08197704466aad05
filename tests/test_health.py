"""`vidbrowse problems` findings: shared vid_ids, missing fields, odd values, grouped."""

from __future__ import annotations

from pathlib import Path

from vidbrowse.core.library.library import Library
from vidbrowse.core.reports.health import check, warning_kind

FULL = (
    'channel: "C"\nvid_date: "2014-01-01T00:00:00Z"\ndate: "2014-01-01T00:00:00Z"\n'
    'duration: "PT1M"\nviewcount: "1"\nlikeCount: "1"\ntags: ["t"]\n'
)


def write(root: Path, name: str, vid_id: str, extra: str) -> None:
    (root / name).write_text(f'---\ntitle: "T"\nvid_id: "{vid_id}"\n{extra}---\nbody\n')


def test_groups(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    write(root, "a.md", "same", FULL)
    write(root, "b.md", "same", FULL)
    write(root, "c.md", "other", FULL.replace('channel: "C"\n', ""))
    write(root, "d.md", "odd1", FULL.replace('"PT1M"', '"PTx"').replace('"1"\nlike', '"-5"\nlike'))
    write(root, "e.md", "odd2", FULL.replace('"PT1M"', '"soon"'))
    with Library.open(root, cache_dir=tmp_path / "cache") as library:
        library.update()
        groups = check(library)
    found = {(g.kind, g.label): g.items for g in groups}
    assert found[("duplicate", "same")] == (("a.md", ""), ("b.md", ""))
    assert found[("missing", "channel")] == (("c.md", ""),)
    # An unparseable duration is also a missing duration.
    assert [p for p, _ in found[("missing", "duration")]] == ["d.md", "e.md"]
    assert found[("odd", "duration … is not ISO 8601")] == (
        ("d.md", "duration 'PTx' is not ISO 8601"),
        ("e.md", "duration 'soon' is not ISO 8601"),
    )
    assert found[("odd", "viewcount … is negative")] == (("d.md", "viewcount '-5' is negative"),)
    assert [g.kind for g in groups] == sorted((g.kind for g in groups), key=["duplicate",
                                              "missing", "odd"].index)  # fmt: skip
    assert ("missing", "posted") not in found


def test_warning_kinds() -> None:
    assert warning_kind("likeCount 12.5x is not a number") == "likeCount … is not a number"
    assert warning_kind("removed 2 run(s) of control characters") == (
        "removed … run(s) of control characters"
    )
    assert warning_kind("channel is not text; ignored") == "channel is not text; ignored"

"""What a post is and where it lives: pointed at a Jekyll site's root (the natural thing after
`git clone`), vidbrowse indexes its posts and reports only real post problems; pages, READMEs,
layouts and the built `_site` are not posts. Without an ARCHIVE, a folder with no posts is
refused with a hint instead of being indexed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.cli import cli_env, indexed_paths, run_cli
from helpers.posts import post_text, write_posts
from vidbrowse import cli
from vidbrowse.core.archive.scan import holds_posts, scan
from vidbrowse.core.library.library import Library


def jekyll_site(root: Path) -> None:
    """A cloned site: posts, drafts, a collection of videos, and everything else a site holds."""
    write_posts(root, range(3))
    write_posts(root, range(3, 4), folder="_drafts")
    (root / "_config.yml").write_text("title: My videos\ncollections: [videos]\n")
    (root / "README.md").write_text("# My videos\n\nClone and run jekyll serve.\n")
    (root / "index.html").write_text("---\nlayout: default\n---\n<h1>Videos</h1>\n")
    (root / "about.md").write_text("---\nlayout: page\ntitle: About\n---\nAbout me.\n")
    (root / "notes.txt").write_text("")
    for folder in ("_layouts", "_includes", "_site/2014/09", "_data", "assets", "_videos"):
        (root / folder).mkdir(parents=True)
    (root / "_layouts" / "default.html").write_text("<html>{{ content }}</html>\n")
    (root / "_includes" / "head.html").write_text("<head></head>\n")
    (root / "_site" / "index.html").write_text("<html>built</html>\n")
    (root / "_site" / "2014" / "09" / "p.html").write_text(post_text(90))  # a built copy
    (root / "_data" / "nav.md").write_text(post_text(91))
    (root / "assets" / "readme.txt").write_text("images\n")
    (root / "_videos" / "v.md").write_text(post_text(92))  # a collection: its front matter says
    (root / "_videos" / "broken.md").write_text("---\nvid_id: x\ntitle: [\n---\n")
    (root / "_posts" / "broken.md").write_text("no front matter here\n")


def test_a_jekyll_site_root_lists_only_real_post_problems(tmp_path: Path) -> None:
    root = tmp_path / "site"
    jekyll_site(root)
    env = cli_env(tmp_path / "cache")
    done = run_cli("index", str(root), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("5 posts indexed, 2 unreadable; ")
    assert sorted(indexed_paths(root, env)) == [
        "_drafts/p00003.md", "_posts/p00000.md", "_posts/p00001.md", "_posts/p00002.md",
        "_videos/v.md",
    ]
    problems = run_cli("problems", str(root), env=env).stdout.decode()
    assert problems.startswith(
        "_posts/broken.md: no front matter\n"
        "_videos/broken.md: YAML error at line 4: did not find expected node content\n\n"
    )
    for other in ("README", "index.html", "about.md", "notes.txt", "_layouts", "_site", "_data"):
        assert other not in problems


def test_files_outside_posts_folders_are_posts_only_when_they_look_like_one(
    tmp_path: Path,
) -> None:
    root = tmp_path / "plain"  # no _posts, no _config.yml: every folder is walked
    root.mkdir()
    (root / "a.md").write_text(post_text(1))
    (root / "README.md").write_text("# notes\n")
    (root / "page.md").write_text("---\ntitle: A page\n---\ntext\n")
    (root / "x.egg-info").mkdir()
    (root / "x.egg-info" / "SOURCES.txt").write_text("setup.py\n")
    (root / "nodate.md").write_text("---\ntitle: t\nvid_date: 2014-01-01\n---\n")  # no vid_id
    with Library.open(root, cache_dir=tmp_path / "cache") as library:
        summary = library.update()
        results = library.search("")
        assert [row.path for row in results.rows(0, results.total)] == ["a.md"]
        assert [(p.path, p.reason) for p in library.problems()] == [("nodate.md", "no vid_id")]
        assert summary.problems == 1
        # Not read again while unchanged, and still not a problem after a second look.
        assert library.update().problems == 1


def test_a_site_root_skips_its_build_and_template_folders(tmp_path: Path) -> None:
    root = tmp_path / "site"
    jekyll_site(root)
    found = set(scan(root).files)
    assert not [p for p in found if p.startswith(("_site/", "_layouts/", "_data/", "assets/"))]
    # A folder of the same name deeper down is not a site's: it is walked.
    write_posts(root, range(5, 6), folder="_posts/assets")
    assert "_posts/assets/p00005.md" in set(scan(root).files)


def test_no_archive_given_in_a_folder_without_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "project"
    (folder / "x.egg-info").mkdir(parents=True)
    (folder / "x.egg-info" / "SOURCES.txt").write_text("setup.py\n")
    (folder / "README.md").write_text("# a project\n")
    monkeypatch.chdir(folder)
    assert cli.main([]) == 3
    message = capsys.readouterr().err
    assert message.startswith(f"vidbrowse: no posts in this folder ({folder}): give one")
    assert "VIDBROWSE_ARCHIVE" in message and len(message.splitlines()) == 1
    assert not (tmp_path / "cache").exists() or not os.listdir(tmp_path / "cache")


def test_folders_that_hold_posts_are_taken(tmp_path: Path) -> None:
    site, flat, nested = tmp_path / "site", tmp_path / "flat", tmp_path / "nested"
    jekyll_site(site)
    flat.mkdir()
    (flat / "README.md").write_text("# mine\n")
    (flat / "one.md").write_text(post_text(1))
    write_posts(nested, range(2), folder="2014")
    assert holds_posts(site) and holds_posts(flat) and holds_posts(nested)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not holds_posts(empty)

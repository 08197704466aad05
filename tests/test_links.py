"""Links: their parts and sites (core/links.py), `link:`, `has:link` and `site:` end to end, the
Sites facet, and links in the command line's records."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from helpers.cli import cli_env, run_cli
from vidbrowse.core import links
from vidbrowse.core.engine import index
from vidbrowse.core.library import store
from vidbrowse.core.library.library import Library
from vidbrowse.core.query.language import QueryError, parse_query
from vidbrowse.core.query.nodes import Link, Not

# post number → body. Each decision of the normalisation has a post that shows it.
BODIES = {
    1: '<a href="https://www.Patreon.com/Foo">https://www.patreon.com/foo</a> and '
    "(https://open.spotify.com/artist/Xy1).",
    2: "Music at www.soundcloud.com/bar, video https://youtu.be/dQw4w9WgXcQ",
    3: "no links here, a patreon word and a com word",
    4: "https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=1s and http://News.BBC.co.uk:8080/x#y",
    5: "https://example.com/%40Handle/a%20b?q=Caf%C3%A9 and http://192.168.0.1/cam",
    6: '<a href="https://www.youtube.com/@[bold]Chan[/bold]">x</a> https://bit.ly/AbC',
}


def post(i: int, body: str) -> str:
    return (
        f'---\ntitle: "Post {i}"\nvid_id: "v{i}"\n'
        'image: "https://i.ytimg.com/vi/thumbnail/hqdefault.jpg"\n'
        f"---\n{{% raw %}}{body}{{% endraw %}}\n"
    )


def write_archive(root: Path) -> Path:
    (root / "_posts").mkdir(parents=True)
    for i, body in BODIES.items():
        (root / f"_posts/p{i}.md").write_text(post(i, body), encoding="utf-8")
    return root


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "archive")


@pytest.fixture
def opened(engine: str, archive: Path) -> Iterator[Library]:
    with Library.open(archive) as library:
        library.update()
        yield library


def found(library: Library, query: str) -> list[int]:
    results = library.search(query)
    return sorted(int(row.vid_id[1:]) for row in results.rows(0, results.total))


# --- the parts of a URL ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "parts"),
    [
        # host case-folded, `www.` dropped; each shorter domain and each label; path folded
        (
            "https://www.Patreon.com/Foo",
            ["patreon.com", "patreon", "com", "foo"],
        ),
        # youtu.be is youtube.com; the id is a path part
        ("https://youtu.be/dQw4w9WgXcQ", ["youtube.com", "youtube", "com", "dqw4w9wgxcq"]),
        # query values are parts, keys are not; port, user and fragment are ignored
        (
            "http://me@News.BBC.co.uk.:8080/x?v=ID&t=1s#frag",
            ["news.bbc.co.uk", "bbc.co.uk", "co.uk", "news", "bbc", "co", "uk", "x", "id", "1s"],
        ),
        # percent-decoded, a leading @ dropped, whitespace splits
        (
            "https://example.com/%40Handle/a%20b?q=Caf%C3%A9",
            ["example.com", "example", "com", "handle", "a", "b", "café"],
        ),
        ("http://192.168.0.1/cam", ["192.168.0.1", "cam"]),
        ("https://www.com", ["www.com", "www", "com"]),  # `www.` alone is the name
        ("https://", []),
        ("https://[broken/x", []),
    ],
)
def test_url_parts(url: str, parts: list[str]) -> None:
    assert list(links.url_parts(url)) == parts


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.patreon.com/x", "patreon.com"),
        ("https://open.spotify.com/artist/x", "spotify.com"),
        ("https://m.youtube.com/watch?v=x", "youtube.com"),
        ("https://youtu.be/x", "youtube.com"),
        ("http://news.bbc.co.uk/x", "bbc.co.uk"),
        ("http://abc.net.au/", "abc.net.au"),
        ("http://a.b.example.de/", "example.de"),
        ("http://192.168.0.1:8080/", "192.168.0.1"),
        ("http://localhost/", "localhost"),
    ],
)
def test_sites(url: str, site: str) -> None:
    assert links.sites([url]) == (site,)
    assert links.site_of(url) == site


def test_sites_are_listed_once_in_order() -> None:
    urls = ["https://b.com/1", "https://a.com", "http://www.b.com/2", "https://"]
    assert links.sites(urls) == ("b.com", "a.com")


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("patreon.com", ["patreon.com"]),
        ("www.Patreon.COM", ["patreon.com"]),
        ("Patreon", ["patreon"]),
        ("@Handle", ["handle"]),
        ("youtu.be", ["youtube.com"]),
        ("youtu.be/dQw4w9WgXcQ", ["youtube.com", "dqw4w9wgxcq"]),
        ("https://www.patreon.com/foo/", ["patreon.com", "foo"]),
        ("user/Name", ["user", "name"]),
        ("/", []),
    ],
)
def test_query_parts(value: str, parts: list[str]) -> None:
    assert links.query_parts(value) == parts


# --- the query language ------------------------------------------------------------------------


def test_link_and_has_link_parse() -> None:
    assert parse_query("link:patreon.com") == Link("patreon.com")
    assert parse_query("links:patr*") == Link("patr", prefix=True)
    assert parse_query("has:link") == Link("")
    assert parse_query("-has:links") == Not(Link(""))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("link:/", "'link:' needs a site, a URL or a word"),
        ("link:a*", "a prefix is one part of 2+ characters"),
        ("link:a.com/b*", "a prefix is one part"),
        ("has:linky", "try has:note, has:link"),
    ],
)
def test_link_errors(text: str, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(text)
    assert fragment in info.value.message


# --- searching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "posts"),
    [
        ("link:patreon.com", [1]),
        ("link:www.Patreon.COM", [1]),
        ("link:patreon", [1]),
        ("link:https://www.patreon.com/FOO", [1]),
        ("link:patreon.com/nothing", []),
        ("link:spotify.com", [1]),  # a shorter domain of open.spotify.com
        ("link:open.spotify.com/artist", [1]),
        ("link:soundcloud", [2]),  # a bare www. link
        ("link:youtu.be", [2, 4, 6]),  # youtu.be is youtube.com
        ("link:youtube.com", [2, 4, 6]),
        ("link:dQw4w9WgXcQ", [2, 4]),  # a path segment and a query value alike
        ("link:bbc.co.uk", [4]),
        ("link:news", [4]),
        ("link:y", []),  # the fragment is no part
        ("link:handle", [5]),
        ("link:café", [5]),
        ("link:192.168.0.1", [5]),
        ("link:pat*", [1]),
        ("link:you*", [2, 4, 6]),
        ("link:[bold]chan[/bold]", [6]),
        ("link:ytimg", []),  # the front matter's image is a thumbnail, not a link
        ("has:link", [1, 2, 4, 5, 6]),
        ("-has:link", [3]),
        ("site:spotify.com", [1]),
        ("site:www.youtube.com", [2, 4, 6]),
        ("site:https://open.spotify.com/x", [1]),
        ("link:patreon OR link:soundcloud", [1, 2]),
        ("has:link -link:youtube", [1, 5]),
        # URL text is not words: `patreon` and `com` find only the post that says them.
        ("patreon", [3]),
        ("com", [3]),
        ("dqw4w9wgxcq", []),
    ],
)
def test_link_queries(opened: Library, query: str, posts: list[int]) -> None:
    assert found(opened, query) == posts


def test_site_counts_equal_the_results_after_ticking(opened: Library) -> None:
    results = opened.search("", facet_limit=None)
    counted = results.facets["site"]
    assert counted == [
        ("youtube.com", 3),
        ("192.168.0.1", 1),
        ("bbc.co.uk", 1),
        ("bit.ly", 1),
        ("example.com", 1),
        ("patreon.com", 1),
        ("soundcloud.com", 1),
        ("spotify.com", 1),
    ]
    for site, count in counted:
        assert opened.search(f"site:{site}").total == count
        assert opened.search(f"link:{site}").total == count  # every site is a part too


def test_links_reach_the_posts_as_urls(opened: Library) -> None:
    assert opened.post("_posts/p1.md").links == (  # type: ignore[union-attr]
        "https://www.Patreon.com/Foo",
        "https://open.spotify.com/artist/Xy1",
    )
    assert opened.post("_posts/p2.md").links == (  # type: ignore[union-attr]
        "http://www.soundcloud.com/bar",
        "https://youtu.be/dQw4w9WgXcQ",
    )
    assert opened.post("_posts/p4.md").links == (  # type: ignore[union-attr]
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1s",
        "http://News.BBC.co.uk:8080/x#y",
    )


def test_a_changed_post_changes_its_links_and_sites(opened: Library, archive: Path) -> None:
    path = archive / "_posts/p3.md"
    path.write_text(post(3, "now https://www.patreon.com/bar"), encoding="utf-8")
    opened.update()
    assert found(opened, "link:patreon.com") == [1, 3]
    assert found(opened, "site:patreon.com") == [1, 3]
    assert found(opened, "link:bar") == [2, 3]
    (archive / "_posts/p1.md").unlink()
    opened.update()
    assert dict(opened.search("", facet_limit=None).facets["site"])["patreon.com"] == 1


def test_an_index_of_the_version_before_links_is_rebuilt_once_with_a_notice(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = cli_env(tmp_path / "cache")
    monkeypatch.setenv("VIDBROWSE_CACHE_DIR", env["VIDBROWSE_CACHE_DIR"])
    with monkeypatch.context() as before:
        before.setattr(index, "SCHEMA_VERSION", 3)
        before.setattr(store, "STORE_VERSION", 3)
        with Library.open(archive) as library:
            library.update()
    first = run_cli("search", str(archive), "link:patreon", "--format", "urls", env=env)
    said = [line for line in first.stderr.decode().splitlines() if "rebuilt" in line]
    assert len(said) == 1 and said[0].startswith("vidbrowse: index rebuilt: "), first.stderr
    assert "version" in said[0]
    assert first.stdout.decode().splitlines() == ["https://www.youtube.com/watch?v=v1"]
    again = run_cli("search", str(archive), "link:patreon", "--format", "urls", env=env)
    assert again.returncode == 0 and b"rebuilt" not in again.stderr


# --- the command line ------------------------------------------------------------------------


def test_cli_facets_field_site_and_links_in_records(archive: Path, tmp_path: Path) -> None:
    env = cli_env(tmp_path / "cache")
    done = run_cli("facets", str(archive), "has:link", "--field", "site", "--json", env=env)
    assert done.returncode == 0, done.stderr
    counts = {r["value"]: r["count"] for r in map(json.loads, done.stdout.decode().splitlines())}
    assert counts["youtube.com"] == 3 and counts["patreon.com"] == 1
    table = run_cli("facets", str(archive), "--field", "site", env=env)
    assert "spotify.com" in table.stdout.decode()

    done = run_cli("search", str(archive), "link:spotify", "--json", env=env)
    (record,) = map(json.loads, done.stdout.decode().splitlines())
    assert record["links"] == ["https://www.Patreon.com/Foo", "https://open.spotify.com/artist/Xy1"]
    done = run_cli("search", str(archive), "-has:link", "--json", env=env)
    assert json.loads(done.stdout)["links"] == []

    done = run_cli("search", str(archive), "link:soundcloud", "--format", "csv", env=env)
    (row,) = csv.DictReader(io.StringIO(done.stdout.decode()))
    assert row["links"] == "http://www.soundcloud.com/bar; https://youtu.be/dQw4w9WgXcQ"


def test_holding_is_the_rows_with_any_value(opened: Library) -> None:
    columns = opened.search("").columns
    assert columns is not None
    held = columns.holding("site")
    assert held.dtype == np.bool_ and int(held.sum()) == 5

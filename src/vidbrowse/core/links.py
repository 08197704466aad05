"""A post's links as searchable parts: the words `link:` matches, and the site the Sites facet
counts. The same rules read a post's URLs and the value typed after `link:`.

- scheme, port, user and `#fragment` are ignored: `http://` and `https://` links are one link;
- a host is case-folded, without a trailing `.` or a leading `www.`; `youtu.be` is `youtube.com`;
- a link's parts are its host (`open.spotify.com`), every shorter domain of it (`spotify.com`),
  each label (`open`, `spotify`, `com`), each path segment and query value (percent-decoded,
  case-folded, a leading `@` or `~` dropped: `/@handle` is `handle`);
- its site is the registrable domain, roughly: the last two labels (`open.spotify.com` →
  `spotify.com`), three under a country's second level (`bbc.co.uk`, `abc.net.au`); an IP
  address is its own site.

Entities (`&amp;`), trailing punctuation and links inside anchors are the cleaner's business
(archive/clean.py): what arrives here is a URL as a browser would open it.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

# Hosts that are another's short form.
ALIASES = {"youtu.be": "youtube.com"}
# Second-level labels under which a country's domains are registered (`bbc.co.uk`).
_SECOND_LEVEL = frozenset({"ac", "co", "com", "edu", "gov", "ne", "net", "or", "org"})
# A part longer than this is no word anyone types: left out of the index.
MAX_PART = 100
# URLs remembered with their parts and hosts: a channel's own links recur in its posts (though
# across ../shared/corpus's mix of channels few do: 20,177 links, 19,130 URLs). Small: each
# builder process holds its own.
_CACHED = 4096


@functools.lru_cache(maxsize=_CACHED)
def host(url: str) -> str:
    """The normalised host of an http(s) URL, or "" when it has none."""
    try:
        return normal_host(urlsplit(url.strip()).hostname or "")
    except ValueError:  # e.g. an unbalanced `[` in the host
        return ""


def normal_host(name: str) -> str:
    """A host case-folded, without a trailing dot or a leading `www.`, aliases resolved."""
    name = name.casefold().rstrip(".")
    if name.startswith("www.") and "." in name[4:]:
        name = name[4:]
    return ALIASES.get(name, name)


def site(name: str) -> str:
    """The registrable-ish domain of a normalised host (see the module's docstring)."""
    if _is_ip(name):
        return name
    labels = name.split(".")
    keep = 2
    if len(labels) > 2 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        keep = 3
    return ".".join(labels[-keep:])


def site_of(value: str) -> str:
    """The site a typed value names: a URL, a host or a site (`www.Patreon.com/x` →
    `patreon.com`)."""
    value = value.strip()
    name = host(value if "://" in value else "http://" + value.lstrip("/"))
    return site(name) if name else value


def sites(urls: Iterable[str]) -> tuple[str, ...]:
    """The sites of these URLs, in order, without repeats."""
    found = (site(name) for name in map(host, urls) if name)
    return tuple(dict.fromkeys(found))


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _host_parts(name: str) -> list[str]:
    if _is_ip(name):
        return [name]
    labels = name.split(".")
    domains = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return [*domains, *labels]


def _words(piece: str) -> list[str]:
    """A path segment or query value as parts: decoded, folded, `@`/`~` dropped, split at
    whitespace (an index word holds none)."""
    return [
        word for word in unquote(piece).casefold().lstrip("@~").split() if len(word) <= MAX_PART
    ]


def _split(url: str) -> tuple[str, list[str]]:
    """(normalised host, the path's and query's parts) of a URL; ("", []) without a host."""
    try:
        split = urlsplit(url.strip())
    except ValueError:  # e.g. an unbalanced `[` in the host
        return "", []
    name = host(url)
    if not name:
        return "", []
    rest: list[str] = []
    for segment in split.path.split("/"):
        rest += _words(segment)
    for _key, value in parse_qsl(split.query):
        rest += _words(value)
    return name, rest


@functools.lru_cache(maxsize=_CACHED)
def url_parts(url: str) -> tuple[str, ...]:
    """The parts of one URL that `link:` matches (without repeats), or none without a host."""
    name, rest = _split(url)
    return tuple(dict.fromkeys([*_host_parts(name), *rest])) if name else ()


def index_text(urls: Iterable[str]) -> str:
    """Every part of every URL, space-separated: the document's `links` field."""
    parts: dict[str, None] = {}
    for url in urls:
        parts.update(dict.fromkeys(url_parts(url)))
    return " ".join(parts)


def query_parts(value: str) -> list[str]:
    """What `link:value` requires, every part in one post's links: a URL or `host/path` gives
    its host and its path's parts, a domain (`www.Patreon.com`) its normal form, a path
    (`user/Name`) its segments, a word (`@handle`, `Patreon`) itself folded."""
    value = value.strip()
    head = value.split("/", 1)[0]
    if "://" in value or ("/" in value and "." in head.strip(".")):
        if "://" not in value:
            value = "http://" + value
        name, rest = _split(value)
        return list(dict.fromkeys([name, *rest])) if name else []
    if "/" in value:
        return [word for segment in value.split("/") for word in _words(segment)]
    if "." in value.strip("."):
        return [normal_host(value)]
    return _words(value)

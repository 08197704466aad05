"""Turn post text into plain, safe text: one-line values (titles, tags) and HTML-ish bodies.

Everything that leaves here is data a terminal can show as is: no control characters (no ESC, so no
escape sequences), no stray bidi overrides, no invisible zero-width marks. Only the stdlib is used
(`re` + `html.unescape`) because it is fast enough for tens of thousands of bodies.
"""

from __future__ import annotations

import re
from html import unescape

from vidbrowse.core.links import host

# C0 controls except \t and \n (handled as whitespace), DEL, C1 controls; bidi embeddings,
# overrides, isolates and marks; zero-width space, word joiner, invisible operators, BOM.
# One character per match: re scans a bare class about 3x faster than `[...]+`.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Zero-width joiners and non-joiners only mean something between two visible characters: emoji
# sequences, and the spelling of Persian, Kurdish or Indic words (a ZWNJ is part of the word).
_JOINER = "\u200c\u200d"
_LONE_JOINER = re.compile(rf"(?<![^\s{_JOINER}])[{_JOINER}]+|[{_JOINER}]+(?![^\s{_JOINER}])")

_RAW_MARKER = re.compile(r"\{%-?\s*(end)?raw\s*-?%\}")
# A Liquid tag or a markup tag never spans another opening, so a scan stops at the next one: many
# unclosed `{%`, `{{` or `<` cannot make cleaning quadratic.
_LIQUID = re.compile(r"\{%[^{}]*?%\}|\{\{[^{}]*\}\}")
_BREAK = re.compile(r"<(?:br\s*/?|/?p(?:\s[^<>]*)?)>", re.IGNORECASE)
_TAG = re.compile(r"<(?:!|/?[A-Za-z])[^<>]*>")  # also comments and <!DOCTYPE>
# An anchor with an href, a bare URL or a bare `www.` name; one pass keeps the links in reading
# order. It opens with a one-character class (`<`, `h`, `w`) because re finds such candidates
# several times faster. A `www.` starts a link only after a space or markup, not inside a word,
# an address or another URL.
_LINK = re.compile(
    r"""[<hHwW](?:(?<=<)[aA]\s[^<>]*?\b[hH][rR][eE][fF]\s*=\s*(?:"([^"]*)"|'([^']*)')[^<>]*>"""
    r"""|(?<=[hH])[tT][tT][pP][sS]?://[^\s<>"'\]]+"""
    r"""|(?<=[wW])(?<![\w.@/:-][wW])[wW][wW]\.[\w-]+\.[^\s<>"'\]]+)"""
)
# A URL left in the clean text (an anchor's caption, a bare link), as `_LINK` finds them.
_URL_TEXT = re.compile(
    r"""[hHwW](?:(?<=[hH])[tT][tT][pP][sS]?://[^\s<>"'\]]+"""
    r"""|(?<=[wW])(?<![\w.@/:-][wW])[wW][wW]\.[\w-]+\.[^\s<>"'\]]+)"""
)
# An anchor's text is its caption: a URL there repeats the href (or a shortened form of it).
_ANCHOR_END = re.compile(r"</[aA]\s*>")
_URL_TAIL = ".,;:!?'\"»…"
_BLANK_RUN = re.compile(r"\n{3,}")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _drop_invisible(s: str) -> str:
    s = _INVISIBLE.sub("", s)
    if "\u200d" in s or "\u200c" in s:
        s = _LONE_JOINER.sub("", s)
    return s


def clean_line(s: str) -> str:
    """A one-line value: invisible characters removed, whitespace runs collapsed, ends stripped."""
    if not s.isprintable():  # isprintable() is False for controls, bidi and zero-width marks
        s = _drop_invisible(s.replace("\t", " ").replace("\n", " "))
    return " ".join(s.split())


def _strip_liquid(body: str) -> str:
    """Drop Liquid markup; what sits inside `{% raw %}…{% endraw %}` is literal text (as in
    Jekyll), so only the markers themselves go there."""
    out: list[str] = []
    inside_raw = False
    pos = 0
    for m in _RAW_MARKER.finditer(body):
        chunk = body[pos : m.start()]
        out.append(chunk if inside_raw else _LIQUID.sub("", chunk))
        inside_raw = m.group(1) is None
        pos = m.end()
    chunk = body[pos:]
    out.append(chunk if inside_raw else _LIQUID.sub("", chunk))
    return "".join(out)


def _trim_url(url: str) -> str:
    url = url.rstrip(_URL_TAIL)
    # A closing bracket belongs to the URL only when the URL opened one (Wikipedia-style links).
    unmatched = url.count(")") - url.count("(")
    if unmatched > 0:
        trailing = len(url) - len(url.rstrip(")"))
        url = url[: len(url) - min(unmatched, trailing)].rstrip(_URL_TAIL)
    return url


def _links(body: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    caption_end = 0  # the end of the last anchor's text: no links are read before it
    for m in _LINK.finditer(body):
        href = m.group(1) if m.group(1) is not None else m.group(2)
        if href is not None:
            # YouTube's linkifier wrote `href="http://filmmusic.io,"`: trimmed as a bare URL is.
            url = _trim_url(_drop_invisible(unescape(href)).strip())
            if not url.lower().startswith(("http://", "https://")):
                continue
            closing = _ANCHOR_END.search(body, m.end())
            caption_end = closing.start() if closing else m.end()
        elif m.start() < caption_end:
            continue
        else:
            url = _trim_url(_drop_invisible(unescape(m.group(0))))
            if url[:1] in "wW":
                url = "http://" + url  # no scheme given: browsers try http, which redirects
        if host(url):  # a link without a host leads nowhere
            seen.setdefault(url, None)
    return tuple(seen)


def clean_body(raw: str) -> tuple[str, tuple[str, ...]]:
    """The readable text of a post body and the http(s) links it holds (in order, no repeats)."""
    # Each step runs only when its trigger is present: most bodies need few of them.
    body = raw.replace("\r\n", "\n").replace("\r", "\n") if "\r" in raw else raw
    if "{%" in body or "{{" in body:
        body = _strip_liquid(body)
    links = _links(body) if "://" in body or "www." in body or "WWW." in body else ()
    if "<" in body:
        body = _TAG.sub("", _BREAK.sub("\n", body))
    if "&" in body:
        body = unescape(body)
        if "&" in body and _ENTITY.search(body):  # encoded twice by an export: `&amp;#39;`
            body = unescape(body)
    body = _drop_invisible(body.replace("\t", " ").replace("\u2028", "\n").replace("\u2029", "\n"))
    body = "\n".join(line.rstrip() for line in body.split("\n"))
    if "\n\n\n" in body:
        body = _BLANK_RUN.sub("\n\n", body)
    return body.strip("\n"), links


def without_urls(text: str) -> str:
    """Clean text with its URLs blanked: the words the index reads. A link's parts are indexed
    apart (core/links.py), so `com`, `https` or a video id in a URL are no words of the post."""
    if "://" not in text and "www." not in text and "WWW." not in text:
        return text
    return _URL_TEXT.sub(" ", text)

"""clean_line and clean_body: what survives, what goes, and which links are found."""

from __future__ import annotations

import time

import pytest

from vidbrowse.core.archive.clean import clean_body, clean_line

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", written with a ZWNJ


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  plain   title \t here ", "plain title here"),
        ("a\nb\r\nc", "a b c"),
        ("esc\x1b[31mred\x1b[0m", "esc[31mred[0m"),
        ("nul\x00 and del\x7f", "nul and del"),
        ("“as is“\x9d basis", "“as is“ basis"),  # C1 (mojibake) from the corpus
        ("zero\u200bwidth\ufeff\u2060 join", "zerowidth join"),
        (PERSIAN, PERSIAN),  # a ZWNJ inside a word is part of its spelling
        ("\u200cstray \u200c non-joiner\u200c", "stray non-joiner"),
        ("bidi \u202eevil\u202c \u2066iso\u2069 \u200emark\u200f \u061c", "bidi evil iso mark"),
        (FAMILY, FAMILY),  # ZWJ between visible characters is kept
        ("\u200dstray \u200d joiner\u200d", "stray joiner"),
        ("[bold]x[/] & <b>", "[bold]x[/] & <b>"),  # no markup meaning, no entity decoding
        ("", ""),
        ("\u00a0nbsp\u00a0 ", "nbsp"),
        ("Мишари Рашид", "Мишари Рашид"),
    ],
)
def test_clean_line(raw: str, expected: str) -> None:
    assert clean_line(raw) == expected


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("{% raw %}Hello{% endraw %}", "Hello"),
        ("{%raw%}a{%endraw%}\n{%- raw -%}b{%- endraw -%}", "a\nb"),
        ("x {% include foo.html %} y {{ page.title | upcase }} z", "x  y  z"),
        ("{% raw %}{{ kept }} {% if %}{% endraw %}", "{{ kept }} {% if %}"),  # literal in raw
        ("one<br>two<BR/>three<br />four<Br  />five", "one\ntwo\nthree\nfour\nfive"),
        ("<p>para</p><p>two</p>", "para\n\ntwo"),
        ('see <a rel="nofollow" href="https://x.io/">the site</a>!', "see the site!"),
        ("<b>bold</b> <i>it</i> <u>u</u><!-- gone -->", "bold it u"),
        ("AT&amp;T &lt;b&gt; &quot;q&quot; &#39;s &eacute;", 'AT&T <b> "q" \'s é'),
        ("&#27;[2Jclear", "[2Jclear"),  # an escape made by an entity is removed too
        ("a\r\nb\rc", "a\nb\nc"),
        ("trailing   \nspaces\t\t\nend  ", "trailing\nspaces\nend"),
        ("\n\n  \nfirst\n\n\n\n\nsecond\n \n\n", "first\n\nsecond"),
        ("a<br /><br /><br /><br />b", "a\n\nb"),
        ("tab\there", "tab here"),
        ("zw\u200b\u200e\u202e text\ufeff", "zw text"),
        (f"emoji {FAMILY}!", f"emoji {FAMILY}!"),
        ("[bold]x[/] [link=y]z[/link]", "[bold]x[/] [link=y]z[/link]"),
        ("2 < 3 and 5 > 4", "2 < 3 and 5 > 4"),
        ("line\u2028sep", "line\nsep"),
        ("", ""),
    ],
)
def test_clean_body_text(raw: str, text: str) -> None:
    assert clean_body(raw)[0] == text


@pytest.mark.parametrize(
    ("raw", "links"),
    [
        ("no links here", ()),
        ("go to https://a.com/x. Then http://b.org/y, ok", ("https://a.com/x", "http://b.org/y")),
        (
            '<a href="https://a.com/?q=1&amp;r=2">https://a.com/?q=1&amp;r=2</a> and https://c.com',
            ("https://a.com/?q=1&r=2", "https://c.com"),
        ),
        # An anchor's caption repeats its href, often shortened: not a link of its own.
        (
            "<a href='https://long.example/full/path'>https://long.example/fu...</a>",
            ("https://long.example/full/path",),
        ),
        # ...unless the href leads nowhere a browser goes.
        ('<a href="#top">https://real.example/x</a>', ("https://real.example/x",)),
        # Bare `www.` names are links (opened with http://, which redirects), not inside an
        # address, a word or another URL.
        (
            "Social: www.facebook.com/Dragonhanx<br />www.twitter.com/x, (www.a.co.uk).",
            (
                "http://www.facebook.com/Dragonhanx",
                "http://www.twitter.com/x",
                "http://www.a.co.uk",
            ),
        ),
        ("me@www.mail.com bare:www.no.com awww.no.com www.nodot", ()),
        ('<a href="https://b.com/">www.b.com</a>', ("https://b.com/",)),
        # Entities are decoded in bare URLs and hrefs alike; no host, no link.
        ("http://x.com/a?b=1&amp;c=2 and https://?q", ("http://x.com/a?b=1&c=2",)),
        ("dup https://a.com and again https://a.com", ("https://a.com",)),
        ('<a href="mailto:x@y.z">mail</a> <a href="/rel">r</a>', ()),
        (
            "(see https://en.wikipedia.org/wiki/Foo_(bar))",
            ("https://en.wikipedia.org/wiki/Foo_(bar)",),
        ),
        ("(see https://a.com/x)", ("https://a.com/x",)),
        ("https://a.com/one<br />https://b.com/two", ("https://a.com/one", "https://b.com/two")),
        ("HTTPS://UPPER.COM/X ftp://no.pe", ("HTTPS://UPPER.COM/X",)),
        ("just https:// nothing", ()),
    ],
)
def test_clean_body_links(raw: str, links: tuple[str, ...]) -> None:
    assert clean_body(raw)[1] == links


@pytest.mark.parametrize(
    "raw",
    [
        "<!--" * 100_000,
        "{%" * 200_000,
        "{{ a " * 100_000,
        "<a href='" * 50_000,
        "http://a/" + ")" * 400_000,
    ],
)
def test_hostile_bodies_are_cleaned_in_linear_time(raw: str) -> None:
    # Quadratic scanning of 400 KB takes minutes; linear takes milliseconds.
    start = time.perf_counter()
    clean_body(raw)
    assert time.perf_counter() - start < 2.0

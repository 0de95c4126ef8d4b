"""The HTML adapter: the view model's rich text as escaped HTML, the adapter's own markup
only (strong, code, time, links to http(s))."""

from __future__ import annotations

from datetime import UTC, datetime

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bot.core.models import Event, Post, Status
from bot.render.html import capitalised, html
from bot.render.i18n import translator
from bot.render.rich import Code, Feed, Link, Moment, Plain, Strong, TimeStyle, feed, plain
from bot.render.view import post_view

from .builders import JFK8, NOW, alu, jfk8_paused

XSS = "<script>alert(1)</script>"


def test_every_word_is_escaped_and_only_the_adapters_markup_is_made() -> None:
    text = (
        Plain("a < b & "),
        Feed(XSS),
        Strong((Feed("<b>bold</b>"),)),
        Code("jfk8"),
        Link((Plain("page"),), 'https://example.org/?a=1&b="2"'),
        Link((Plain("not a link"),), "javascript:alert(1)"),
    )
    out = str(html(text, "en"))
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert out.startswith("a &lt; b &amp; ")
    assert "<strong>&lt;b&gt;bold&lt;/b&gt;</strong>" in out
    assert "<code>jfk8</code>" in out
    assert '<a href="https://example.org/?a=1&amp;b=&#34;2&#34;">page</a>' in out
    assert "javascript" not in out and out.endswith("not a link")


def test_times_read_in_utc_for_the_language_inside_a_time_element() -> None:
    at = datetime(2022, 4, 1, 14, 5, tzinfo=UTC)
    for language in ("en", "es"):
        out = html((Plain("at "), Moment(at, TimeStyle.DATETIME)), language)
        node = HTMLParser(str(out)).css_first("time")
        assert node.attributes["datetime"] == "2022-04-01T14:05:00+00:00"
        assert node.text() == translator(language).date_time(at)


def test_nothing_is_an_empty_string() -> None:
    assert html(None, "en") == "" and html((), "es") == ""


def test_a_phrase_opening_a_cell_is_capitalised_but_not_a_feeds_name() -> None:
    assert capitalised(plain("union loses")) == plain("Union loses")
    assert capitalised(feed("iPhone workers united")) == feed("iPhone workers united")
    assert capitalised(()) == ()


def test_a_post_view_reads_the_same_in_html_as_in_words() -> None:
    post = Post("jfk8", "initial", (Event.STATUS_CHANGED,), jfk8_paused(), alu(900, 700), (), NOW)
    view = post_view(JFK8, post, language="es")
    state = HTMLParser(str(html(view.state, "es"))).text()
    assert state.startswith("Recuento en pausa.") and "Amazon Labor Union" in state
    assert view.status is Status.PAUSED

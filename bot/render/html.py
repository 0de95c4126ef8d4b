"""The HTML adapter of the view model: rich text as escaped HTML for the web page (DESIGN
§12). Every word is escaped, ours and the feed's alike; the only markup is the adapter's
own: <strong>, <code>, <time datetime> and <a href> to an http(s) URL."""

from __future__ import annotations

from markupsafe import Markup, escape

from bot.render.format import as_utc
from bot.render.i18n import Translator, translator
from bot.render.rich import Code, Feed, Link, Moment, Plain, Strong, Text, TimeStyle


def html(text: Text | None, language: str) -> Markup:
    """`text` as HTML safe to put in a page; nothing for None. Times read in UTC, as the
    language writes them, inside a <time> a script may localise."""
    if not text:
        return Markup("")
    return _html(text, translator(language))


def capitalised(text: Text) -> Text:
    """A phrase that opens a table cell or a line, its first letter upper case when the
    phrase opens with our own words ("union loses" -> "Union loses"); a feed's name is left
    as its source writes it."""
    if text and isinstance(text[0], Plain) and text[0].text:
        first = text[0].text
        return (Plain(first[0].upper() + first[1:]), *text[1:])
    return text


def _html(text: Text, t: Translator) -> Markup:
    parts: list[Markup] = []
    for span in text:
        if isinstance(span, Plain | Feed):
            parts.append(escape(span.text))
        elif isinstance(span, Code):
            parts.append(Markup("<code>{}</code>").format(span.text))
        elif isinstance(span, Strong):
            parts.append(Markup("<strong>{}</strong>").format(_html(span.content, t)))
        elif isinstance(span, Moment):
            shown = t.time(span.at) if span.style is TimeStyle.TIME else t.date_time(span.at)
            iso = as_utc(span.at).isoformat()
            parts.append(Markup('<time datetime="{}">{}</time>').format(iso, shown))
        elif isinstance(span, Link):
            label = _html(span.label, t)
            if span.url.startswith(("https://", "http://")):
                parts.append(Markup('<a href="{}">{}</a>').format(span.url, label))
            else:
                parts.append(label)
    return Markup("").join(parts)

"""Rich text of the view model: a translated sentence as a tuple of spans, free of any markup,
so each adapter (Discord markdown, plain text, HTML) writes it its own way.

`fill` puts values into a catalogue sentence's named placeholders ("{leader} leads by
{margin} votes.") without gluing fragments: the sentence stays whole and translated as a
unit, and a value from a feed stays marked as such (`Feed`), so every adapter escapes it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.render.body import truncate

_WHITESPACE = re.compile(r"\s+")
_FORMATTER = string.Formatter()


@dataclass(frozen=True, slots=True)
class Plain:
    """Our own words (from a catalogue) and numbers formatted for the language."""

    text: str


@dataclass(frozen=True, slots=True)
class Feed:
    """Words from a feed or a user (a name, a note): inert and escaped by every adapter."""

    text: str


@dataclass(frozen=True, slots=True)
class Code:
    """An identifier to be typed as shown (an election id): code in Discord and HTML."""

    text: str


@dataclass(frozen=True, slots=True)
class Strong:
    """Emphasis (bold in Discord, <strong> in HTML, nothing in plain text)."""

    content: Text


class TimeStyle(StrEnum):
    """How a moment reads: relative ("2 hours ago"), a time of day, or date and time."""

    RELATIVE = "R"
    TIME = "t"
    DATETIME = "f"


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time; Discord shows it in each reader's zone, other adapters in UTC."""

    at: datetime
    style: TimeStyle = TimeStyle.RELATIVE


@dataclass(frozen=True, slots=True)
class Link:
    """A labelled link to an http(s) URL."""

    label: Text
    url: str


Span = Plain | Feed | Code | Strong | Moment | Link
Text = tuple[Span, ...]
Value = str | Span | Text  # what a placeholder may take; a str is Plain


def plain(text: str) -> Text:
    return (Plain(text),) if text else ()


def feed(text: str, limit: int | None = None) -> Text:
    """Feed text on one line (whitespace folded), cut to `limit` characters."""
    flat = _WHITESPACE.sub(" ", text).strip()
    if limit is not None:
        flat = truncate(flat, limit)
    return (Feed(flat),) if flat else ()


def strong(value: Value) -> Text:
    return (Strong(as_text(value)),)


def as_text(value: Value) -> Text:
    if isinstance(value, str):
        return plain(value)
    if isinstance(value, tuple):
        return value
    return (value,)


def fill(template: str, **values: Value) -> Text:
    """`template` (a translated sentence) with each `{name}` replaced by its value.

    Literal text stays Plain; `{{` and `}}` are literal braces. A placeholder without a value
    raises KeyError: the catalogue test keeps placeholders equal across languages.
    """
    spans: list[Span] = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(template):
        if literal:
            spans.append(Plain(literal))
        if name is not None:
            spans.extend(as_text(values[name]))
    return _merged(spans)


def join(parts: Iterable[Text], separator: str) -> Text:
    """Parts joined by a separator that carries no words (" · ", a newline)."""
    spans: list[Span] = []
    for index, part in enumerate(parts):
        if index:
            spans.append(Plain(separator))
        spans.extend(part)
    return _merged(spans)


def _merged(spans: list[Span]) -> Text:
    """Adjacent Plain spans as one, so adapters see few pieces."""
    merged: list[Span] = []
    for span in spans:
        last = merged[-1] if merged else None
        if isinstance(span, Plain) and isinstance(last, Plain):
            merged[-1] = Plain(last.text + span.text)
        elif not (isinstance(span, Plain) and not span.text):
            merged.append(span)
    return tuple(merged)


def flatten(text: Text, moment: Callable[[Moment], str]) -> str:
    """The words as a person reads them, without any emphasis or markup; `moment` writes
    times, a link reads as its label."""
    parts: list[str] = []
    for span in text:
        if isinstance(span, Plain | Feed | Code):
            parts.append(span.text)
        elif isinstance(span, Strong):
            parts.append(flatten(span.content, moment))
        elif isinstance(span, Moment):
            parts.append(moment(span))
        else:
            parts.append(flatten(span.label, moment))
    return "".join(parts)

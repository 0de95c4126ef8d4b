"""Small text pieces for Discord bodies: bars, timestamps, inert and escaped feed text; and
language-aware shortcuts (numbers, labels) for callers outside the view model."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.core.models import DEFAULT_LANGUAGE, Election, Status
from bot.render import labels
from bot.render.body import truncate
from bot.render.i18n import translator

ZWSP = "\u200b"
BAR_WIDTH = 12
# Caps on feed text, so one long name cannot crowd the rest of a post out.
NAME_MAX = 100
SOURCE_MAX = 200
NOTE_MAX = 300
_FULL, _EMPTY = "█", "░"

# Markdown that Discord renders anywhere in a line; backslash-escaped.
_INLINE_MARKDOWN = re.compile(r"([\\*_~`|\[\]])")
# Markdown that only matters at the start of a line (quotes, headings, lists).
_LINE_START_MARKDOWN = re.compile(r"^(\s*)([>#\-+]|\d+\.)", re.MULTILINE)
# `<@id>`, `<@!id>`, `<@&id>`, `<#id>`, `</cmd:id>`: break the syntax after "<".
_ANGLE_MENTION = re.compile(r"<(?=[@#/])")
_WHITESPACE = re.compile(r"\s+")


def number(value: int, language: str = DEFAULT_LANGUAGE) -> str:
    """An integer with the language's grouping (Babel): 2654 -> "2,654"."""
    return translator(language).number(value)


def percent(part: float, whole: float, *, language: str = DEFAULT_LANGUAGE) -> str:
    """`part` of `whole` as a whole or one-decimal percent ("55.5%", "50%"); 0% of nothing."""
    return translator(language).share(part / whole if whole > 0 else 0.0)


def fraction_percent(fraction: float, *, language: str = DEFAULT_LANGUAGE) -> str:
    """A fraction (0.555) as a whole or one-decimal percent ("55.5%")."""
    return translator(language).share(fraction)


def score(votes: tuple[int, ...], language: str = DEFAULT_LANGUAGE) -> str:
    """Votes in ballot order joined by en dashes: "1,518–1,154"."""
    t = translator(language)
    if not votes:
        return t.pgettext("score", "no votes")
    return "–".join(t.number(v) for v in votes)


def status_label(status: Status, language: str = DEFAULT_LANGUAGE) -> str:
    """A status as a person says it ("Count paused", "Certified")."""
    return labels.status_label(translator(language), status)


def round_label(round_: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A round id as a person says it ("Initial tally", "Rerun 2", "Revised run-off")."""
    return labels.round_label(translator(language), round_)


def short_name(election: Election) -> str:
    """The name that opens titles ("JFK8"); see `labels.short_name`."""
    return labels.short_name(election)


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """A text bar for a share in [0, 1]: "███████░░░░░"."""
    clamped = min(1.0, max(0.0, fraction))
    full = round(clamped * width)
    return _FULL * full + _EMPTY * (width - full)


def as_utc(moment: datetime) -> datetime:
    """A datetime with a time zone; naive ones are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def discord_timestamp(moment: datetime, style: str = "R") -> str:
    """A Discord timestamp markup, shown in each reader's zone: "<t:1648771200:R>"."""
    return f"<t:{int(as_utc(moment).timestamp())}:{style}>"


def iso_timestamp(moment: datetime) -> str:
    """An ISO 8601 timestamp with its offset, as embeds take it."""
    return as_utc(moment).isoformat()


def inert(text: str, limit: int | None = None) -> str:
    """Feed text that can never ping or form a mention, for places without markdown
    (embed author and footer): @everyone, @here, <@id>, <@&id>, <#id> are broken up."""
    flat = _WHITESPACE.sub(" ", text).strip()
    if limit is not None:
        flat = truncate(flat, limit)  # before escaping, so no escape is cut in half
    flat = flat.replace("@", "@" + ZWSP)
    return _ANGLE_MENTION.sub("<" + ZWSP, flat)


def sanitize(text: str, limit: int | None = None) -> str:
    """Feed text made inert for places that render markdown (content, title, description,
    fields): mentions broken up as in `inert`, markdown characters backslash-escaped,
    newlines folded so one value stays on one line, cut to `limit` characters first.
    allowed_mentions is the real guard against pings; this keeps the text from looking
    like a mention or formatting."""
    escaped = _INLINE_MARKDOWN.sub(r"\\\1", inert(text, limit))
    return _LINE_START_MARKDOWN.sub(r"\1\\\2", escaped)

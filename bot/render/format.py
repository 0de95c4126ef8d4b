"""Small text pieces for posts: numbers, percents, labels, bars, timestamps, inert feed text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.core.models import Election, Status
from bot.render.body import truncate

ZWSP = "\u200b"
BAR_WIDTH = 12
# Caps on feed text, so one long name cannot crowd the rest of a post out.
NAME_MAX = 100
SOURCE_MAX = 200
NOTE_MAX = 300
_FULL, _EMPTY = "█", "░"

_STATUS_LABELS: dict[Status, str] = {
    Status.SCHEDULED: "Scheduled",
    Status.VOTING: "Voting",
    Status.COUNTING: "Counting",
    Status.PAUSED: "Count paused",
    Status.FINAL: "Count complete",
    Status.CERTIFIED: "Certified",
    Status.OBJECTIONS: "Objections filed",
    Status.RERUN_ORDERED: "Rerun ordered",
    Status.WITHDRAWN: "Petition withdrawn",
    Status.DISMISSED: "Petition dismissed",
}

_ROUND_WORDS: dict[str, str] = {
    "initial": "Initial",
    "rerun": "Rerun",
    "runoff": "Run-off",
    "revised": "Revised",
}

# Markdown that Discord renders anywhere in a line; backslash-escaped.
_INLINE_MARKDOWN = re.compile(r"([\\*_~`|\[\]])")
# Markdown that only matters at the start of a line (quotes, headings, lists).
_LINE_START_MARKDOWN = re.compile(r"^(\s*)([>#\-+]|\d+\.)", re.MULTILINE)
# `<@id>`, `<@!id>`, `<@&id>`, `<#id>`, `</cmd:id>`: break the syntax after "<".
_ANGLE_MENTION = re.compile(r"<(?=[@#/])")
_WHITESPACE = re.compile(r"\s+")


def number(value: int) -> str:
    """An integer with thousands separators: 2654 -> "2,654"."""
    return f"{value:,}"


def percent(part: float, whole: float, *, decimals: int = 1) -> str:
    """`part` of `whole` as a percent with at most `decimals` places ("55.5%", "50%").

    A zero `whole` reads as 0%. A trailing ".0" is dropped so whole numbers read whole.
    """
    if whole <= 0:
        return "0%"
    return fraction_percent(part / whole, decimals=decimals)


def fraction_percent(fraction: float, *, decimals: int = 1) -> str:
    """A fraction (0.555) as a percent ("55.5%"), without a trailing ".0"."""
    text = f"{100 * fraction:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def score(votes: tuple[int, ...]) -> str:
    """Votes in ballot order joined by en dashes: "1,518–1,154"."""
    return "–".join(number(v) for v in votes) if votes else "no votes"


def status_label(status: Status) -> str:
    """A status as a person says it ("Count paused", "Certified")."""
    return _STATUS_LABELS[status]


def round_label(round_: str) -> str:
    """A round id as a person says it.

    initial -> "Initial tally", revised -> "Revised tally", rerun -> "Rerun",
    rerun-2 -> "Rerun 2", revised-rerun -> "Revised rerun", runoff -> "Run-off",
    initial-sd -> "Initial (self-determination)".
    """
    tokens = [t for t in round_.lower().split("-") if t]
    self_determination = "sd" in tokens
    tokens = [t for t in tokens if t != "sd"]
    ordinal = tokens.pop() if len(tokens) > 1 and tokens[-1].isdigit() else None
    revised = len(tokens) > 1 and tokens[0] == "revised"
    if revised:
        tokens = tokens[1:]
    words = [_ROUND_WORDS.get(t, t.capitalize()) for t in tokens] or ["Initial"]
    label = " ".join(words)
    if revised:
        label = "Revised " + label.lower()
    if ordinal:
        label += f" {ordinal}"
    if self_determination:
        return f"{label} (self-determination)"
    if not revised and not ordinal and tokens in (["initial"], ["revised"]):
        label += " tally"
    return label


def short_name(election: Election) -> str:
    """The short label that opens titles: "JFK8", "Bessemer", "29-RC-288020-A".

    Ids with digits are codes and read in capitals; others are words, capitalised.
    """
    ident = election.id
    if any(ch.isdigit() for ch in ident):
        return ident.upper()
    return " ".join(word.capitalize() for word in ident.split("-") if word) or ident


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

"""/feeds: each configured feed's health (last success, last error, failures, next poll)
from the stored feed state and the running scheduler, as one embed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.config import format_duration
from bot.discord.cogs._replies import body_of
from bot.render.body import Embed, EmbedField, MessageBody
from bot.render.format import as_utc, discord_timestamp, number, sanitize
from bot.render.messages import COLOUR_COUNTING, COLOUR_LOSS, COLOUR_PAUSED
from bot.store import FeedState

_ERROR_MAX = 300
MAX_FIELDS = 25


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """One configured feed and what is known of it."""

    feed_id: str
    format: str
    interval_s: float
    state: FeedState | None = None
    next_poll: datetime | None = None
    tallies: int = 0

    @property
    def failing(self) -> bool:
        return self.state is not None and self.state.failures > 0


def _after(first: datetime | None, second: datetime | None) -> bool:
    """Whether `first` is known and later than `second` (or `second` is unknown)."""
    return first is not None and (second is None or as_utc(first) > as_utc(second))


def feed_lines(feed: FeedHealth, now: datetime) -> list[str]:
    """The lines of one feed's field."""
    state = feed.state
    if state is None:
        return ["⏳ not polled yet", *_next_poll(feed, now), _held(feed.tallies)]
    lines = []
    if state.last_success_at is not None:
        lines.append(f"✅ last success {discord_timestamp(state.last_success_at)}")
    else:
        lines.append("never fetched successfully")
    if state.last_error is not None:
        error = sanitize(state.last_error, _ERROR_MAX)
        when = discord_timestamp(state.last_error_at) if state.last_error_at else "earlier"
        if state.failures and _after(state.last_error_at, state.last_success_at):
            lines.append(f"⚠️ failing ({number(state.failures)} in a row), last {when}: {error}")
        else:
            lines.append(f"last error {when} (recovered since): {error}")
    lines.extend(_next_poll(feed, now))
    lines.append(_held(feed.tallies))
    return lines


def _held(tallies: int) -> str:
    return f"{number(tallies)} {'tally' if tallies == 1 else 'tallies'} held (election rounds)"


def _next_poll(feed: FeedHealth, now: datetime) -> list[str]:
    backoff = feed.state.next_attempt_at if feed.state else None
    if backoff is not None and as_utc(backoff) > as_utc(now):
        return [f"backing off: next try {discord_timestamp(backoff)}"]
    if feed.next_poll is not None:
        return [f"next poll {discord_timestamp(feed.next_poll)}"]
    return ["not scheduled (the pipeline is not running)"]


def health_body(
    feeds: Sequence[FeedHealth], other_sources: Mapping[str, int], now: datetime
) -> MessageBody:
    """The /feeds answer; `other_sources` are sources holding tallies that are not
    configured feeds (`report`, feeds removed from config), with how many."""
    fields = [
        EmbedField(
            name=f"{'⚠️' if f.failing else '•'} {f.feed_id} · {f.format} · every "
            + format_duration(f.interval_s),
            value="\n".join(feed_lines(f, now)),
            inline=False,
        )
        for f in feeds[:MAX_FIELDS]
    ]
    failing = sum(1 for f in feeds if f.failing)
    lines = [f"{number(len(feeds))} feed(s) configured, {number(failing)} failing."]
    if len(feeds) > MAX_FIELDS:
        lines.append(f"Only the first {MAX_FIELDS} are shown.")
    if other_sources:
        held = ", ".join(f"`{s}` ({number(n)})" for s, n in sorted(other_sources.items()))
        lines.append(f"Other sources holding tallies: {held}.")
    colour = COLOUR_COUNTING
    if failing:
        colour = COLOUR_LOSS if failing == len(feeds) else COLOUR_PAUSED
    embed = Embed(title="Feed health", description="\n".join(lines), color=colour, fields=fields)
    return body_of(embed)

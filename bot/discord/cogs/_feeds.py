"""/feeds: each configured feed's health (last success, last error, the last document's
problems, next poll) from the stored feed state and the running scheduler; and `poll:`, a
feed polled at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.config import FeedSettings, format_duration
from bot.discord.cogs.errors import UserError, code
from bot.render.admin import FeedRow
from bot.render.rich import Code
from bot.render.said import Listed, said
from bot.services.runtime import Runtime
from bot.store import FeedState


def feed_row(
    feed: FeedSettings, state: FeedState | None, next_poll: datetime | None, tallies: int
) -> FeedRow:
    """One feed as /feeds shows it."""
    if state is None:
        return FeedRow(
            feed_id=feed.id,
            format=feed.format,
            interval=format_duration(feed.interval_s),
            next_poll=next_poll,
            tallies=tallies,
        )
    return FeedRow(
        feed_id=feed.id,
        format=feed.format,
        interval=format_duration(feed.interval_s),
        polled=True,
        last_success_at=state.last_success_at,
        last_error=state.last_error,
        last_error_at=state.last_error_at,
        failures=state.failures,
        next_attempt_at=state.next_attempt_at,
        next_poll=next_poll,
        tallies=tallies,
        problems=tuple(_problem_text(p) for p in state.problems),
        problem_count=state.problem_count,
    )


def _problem_text(problem: Mapping[str, str | None]) -> str:
    where = "/".join(part for part in (problem.get("election"), problem.get("field")) if part)
    error = problem.get("error") or ""
    return f"{where}: {error}" if where else error


def known_feed(feeds: Mapping[str, FeedSettings], feed_id: str) -> str:
    """A configured feed's id, or a UserError listing the feeds there are."""
    wanted = feed_id.strip().lower()
    if wanted not in feeds:
        if not feeds:
            raise UserError(
                said("There is no feed {feed}: none is configured.", feed=code(wanted, 40))
            )
        raise UserError(
            said(
                "There is no feed {feed}. Feeds: {feeds}.",
                feed=code(wanted, 40),
                feeds=Listed(tuple(Code(f) for f in feeds)),
            )
        )
    return wanted


def runtime_of(runtime: Runtime | None) -> Runtime:
    if runtime is None:
        raise UserError(said("The feed pipeline is not running here, so I can't poll."))
    return runtime

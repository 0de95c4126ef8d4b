"""One poll of one feed: fetch → parse → store the source's tallies → publish by precedence →
diff → outbox, all in one transaction; then wake the delivery worker (DESIGN §2, §4)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.core.diff import passes
from bot.core.models import Change, Election, Level
from bot.feeds.backoff import next_delay
from bot.feeds.base import (
    Document,
    FeedSource,
    FetchFailure,
    ParseContext,
    ParsedTally,
    ParseError,
    ParseResult,
    Unchanged,
    Validators,
)
from bot.feeds.fetch import Fetcher
from bot.feeds.parsers import parse
from bot.services.publish import Publication, RoundState, SourceRanking, plan_publications
from bot.store import ALL_ELECTIONS, FeedState, OutboxItem, Published, Store, UnitOfWork

log = logging.getLogger(__name__)

# Persist a quiet success at most this often: an unchanged poll should cost no write.
_SUCCESS_WRITE_EVERY = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed as the poller runs it."""

    source: FeedSource
    interval_s: float


@dataclass(frozen=True, slots=True)
class ExtraSubscriber:
    """A subscriber held in memory only (the dry run's `console`)."""

    target: str
    level: Level = Level.ALL


@dataclass(frozen=True, slots=True)
class PollReport:
    """What one poll did, for logs, `/feeds` and tests."""

    feed_id: str
    outcome: str  # "skipped" | "unchanged" | "failed" | "stored"
    posts: int = 0
    tallies: int = 0
    problems: int = 0
    error: str | None = None


class Poller:
    """Polls feeds into the store. One instance serves every feed; polls of different feeds
    may run concurrently (the scheduler keeps one run per feed)."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        feeds: Sequence[Feed],
        *,
        identities: Mapping[tuple[str, str], Election] | None = None,
        declared: Iterable[str] = (),
        extra_subscribers: Sequence[ExtraSubscriber] = (),
        on_enqueued: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._feeds = {feed.source.id: feed for feed in feeds}
        self._ranking = SourceRanking.from_feeds(
            (feed.source.id, feed.source.format.source_kind) for feed in feeds
        )
        self._identities = dict(identities or {})
        self._declared = frozenset(declared)
        self._extra = tuple(extra_subscribers)
        self._on_enqueued = on_enqueued
        self._clock = clock
        self._rand = rand
        self._states: dict[str, FeedState] = {}
        self._stored: dict[str, dict[tuple[str, str], ParsedTally]] = {}

    @property
    def feeds(self) -> list[Feed]:
        return list(self._feeds.values())

    async def poll(self, feed_id: str) -> PollReport:
        """Poll one feed once; never raises for a feed's own failure."""
        feed = self._feeds[feed_id]
        now = self._clock()
        state = await self._feed_state(feed_id)
        if state.next_attempt_at is not None and now < state.next_attempt_at:
            return PollReport(feed_id, "skipped")
        previous = Validators(state.etag, state.last_modified, state.content_hash)
        result = await self._fetcher.fetch(feed.source, previous)
        if isinstance(result, Unchanged):
            await self._save_quiet_success(state, now)
            return PollReport(feed_id, "unchanged")
        if isinstance(result, FetchFailure):
            return await self._fail(feed, state, result.reason, now, result.retry_after_s)
        return await self._ingest(feed, state, result, now)

    async def _feed_state(self, feed_id: str) -> FeedState:
        """The feed's state as last committed: read from the store once, then kept here,
        so an unchanged poll costs no database read (this poller is its only writer)."""
        state = self._states.get(feed_id)
        if state is None:
            async with self._store.read() as uow:
                state = await uow.feeds.get(feed_id) or FeedState(feed_id)
            self._states[feed_id] = state
        return state

    async def _ingest(
        self, feed: Feed, state: FeedState, document: Document, now: datetime
    ) -> PollReport:
        context = ParseContext(source_id=feed.source.id, identities=self._identities)
        try:
            parsed = parse(feed.source.format, document.body, context)
        except ParseError as exc:
            return await self._fail(feed, state, str(exc), now, None)
        for problem in parsed.problems:
            log.warning(
                "feed %s: election %s, field %s: %s",
                feed.source.id,
                problem.election or "-",
                problem.field or "-",
                problem.error,
            )
        fresh = self._unstored(feed.source.id, parsed)
        new_state = replace(
            state,
            etag=document.validators.etag,
            last_modified=document.validators.last_modified,
            content_hash=document.validators.content_hash,
            baseline_done=True,
            last_success_at=now,
            failures=0,
            next_attempt_at=None,
        )
        async with self._store.transaction() as uow:
            posts = await self._store_and_publish(uow, fresh, not state.baseline_done, now)
            await uow.feeds.save(new_state)
        # Committed: remember what the store now holds for this feed.
        self._states[feed.source.id] = new_state
        self._remember(feed.source.id, parsed)
        if state.failures:
            log.info("feed %s: recovered after %d failure(s)", feed.source.id, state.failures)
        if posts:
            self._on_enqueued()
        return PollReport(
            feed.source.id,
            "stored",
            posts=posts,
            tallies=len(parsed.tallies),
            problems=len(parsed.problems),
        )

    def _unstored(self, feed_id: str, parsed: ParseResult) -> ParseResult:
        """The tallies and elections that differ from what this feed last stored: a big feed
        where 10 of 5,000 changed costs the store 10, not 5,000 (the store still skips a
        tally whose only change is its timestamp)."""
        known = self._stored.get(feed_id)
        if not known:
            return parsed
        fresh = tuple(
            p for p in parsed.tallies if known.get((p.tally.election_id, p.tally.round)) != p
        )
        return ParseResult(fresh, parsed.problems)

    def _remember(self, feed_id: str, parsed: ParseResult) -> None:
        self._stored[feed_id] = {(p.tally.election_id, p.tally.round): p for p in parsed.tallies}

    async def ingest_report(self, tallies: Sequence[ParsedTally]) -> int:
        """Take tallies from `/report` (source "report", the lowest precedence) through the
        same path as a feed's; returns how many posts were queued."""
        async with self._store.transaction() as uow:
            posts = await self._store_and_publish(
                uow, ParseResult(tuple(tallies)), False, self._clock()
            )
        if posts:
            self._on_enqueued()
        return posts

    async def _store_and_publish(
        self, uow: UnitOfWork, parsed: ParseResult, silent: bool, now: datetime
    ) -> int:
        """Write a source's tallies and the new published state; queue the posts.
        `silent`: a feed's first-sight baseline."""
        await uow.elections.upsert_from_feed([p.election for p in parsed.tallies])
        changed = await uow.tallies.record_many([p.tally for p in parsed.tallies], now=now)
        if not changed:
            return 0
        keys = list(dict.fromkeys((t.election_id, t.round) for t in changed))
        latest = await uow.tallies.latest(keys)
        published = await uow.published.get_many(keys)
        with_rounds = await uow.published.with_any({election for election, _ in keys})
        plans = plan_publications(
            keys,
            {key: {s.source: s.tally for s in rows} for key, rows in latest.items()},
            {key: RoundState(p.tally, p.count_started_posted) for key, p in published.items()},
            ranking=self._ranking,
            silent=silent,
            declared=self._declared,
            elections_with_rounds=frozenset(with_rounds),
        )
        await uow.published.set_many(
            [Published(p.tally, p.count_started_posted) for p in plans], now=now
        )
        items = await self._outbox_items(uow, plans)
        if items:
            await uow.outbox.enqueue_many(items, now=now)
        return len(items)

    async def _outbox_items(self, uow: UnitOfWork, plans: list[Publication]) -> list[OutboxItem]:
        changes = [p.change for p in plans if p.change is not None]
        if not changes:
            return []
        subscriptions = await uow.subscriptions.matching({c.election_id for c in changes})
        # A target subscribed to the election and to "all" gets one post: the specific
        # subscription (its level and role) speaks first.
        subscriptions.sort(key=lambda sub: sub.election_id == ALL_ELECTIONS)
        items: dict[tuple[str, str, str], OutboxItem] = {}
        for change in changes:
            for extra in self._extra:
                if passes(extra.level, change):
                    item = _item(extra.target, change, None, None)
                    items.setdefault(item.key, item)
            for sub in subscriptions:
                wanted = sub.election_id in (change.election_id, ALL_ELECTIONS)
                if wanted and not sub.disabled and passes(sub.level, change):
                    item = _item(sub.target, change, sub.id, sub.mention_role_id)
                    items.setdefault(item.key, item)
        return list(items.values())

    async def _save_quiet_success(self, state: FeedState, now: datetime) -> None:
        stale = state.last_success_at is None or now - state.last_success_at > _SUCCESS_WRITE_EVERY
        if not (state.failures or stale):
            return
        if state.failures:
            log.info("feed %s: recovered after %d failure(s)", state.feed_id, state.failures)
        new_state = replace(state, last_success_at=now, failures=0, next_attempt_at=None)
        async with self._store.transaction() as uow:
            await uow.feeds.save(new_state)
        self._states[state.feed_id] = new_state

    async def _fail(
        self,
        feed: Feed,
        state: FeedState,
        reason: str,
        now: datetime,
        retry_after_s: float | None,
    ) -> PollReport:
        """Keep the last good state, post nothing, log once, back off."""
        failures = state.failures + 1
        delay = next_delay(failures, feed.interval_s, rand=self._rand)
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, 3600.0))
        log.warning(
            "feed %s: %s (failure %d in a row; next try in %.0fs)",
            feed.source.id,
            reason,
            failures,
            delay,
        )
        new_state = replace(
            state,
            last_error=reason,
            last_error_at=now,
            failures=failures,
            next_attempt_at=now + timedelta(seconds=delay),
        )
        async with self._store.transaction() as uow:
            await uow.feeds.save(new_state)
        self._states[feed.source.id] = new_state
        return PollReport(feed.source.id, "failed", error=reason)


def _item(target: str, change: Change, subscription_id: int | None, role: int | None) -> OutboxItem:
    return OutboxItem(
        target=target,
        election_id=change.election_id,
        round=change.round,
        events=change.events,
        tally=change.current,
        subscription_id=subscription_id,
        mention_role_id=role,
    )

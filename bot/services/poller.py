"""One poll of one feed: fetch → parse (off the event loop, time-limited) → the pipeline
(load → plan → write → notify), with the feed's state saved in the same transaction
(DESIGN §2, §4).

Failures keep the last good state and post nothing. A fetch that fails is backed off. A
document that fetched but does not parse is not (its publisher is most likely fixing a
typo): the feed is polled at its interval again, and the same failing document (same hash)
is neither parsed nor logged twice. A store outage is the store's to report (StoreHealth).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.core.models import Election
from bot.feeds.backoff import next_delay
from bot.feeds.base import (
    Document,
    FeedSource,
    FetchFailure,
    ParseContext,
    ParsedTally,
    ParseError,
    ParseResult,
    Problem,
    UnavailablePage,
    Unchanged,
    Validators,
)
from bot.feeds.fetch import Fetcher
from bot.feeds.parsers import parse
from bot.services.outage import StoreHealth
from bot.services.pipeline import Pipeline, store_failure_text
from bot.store import FeedState, Store, UnitOfWork
from bot.store.faults import is_outage

log = logging.getLogger(__name__)

# Persist a quiet success at most this often: an unchanged poll should cost no write.
_SUCCESS_WRITE_EVERY = timedelta(minutes=5)
PARSE_TIME_LIMIT_S = 10.0  # a document that takes longer is a failed document
PROBLEMS_LOGGED = 3  # per document: the count, and the first few
PROBLEMS_KEPT = 20  # per document, for /feeds and check-feed


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed as the poller runs it."""

    source: FeedSource
    interval_s: float


@dataclass(frozen=True, slots=True)
class PollReport:
    """What one poll did, for logs, `/feeds` and tests."""

    feed_id: str
    outcome: str  # "skipped" | "unchanged" | "failed" | "rejected" | "stored"
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
        pipeline: Pipeline,
        health: StoreHealth,
        *,
        identities: Mapping[tuple[str, str], Election] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rand: Callable[[], float] = random.random,
        parse_time_limit_s: float = PARSE_TIME_LIMIT_S,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._feeds = {feed.source.id: feed for feed in feeds}
        self._pipeline = pipeline
        self._health = health
        self._identities = dict(identities or {})
        self._clock = clock
        self._rand = rand
        self._parse_limit = parse_time_limit_s
        self._states: dict[str, FeedState] = {}
        self._stored: dict[str, dict[tuple[str, str], ParsedTally]] = {}

    @property
    def feeds(self) -> list[Feed]:
        return list(self._feeds.values())

    def forget_states(self) -> None:
        """Read feed state from the store again (a new leader takes over, DESIGN §9)."""
        self._states.clear()
        self._stored.clear()

    async def poll(self, feed_id: str) -> PollReport:
        """Poll one feed once; never raises for a feed's own failure or a store outage."""
        feed = self._feeds[feed_id]
        if not self._health.may_try():
            return PollReport(feed_id, "skipped", error="store unavailable")
        try:
            report = await self._poll(feed)
        except Exception as error:
            if not is_outage(error):
                raise
            self._health.failed(error, f"polling feed {feed_id}")
            return PollReport(feed_id, "failed", error=store_failure_text(error))
        self._health.succeeded()
        return report

    async def _poll(self, feed: Feed) -> PollReport:
        now = self._clock()
        state = await self._feed_state(feed.source.id)
        if state.next_attempt_at is not None and now < state.next_attempt_at:
            return PollReport(feed.source.id, "skipped")
        previous = Validators(state.etag, state.last_modified, state.content_hash)
        result = await self._fetcher.fetch(feed.source, previous)
        if isinstance(result, Unchanged):
            await self._save_quiet_success(state, now)
            return PollReport(feed.source.id, "unchanged")
        if isinstance(result, FetchFailure):
            return await self._fail(feed, state, result.reason, now, result.retry_after_s)
        if result.validators.content_hash == state.failed_hash:
            return PollReport(feed.source.id, "rejected", error=state.last_error)
        try:
            parsed = await self._parse(feed, result)
        except UnavailablePage as exc:  # a firewall or error page: a failed fetch
            return await self._fail(feed, state, str(exc), now, None)
        except ParseError as exc:
            return await self._reject(feed, state, result, str(exc), now)
        return await self._ingest(feed, state, result, parsed, now)

    async def _feed_state(self, feed_id: str) -> FeedState:
        """The feed's state as last committed: read from the store once, then kept here,
        so an unchanged poll costs no database read (this process is its only poller)."""
        state = self._states.get(feed_id)
        if state is None:
            async with self._store.read() as uow:
                state = await uow.feeds.get(feed_id) or FeedState(feed_id)
            self._states[feed_id] = state
        return state

    async def _parse(self, feed: Feed, document: Document) -> ParseResult:
        """Parse in a worker thread, so the event loop keeps answering commands and sending
        posts; past the time limit the document is a failed one."""
        context = ParseContext(
            source_id=feed.source.id,
            identities=self._identities,
            deadline=time.monotonic() + self._parse_limit,
        )
        work = asyncio.to_thread(parse, feed.source.format, document.body, context)
        try:
            return await asyncio.wait_for(work, self._parse_limit + 1.0)
        except TimeoutError:
            raise ParseError(
                f"parsing took longer than {self._parse_limit:g}s: the document is too "
                "large or too deeply nested"
            ) from None

    async def _ingest(
        self, feed: Feed, state: FeedState, document: Document, parsed: ParseResult, now: datetime
    ) -> PollReport:
        ready, refused = self._pipeline.check(self._unstored(feed.source.id, parsed))
        problems = [*parsed.problems, *refused]
        new_state = replace(
            state,
            etag=document.validators.etag,
            last_modified=document.validators.last_modified,
            content_hash=document.validators.content_hash,
            baseline_done=True,
            last_success_at=now,
            failures=0,
            next_attempt_at=None,
            failed_hash=None,
            problems=tuple(p.as_json() for p in problems[:PROBLEMS_KEPT]),
            problem_count=len(problems),
        )
        saved = [new_state]

        async def save_state(uow: UnitOfWork) -> None:
            await uow.feeds.save(saved[-1])

        result, more = await self._pipeline.ingest(
            ready, silent=not state.baseline_done, now=now, also=save_state
        )
        if more:  # elections the store itself refused (found by bisecting)
            problems.extend(more)
            saved.append(replace(new_state, problem_count=len(problems)))
            async with self._store.transaction() as uow:
                await uow.feeds.save(saved[-1])
        self._states[feed.source.id] = saved[-1]
        self._remember(feed.source.id, parsed, {(p.election, p.field) for p in more})
        log_problems(feed.source.id, problems)
        if state.failures or state.failed_hash:
            log.info("feed %s: good again", feed.source.id)
        return PollReport(
            feed.source.id,
            "stored",
            posts=len(result.posts),
            tallies=len(parsed.tallies),
            problems=len(problems),
        )

    def _unstored(self, feed_id: str, parsed: ParseResult) -> list[ParsedTally]:
        """The tallies that differ from what this feed last stored: a big feed where 10 of
        5,000 changed costs the store 10, not 5,000 (the store still skips a tally whose
        only change is its timestamp)."""
        known = self._stored.get(feed_id)
        if not known:
            return list(parsed.tallies)
        # A memoising parser hands back the very objects it did last time: `is` settles
        # those without comparing every field.
        return [
            p
            for p in parsed.tallies
            if not _same(known.get((p.tally.election_id, p.tally.round)), p)
        ]

    def _remember(
        self, feed_id: str, parsed: ParseResult, refused: set[tuple[str | None, str | None]]
    ) -> None:
        """What the store now holds for this feed (elections it refused are tried again)."""
        refused_ids = {election for election, _ in refused}
        self._stored[feed_id] = {
            (p.tally.election_id, p.tally.round): p
            for p in parsed.tallies
            if p.election.id not in refused_ids
        }

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

    async def _reject(
        self, feed: Feed, state: FeedState, document: Document, reason: str, now: datetime
    ) -> PollReport:
        """A document that fetched but does not parse: last good state kept, nothing posted,
        logged once, not backed off; its hash is remembered so it is not parsed again."""
        log.warning("feed %s: the document was rejected: %s", feed.source.id, reason)
        new_state = replace(
            state,
            last_error=reason,
            last_error_at=now,
            failed_hash=document.validators.content_hash,
            problems=(Problem(None, None, reason).as_json(),),
            problem_count=1,
        )
        async with self._store.transaction() as uow:
            await uow.feeds.save(new_state)
        self._states[feed.source.id] = new_state
        return PollReport(feed.source.id, "rejected", error=reason)

    async def _fail(
        self,
        feed: Feed,
        state: FeedState,
        reason: str,
        now: datetime,
        retry_after_s: float | None,
    ) -> PollReport:
        """A fetch that failed: keep the last good state, post nothing, log once, back off."""
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


def _same(stored: ParsedTally | None, parsed: ParsedTally) -> bool:
    return stored is parsed or stored == parsed


def log_problems(feed_id: str, problems: Sequence[Problem]) -> None:
    """One line per document: how many problems, and the first few (a feed with 20,000
    bad elections must not write 20,000 lines)."""
    if not problems:
        return
    shown = "; ".join(
        f"{p.election or '-'}/{p.field or '-'}: {p.error}" for p in problems[:PROBLEMS_LOGGED]
    )
    more = len(problems) - PROBLEMS_LOGGED
    tail = f" (and {more} more)" if more > 0 else ""
    log.warning("feed %s: %d problem(s) in the document: %s%s", feed_id, len(problems), shown, tail)

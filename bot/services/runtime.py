"""The running services: the config sync at start, one scheduled poll job per feed, the
delivery worker; started inside the event loop and stopped symmetrically (DESIGN §2, §6).
The composition root (bot/cli) builds them and hands them over; nothing is built here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import ElectionSettings, Settings, SubscriptionSettings
from bot.core.models import Choice, DeclaredBallot, Election, Level, SubscriptionMode
from bot.feeds.base import FeedFormat, FeedSource, ParsedTally, Problem
from bot.services.delivery import DeliveryWorker
from bot.services.heartbeat import Heartbeat
from bot.services.hub import ChangeHub
from bot.services.leader import Leadership
from bot.services.metrics import Metrics
from bot.services.notify import Listener
from bot.services.pipeline import Pipeline
from bot.services.poller import Feed, Poller, PollReport
from bot.services.scheduler import PollScheduler
from bot.store import StaticSubscription, Store, SubscriptionKind

log = logging.getLogger(__name__)

Key = tuple[str, str]


def feeds_from(settings: Settings) -> list[Feed]:
    return [
        Feed(
            FeedSource(
                id=feed.id,
                url=feed.url,
                format=FeedFormat(feed.format),
                timeout_s=feed.timeout,
                max_bytes=feed.max_bytes,
            ),
            feed.interval_s,
        )
        for feed in settings.feeds
    ]


def declared_election(entry: ElectionSettings) -> Election:
    return Election(
        id=entry.id,
        name=entry.name,
        short_name=entry.short_name,
        aliases=entry.aliases,
        case_number=entry.case_number,
        unit=entry.unit,
        employer=entry.employer,
        location=entry.location,
    )


def declared_elections(settings: Settings) -> list[Election]:
    return [declared_election(e) for e in settings.elections]


def declared_ballots(settings: Settings) -> dict[Key, DeclaredBallot]:
    """(election, round) -> the ballot config declares (DESIGN §4, declared ballots)."""
    return {
        (e.id, e.round): DeclaredBallot(
            election_id=e.id,
            round=e.round,
            choices=tuple(Choice(c.name, 0, c.against) for c in e.choices),
            eligible_voters=e.eligible_voters,
            ballots_cast=e.ballots_cast,
        )
        for e in settings.elections
        if e.choices or e.eligible_voters is not None or e.ballots_cast is not None
    }


def identities(elections: Sequence[Election]) -> dict[tuple[str, str], Election]:
    """(CASE, UNIT) → the configured election, for NLRB sources' identity."""
    return {(e.case_number.upper(), e.unit.upper()): e for e in elections if e.case_number}


def static_subscription(entry: SubscriptionSettings) -> StaticSubscription:
    mode = SubscriptionMode(entry.mode)
    if entry.channel_id is not None:
        return StaticSubscription(
            kind=SubscriptionKind.CHANNEL,
            target_id=entry.channel_id,
            election_id=entry.election,
            level=Level(entry.level),
            mention_role_id=entry.mention_role_id,
            mode=mode,
            language=entry.language,
        )
    url = entry.webhook_url.get_secret_value() if entry.webhook_url else None
    return StaticSubscription(
        kind=SubscriptionKind.WEBHOOK,
        target_id=int(entry.webhook_id or 0),
        election_id=entry.election,
        level=Level(entry.level),
        mention_role_id=entry.mention_role_id,
        webhook_url=url,
        mode=mode,
        language=entry.language,
    )


async def sync_config(store: Store, settings: Settings) -> None:
    """Make the store follow the config: declared elections and static subscriptions."""
    async with store.transaction() as uow:
        await uow.elections.sync_declared(declared_elections(settings))
        report = await uow.subscriptions.sync_static(
            [static_subscription(s) for s in settings.subscriptions]
        )
    for what, subs in (("added", report.added), ("changed", report.changed)):
        for sub in subs:
            log.info("static subscription %s: %s → %s", what, sub.election_id, sub.target)
    for sub in report.removed:
        log.info("static subscription removed: %s → %s", sub.election_id, sub.target)
    for sub in report.still_disabled:
        log.warning(
            "static subscription %s → %s stays disabled: %s",
            sub.election_id,
            sub.target,
            sub.disabled_reason,
        )


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """What a `/report` did: the posts it queued, and who publishes the round now."""

    posts: int
    publisher: str | None
    problems: tuple[Problem, ...] = ()


@dataclass
class Runtime:
    """What `start` starts and `stop` stops, in order: the heartbeat (this process's share
    of the rate budget), the cross-process listener, the delivery worker, and leadership,
    which runs the config sync and the poll jobs while this process leads (DESIGN §9).
    `poll_now` and `report` serve `/feeds poll` and `/report`."""

    store: Store
    settings: Settings
    pipeline: Pipeline
    poller: Poller
    worker: DeliveryWorker
    hub: ChangeHub
    metrics: Metrics
    scheduler: PollScheduler = field(default_factory=PollScheduler)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    leadership: Leadership | None = None  # None: this process always leads (tests, demo)
    heartbeat: Heartbeat | None = None
    listener: Listener | None = None
    started: bool = False

    def __post_init__(self) -> None:
        self.metrics.known_feeds(f.source.id for f in self.poller.feeds)
        for feed in self.poller.feeds:
            self.scheduler.add_feed(feed.source.id, feed.interval_s, self._poll_job(feed))

    @property
    def leading(self) -> bool:
        return self.leadership.is_leader if self.leadership is not None else self.started

    async def start(self) -> None:
        if self.heartbeat is not None:
            await self.heartbeat.start()
        if self.listener is not None:
            await self.listener.start()
        self.worker.start()
        self.started = True
        if self.leadership is None:
            await self.lead()
        else:
            await self.leadership.start()

    async def stop(self) -> None:
        """Leadership first (no new polls), then the worker finishes what is in flight."""
        if not self.started:
            return
        self.started = False
        if self.leadership is None:
            await self.stand_by()
        else:
            await self.leadership.stop()
        await self.worker.stop()
        if self.listener is not None:
            await self.listener.stop()
        if self.heartbeat is not None:
            await self.heartbeat.stop()

    async def lead(self) -> None:
        """Elected: follow the config, read feed state from the store, poll."""
        await sync_config(self.store, self.settings)
        self.poller.forget_states()
        self.scheduler.start()
        self.metrics.set_leader(True)
        log.info("leading: polling %d feed(s)", len(self.poller.feeds))

    async def stand_by(self) -> None:
        """Deposed (or stopping): no more polls from this process, and what it remembers of
        the feeds goes stale as the new leader polls them."""
        await self.scheduler.stop()
        self.poller.forget_states()
        self.metrics.set_leader(False)

    async def poll_now(self, feed_id: str) -> PollReport:
        """Poll one feed at once (`/feeds poll:`), as its scheduled job would; a standby
        reads the feed's state from the store first (the leader's polls moved it on)."""
        if not self.leading:
            self.poller.forget_states()
        report = await self.poller.poll(feed_id)
        self._record(report)
        return report

    async def report(self, parsed: ParsedTally) -> ReportOutcome:
        """A `/report` tally through the same pipeline as a feed's (source `report`)."""
        ready, problems = self.pipeline.check([parsed])
        if problems:
            return ReportOutcome(0, None, tuple(problems))
        plan, refused = await self.pipeline.ingest(ready, silent=False, now=self.clock())
        if refused:
            return ReportOutcome(0, None, tuple(refused))
        self.metrics.posts_planned.inc(len(plan.posts))
        key = (parsed.tally.election_id, parsed.tally.round)
        async with self.store.read() as uow:
            published = (await uow.published.get_many([key])).get(key)
        return ReportOutcome(len(plan.posts), published.source if published else None)

    def _poll_job(self, feed: Feed) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            self._record(await self.poller.poll(feed.source.id))

        return job

    def _record(self, report: PollReport) -> None:
        self.metrics.poll(report.feed_id, report.outcome, report.problems)
        self.metrics.posts_planned.inc(report.posts)
        _log_report(report)


def _log_report(report: PollReport) -> None:
    if report.outcome == "stored":
        log.info(
            "feed %s: %d tallies, %d post(s), %d problem(s)",
            report.feed_id,
            report.tallies,
            report.posts,
            report.problems,
        )

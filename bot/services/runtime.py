"""The running pipeline: store sync at start, one scheduled poll job per feed, the delivery
worker; started inside the event loop and stopped symmetrically (DESIGN §2, §6)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp

from bot.config import Settings, SubscriptionSettings
from bot.core.models import Election, Level
from bot.feeds.base import FeedFormat, FeedSource
from bot.feeds.fetch import Fetcher, user_agent
from bot.services.delivery import DeliveryWorker, Sender
from bot.services.poller import ExtraSubscriber, Feed, Poller
from bot.services.scheduler import PollScheduler
from bot.store import StaticSubscription, Store, SubscriptionKind

log = logging.getLogger(__name__)


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


def declared_elections(settings: Settings) -> list[Election]:
    return [
        Election(
            id=e.id,
            name=e.name,
            aliases=e.aliases,
            case_number=e.case_number,
            unit=e.unit,
            employer=e.employer,
            location=e.location,
        )
        for e in settings.elections
    ]


def identities(elections: Sequence[Election]) -> dict[tuple[str, str], Election]:
    """(CASE, UNIT) → the configured election, for NLRB sources' identity."""
    return {(e.case_number.upper(), e.unit.upper()): e for e in elections if e.case_number}


def static_subscription(entry: SubscriptionSettings) -> StaticSubscription:
    if entry.channel_id is not None:
        return StaticSubscription(
            kind=SubscriptionKind.CHANNEL,
            target_id=entry.channel_id,
            election_id=entry.election,
            level=Level(entry.level),
            mention_role_id=entry.mention_role_id,
        )
    url = entry.webhook_url.get_secret_value() if entry.webhook_url else None
    return StaticSubscription(
        kind=SubscriptionKind.WEBHOOK,
        target_id=int(entry.webhook_id or 0),
        election_id=entry.election,
        level=Level(entry.level),
        mention_role_id=entry.mention_role_id,
        webhook_url=url,
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


@dataclass
class Runtime:
    """What `start` starts and `stop` stops: the poll jobs and the delivery worker."""

    store: Store
    session: aiohttp.ClientSession
    settings: Settings
    sender: Sender
    extra_subscribers: Sequence[ExtraSubscriber] = ()
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    poller: Poller | None = None
    worker: DeliveryWorker | None = None
    scheduler: PollScheduler | None = None

    async def start(self) -> None:
        await sync_config(self.store, self.settings)
        elections = declared_elections(self.settings)
        self.worker = DeliveryWorker(self.store, self.sender, clock=self.clock)
        fetcher = Fetcher(
            self.session,
            user_agent(self.settings.http.user_agent_contact),
            redirect_hosts=self.settings.http.redirect_hosts,
        )
        feeds = feeds_from(self.settings)
        self.poller = Poller(
            self.store,
            fetcher,
            feeds,
            identities=identities(elections),
            declared=[e.id for e in elections],
            extra_subscribers=self.extra_subscribers,
            on_enqueued=self.worker.wake,
            clock=self.clock,
        )
        self.worker.start()
        self.scheduler = PollScheduler()
        for feed in feeds:
            self.scheduler.add_feed(feed.source.id, feed.interval_s, _poll_job(self.poller, feed))
        self.scheduler.start()
        log.info("polling %d feed(s)", len(feeds))

    async def stop(self) -> None:
        """Jobs first (no new work), then the worker finishes what is in flight."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.worker is not None:
            await self.worker.stop()


def _poll_job(poller: Poller, feed: Feed) -> Callable[[], Awaitable[None]]:
    async def job() -> None:
        report = await poller.poll(feed.source.id)
        if report.outcome == "stored":
            log.info(
                "feed %s: %d tallies, %d post(s) queued, %d problem(s)",
                feed.source.id,
                report.tallies,
                report.posts,
                report.problems,
            )

    return job

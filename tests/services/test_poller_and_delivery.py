"""Poller and delivery worker on a real SQLite store, file:// feeds and a recording sender."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.models import Level
from bot.feeds.base import FeedFormat, FeedSource
from bot.feeds.fetch import Fetcher
from bot.services.delivery import Delivery, DeliveryWorker, SendFailure
from bot.services.poller import ExtraSubscriber, Feed, Poller
from bot.store import Store, SubscriptionKind
from tests.support.jfk8 import jfk8


class RecordingSender:
    """Records deliveries; fails targets listed in `failures` with the given SendFailure."""

    def __init__(self) -> None:
        self.sent: list[Delivery] = []
        self.failures: dict[str, SendFailure] = {}

    async def send(self, delivery: Delivery) -> None:
        failure = self.failures.get(delivery.target)
        if failure is not None:
            raise failure
        self.sent.append(delivery)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    await store.migrate()
    yield store
    await store.close()


class Rig:
    def __init__(self, store: Store, folder: Path, session: aiohttp.ClientSession) -> None:
        self.store = store
        self.path = folder / "feed.json"
        self.sender = RecordingSender()
        self.now = datetime(2022, 3, 31, 20, 0, tzinfo=UTC)
        self.worker = DeliveryWorker(store, self.sender, clock=lambda: self.now)
        self.poller = Poller(
            store,
            Fetcher(session, "tallybot-test"),
            [Feed(FeedSource("organizers", self.path.as_uri(), FeedFormat.NATIVE), 1.0)],
            extra_subscribers=(ExtraSubscriber("console", Level.ALL),),
            clock=lambda: self.now,
            rand=lambda: 0.5,
        )

    async def publish(self, document: dict[str, Any]) -> int:
        self.path.write_text(json.dumps(document), encoding="utf-8")
        report = await self.poller.poll("organizers")
        assert report.outcome in ("stored", "unchanged"), report
        delivered = 0
        while n := await self.worker.run_once():
            delivered += n
        return delivered


@pytest.fixture
async def rig(store: Store, tmp_path: Path) -> AsyncIterator[Rig]:
    async with aiohttp.ClientSession() as session:
        yield Rig(store, tmp_path, session)


async def subscribe(
    store: Store,
    target: int,
    election: str,
    level: Level = Level.ALL,
    kind: SubscriptionKind = SubscriptionKind.CHANNEL,
) -> int:
    async with store.transaction() as uow:
        sub, _ = await uow.subscriptions.add(kind, target, election, level=level)
    return sub.id


async def test_baseline_is_silent_then_changes_reach_every_matching_subscriber(rig: Rig) -> None:
    await subscribe(rig.store, 1, "jfk8")
    await subscribe(rig.store, 2, "all", Level.MAJOR)
    await subscribe(rig.store, 3, "bessemer")
    assert await rig.publish(jfk8("counting", 10, 5)) == 0
    assert await rig.publish(jfk8("counting", 20, 15)) == 2  # console and channel 1
    assert {d.target for d in rig.sender.sent} == {"console", "channel:1"}
    rig.sender.sent.clear()
    await rig.publish(jfk8("paused", 20, 15))  # major: channel 2 wants it too
    assert {d.target for d in rig.sender.sent} == {"console", "channel:1", "channel:2"}


async def test_a_channel_following_an_election_and_all_gets_one_post(rig: Rig) -> None:
    await subscribe(rig.store, 1, "jfk8")
    await subscribe(rig.store, 1, "all")
    await rig.publish(jfk8("counting", 10, 5))
    await rig.publish(jfk8("counting", 20, 15))
    assert [d.target for d in rig.sender.sent].count("channel:1") == 1


async def test_a_403_disables_the_subscription_with_its_reason(rig: Rig) -> None:
    sub_id = await subscribe(rig.store, 7, "jfk8")
    rig.sender.failures["channel:7"] = SendFailure(
        "Discord refused: 403 Missing Access", permanent=True
    )
    await rig.publish(jfk8("counting", 10, 5))
    await rig.publish(jfk8("counting", 20, 15))
    async with rig.store.read() as uow:
        sub = await uow.subscriptions.get(sub_id)
    assert sub is not None and sub.disabled
    assert sub.disabled_reason == "Discord refused: 403 Missing Access"
    rig.sender.failures.clear()
    await rig.publish(jfk8("counting", 30, 15))
    assert "channel:7" not in {d.target for d in rig.sender.sent}


async def test_a_transient_failure_is_retried_later_and_not_lost(rig: Rig) -> None:
    await subscribe(rig.store, 8, "jfk8")
    await rig.publish(jfk8("counting", 10, 5))
    rig.sender.failures["channel:8"] = SendFailure("Discord: HTTP 502", retry_after_s=3)
    await rig.publish(jfk8("counting", 20, 15))
    assert "channel:8" not in {d.target for d in rig.sender.sent}
    rig.sender.failures.clear()
    assert await rig.worker.run_once() == 0  # not due yet
    rig.now += timedelta(seconds=5)
    assert await rig.worker.run_once() == 1
    late = [d for d in rig.sender.sent if d.target == "channel:8"]
    assert len(late) == 1 and late[0].row.attempts == 1


async def test_queued_count_updates_coalesce_into_the_newest_state(rig: Rig) -> None:
    await subscribe(rig.store, 9, "jfk8")
    await rig.publish(jfk8("counting", 10, 5))
    rig.sender.failures["channel:9"] = SendFailure("HTTP 500", retry_after_s=60)
    await rig.publish(jfk8("counting", 20, 15))  # fails: queued for a minute
    rig.sender.failures.clear()
    rig.path.write_text(json.dumps(jfk8("counting", 30, 25)), encoding="utf-8")
    await rig.poller.poll("organizers")
    rig.now += timedelta(minutes=2)
    while await rig.worker.run_once():
        pass
    to_nine = [d for d in rig.sender.sent if d.target == "channel:9"]
    assert len(to_nine) == 1
    assert to_nine[0].row.tally.choices[0].votes == 30


async def test_a_failing_feed_keeps_the_last_good_state_and_backs_off(rig: Rig) -> None:
    await rig.publish(jfk8("counting", 10, 5))
    rig.path.write_text("{not json", encoding="utf-8")
    report = await rig.poller.poll("organizers")
    assert report.outcome == "failed" and report.error
    assert (await rig.poller.poll("organizers")).outcome == "skipped"  # backing off
    async with rig.store.read() as uow:
        state = await uow.feeds.get("organizers")
        [published] = await uow.published.rounds("jfk8")
    assert state is not None and state.failures == 1 and state.last_error == report.error
    assert published.tally.choices[0].votes == 10
    rig.now += timedelta(seconds=10)
    assert await rig.publish(jfk8("counting", 12, 5)) == 1
    async with rig.store.read() as uow:
        state = await uow.feeds.get("organizers")
    assert state is not None and state.failures == 0


async def test_report_ingestion_posts_through_the_same_path(rig: Rig) -> None:
    from bot.core.models import Choice, Election, SourceKind, Tally
    from bot.feeds.base import ParsedTally

    await rig.publish(jfk8("counting", 10, 5))
    tally = Tally(
        "jfk8",
        choices=(Choice("Amazon Labor Union", 50), Choice("No union", 40, True)),
        source="report",
        source_kind=SourceKind.REPORT,
    )
    # The feed already has this round: /report ranks lower and must not take over.
    assert await rig.poller.ingest_report([ParsedTally(tally, Election("jfk8"))]) == 0
    other = Tally("walden", choices=tally.choices, source="report", source_kind=SourceKind.REPORT)
    assert await rig.poller.ingest_report([ParsedTally(other, Election("walden"))]) == 1

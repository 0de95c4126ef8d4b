"""Subscriptions: idempotent adds, matching, disabling, and static ones following config."""

from __future__ import annotations

from datetime import timedelta

from bot.core.models import DeliveryMode, Event, Level, Post
from bot.core.plan import NewDelivery
from bot.store import (
    LiveMessage,
    StaticSubscription,
    Store,
    SubscriptionKind,
)
from tests.store.helpers import T0, tally

CHANNEL = SubscriptionKind.CHANNEL
WEBHOOK_URL = "https://discord.com/api/webhooks/9/s3cr3t-token"


async def test_adding_twice_returns_the_existing_subscription(store: Store) -> None:
    async with store.transaction() as uow:
        first, created = await uow.subscriptions.add(
            CHANNEL, 123, "jfk8", level=Level.MAJOR, guild_id=7, created_by=42, now=T0
        )
        again, created_again = await uow.subscriptions.add(
            CHANNEL, 123, "jfk8", level=Level.FINAL, now=T0 + timedelta(hours=1)
        )
    assert created and not created_again
    assert again == first
    assert (first.level, first.guild_id, first.created_by, first.created_at) == (
        Level.MAJOR,
        7,
        42,
        T0,
    )
    assert first.target == "channel:123"


async def test_matching_finds_the_elections_and_all_but_not_disabled_ones(store: Store) -> None:
    async with store.transaction() as uow:
        jfk8, _ = await uow.subscriptions.add(CHANNEL, 1, "jfk8", guild_id=7)
        everything, _ = await uow.subscriptions.add(SubscriptionKind.DM, 5, "all")
        await uow.subscriptions.add(CHANNEL, 2, "bessemer", guild_id=7)
        gone, _ = await uow.subscriptions.add(CHANNEL, 3, "jfk8", guild_id=8)
        assert await uow.subscriptions.disable(gone.id, "403 Missing Access", now=T0)
        matching = await uow.subscriptions.matching(["jfk8"])
        by_guild = await uow.subscriptions.list_by_guild(8)
        by_target = await uow.subscriptions.list_by_target(SubscriptionKind.DM, 5)
    assert [s.id for s in matching] == [jfk8.id, everything.id]
    assert [(s.disabled_reason, s.disabled_at) for s in by_guild] == [("403 Missing Access", T0)]
    assert by_target == [everything]


async def test_update_changes_the_level_and_re_enables(store: Store) -> None:
    async with store.transaction() as uow:
        sub, _ = await uow.subscriptions.add(CHANNEL, 1, "jfk8")
        await uow.subscriptions.disable(sub.id, "404 Unknown Channel")
        updated = await uow.subscriptions.update(sub.id, level=Level.FINAL, mention_role_id=99)
    assert updated is not None
    assert (updated.level, updated.mention_role_id, updated.disabled) == (Level.FINAL, 99, False)


async def test_removing_a_subscription_drops_its_undelivered_posts(store: Store) -> None:
    async with store.transaction() as uow:
        sub, _ = await uow.subscriptions.add(CHANNEL, 1, "jfk8")
        (stored,) = await uow.posts.add_many(
            [Post("jfk8", "initial", (Event.COUNT_STARTED,), tally())], T0
        )
        planned = NewDelivery(0, sub.target, DeliveryMode.POST, 0, subscription_id=sub.id)
        await uow.deliveries.add_many([planned], [stored], T0)
        await uow.live.save(
            LiveMessage(sub.target, "jfk8", "initial", 5, subscription_id=sub.id), T0
        )
        assert await uow.deliveries.queued_count() == 1
        assert await uow.subscriptions.remove(CHANNEL, 1, "jfk8")
        assert not await uow.subscriptions.remove(CHANNEL, 1, "jfk8")
        assert await uow.deliveries.queued_count() == 0
        assert await uow.live.get(sub.target, "jfk8", "initial") is None


async def test_the_webhook_url_never_shows_in_a_repr(store: Store) -> None:
    entry = StaticSubscription(SubscriptionKind.WEBHOOK, 9, "all", webhook_url=WEBHOOK_URL)
    assert "s3cr3t" not in repr(entry)
    async with store.transaction() as uow:
        report = await uow.subscriptions.sync_static([entry], now=T0)
    (added,) = report.added
    assert added.webhook_url == WEBHOOK_URL
    assert "s3cr3t" not in repr(added)
    assert "s3cr3t" not in repr(report)


async def test_static_subscriptions_follow_the_config(store: Store) -> None:
    jfk8 = StaticSubscription(CHANNEL, 1, "jfk8")
    hook = StaticSubscription(SubscriptionKind.WEBHOOK, 9, "all", webhook_url=WEBHOOK_URL)
    async with store.transaction() as uow:
        first = await uow.subscriptions.sync_static([jfk8, hook], now=T0)
        assert [s.static_key for s in first.added] == ["channel:1:jfk8", "webhook:9:all"]
        assert all(s.static for s in first.added)

        unchanged = await uow.subscriptions.sync_static([jfk8, hook], now=T0)
        assert unchanged.added == unchanged.changed == unchanged.removed == ()

        louder = StaticSubscription(CHANNEL, 1, "jfk8", level=Level.FINAL, mention_role_id=5)
        second = await uow.subscriptions.sync_static([louder], now=T0)
        assert [(s.level, s.mention_role_id) for s in second.changed] == [(Level.FINAL, 5)]
        assert [s.static_key for s in second.removed] == ["webhook:9:all"]
        assert await uow.subscriptions.list_by_target(SubscriptionKind.WEBHOOK, 9) == []


async def test_a_static_subscription_disabled_by_discord_stays_disabled_until_its_entry_changes(
    store: Store,
) -> None:
    entry = StaticSubscription(CHANNEL, 1, "jfk8")
    async with store.transaction() as uow:
        (sub,) = (await uow.subscriptions.sync_static([entry], now=T0)).added
        await uow.subscriptions.disable(sub.id, "403 Missing Access", now=T0)

        restart = await uow.subscriptions.sync_static([entry], now=T0)
        assert [s.id for s in restart.still_disabled] == [sub.id]
        assert restart.still_disabled[0].disabled_reason == "403 Missing Access"
        assert await uow.subscriptions.matching(["jfk8"]) == []

        edited = StaticSubscription(CHANNEL, 1, "jfk8", level=Level.MAJOR)
        after_edit = await uow.subscriptions.sync_static([edited], now=T0)
        assert [s.id for s in after_edit.changed] == [sub.id]
        assert not after_edit.changed[0].disabled
        assert [s.id for s in await uow.subscriptions.matching(["jfk8"])] == [sub.id]


async def test_a_static_entry_adopts_a_subscription_made_with_a_command(store: Store) -> None:
    async with store.transaction() as uow:
        made, _ = await uow.subscriptions.add(CHANNEL, 1, "jfk8", created_by=42)
        report = await uow.subscriptions.sync_static([StaticSubscription(CHANNEL, 1, "jfk8")])
        assert [(s.id, s.static) for s in report.changed] == [(made.id, True)]
        gone = await uow.subscriptions.sync_static([])
        assert [s.id for s in gone.removed] == [made.id]

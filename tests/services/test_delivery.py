"""The delivery worker: one render per post, failures, coalescing, leases that let a slow
send hold nothing up, claims that interleave polls, store outages, retention, live messages."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import event, text

from bot.core.models import DeliveryMode, Event, Level, SubscriptionMode
from bot.services import delivery as delivery_module
from bot.services.delivery import SendFailure
from bot.store import DeliveryState, Store, SubscriptionKind
from tests.conftest import admin_sql
from tests.support.jfk8 import jfk8
from tests.support.pipeline_rig import Rig, eventually, pipeline_rig, settings_for


@pytest.fixture
async def rig(database_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    async with pipeline_rig(database_url, tmp_path, console=False) as rig:
        await rig.publish(jfk8("counting", 10, 5))  # the silent baseline... declared: posts
        rig.sender.sent.clear()
        yield rig


def votes(rig: Rig, target: str) -> list[list[int]]:
    return [[c.votes for c in o.post.tally.choices] for o in rig.sender.to(target)]


async def test_a_fan_out_renders_each_post_once(rig: Rig) -> None:
    for n in range(1, 21):
        await rig.subscribe(n, "jfk8")
    renders = rig.runtime.worker.renders
    await rig.publish(jfk8("counting", 20, 15))
    assert len(rig.sender.sent) == 20
    assert rig.runtime.worker.renders - renders == 1
    assert len({id(o.message["embeds"][0]) for o in rig.sender.sent}) == 1  # one body, shared


async def test_a_role_mention_is_added_per_subscription(rig: Rig) -> None:
    await rig.subscribe(1, "jfk8", role=555)
    await rig.subscribe(2, "jfk8")
    await rig.publish(jfk8("counting", 20, 15))
    [pinging] = rig.sender.to("channel:1")
    [quiet] = rig.sender.to("channel:2")
    assert pinging.message["content"].startswith("<@&555>")
    assert pinging.message["allowed_mentions"] == {"parse": [], "roles": ["555"]}
    assert quiet.message["allowed_mentions"] == {"parse": []}


async def test_a_403_disables_the_subscription_with_its_reason(rig: Rig) -> None:
    sub_id = await rig.subscribe(7, "jfk8")
    rig.sender.failures["channel:7"] = SendFailure("Discord refused: 403", permanent=True)
    await rig.publish(jfk8("counting", 20, 15))
    async with rig.store.read() as uow:
        sub = await uow.subscriptions.get(sub_id)
    assert sub is not None and sub.disabled and sub.disabled_reason == "Discord refused: 403"
    rig.sender.failures.clear()
    await rig.publish(jfk8("counting", 30, 15))
    assert rig.sender.to("channel:7") == []


async def test_a_transient_failure_is_retried_later_and_not_lost(rig: Rig) -> None:
    await rig.subscribe(8, "jfk8")
    rig.sender.failures["channel:8"] = SendFailure("Discord: HTTP 502", retry_after_s=3)
    await rig.publish(jfk8("counting", 20, 15))
    rig.sender.failures.clear()
    assert await rig.deliver() == 0  # not due yet
    rig.clock.advance(5)
    assert await rig.deliver() == 1
    [late] = rig.sender.to("channel:8")
    assert late.delivery.attempts == 1


async def test_a_target_that_is_behind_gets_the_newest_state_counted_from_the_oldest(
    rig: Rig,
) -> None:
    await rig.subscribe(9, "jfk8")
    rig.sender.failures["channel:9"] = SendFailure("HTTP 500", retry_after_s=60)
    await rig.publish(jfk8("counting", 20, 15))  # fails: queued for a minute
    rig.sender.failures.clear()
    rig.write(jfk8("counting", 30, 25))
    await rig.poll()
    rig.write(jfk8("counting", 40, 30))
    await rig.poll()
    rig.clock.advance(120)
    await rig.deliver()
    # The failed delivery went back to the queue, and the later updates coalesced into it.
    assert votes(rig, "channel:9") == [[40, 30]]
    [newest] = rig.sender.to("channel:9")
    assert newest.post.previous is not None
    assert [c.votes for c in newest.post.previous.choices] == [10, 5]  # from the oldest
    assert newest.post.events == (Event.COUNT_UPDATED,)


async def test_a_slow_send_holds_up_no_other_target(rig: Rig) -> None:
    for n in range(1, 6):
        await rig.subscribe(n, "jfk8")
    rig.sender.delays["channel:1"] = 3.0
    rig.write(jfk8("counting", 20, 15))
    await rig.poll()
    worker = rig.runtime.worker
    worker.start()
    try:
        await eventually(lambda: len(rig.sender.sent) >= 4, timeout=2.5)
        assert rig.sender.to("channel:1") == []  # still sending, the others went out
    finally:
        await worker.stop()
    assert len(rig.sender.to("channel:1")) == 1


async def test_claims_interleave_a_big_fan_out_with_a_later_single_post(rig: Rig) -> None:
    for n in range(1, 41):
        await rig.subscribe(n, "jfk8")
    await rig.subscribe(99, "walden", kind=SubscriptionKind.DM)
    for n in range(1, 41):
        rig.sender.delays[f"channel:{n}"] = 0.03
    rig.write(jfk8("counting", 20, 15))
    await rig.poll()  # 40 deliveries queued
    worker = rig.runtime.worker
    worker.start()
    try:
        await asyncio.sleep(0.1)
        walden = {**jfk8("counting", 3, 1)["elections"][0], "id": "walden"}
        rig.write(
            {
                **jfk8("counting", 20, 15),
                "elections": [*jfk8("counting", 20, 15)["elections"], walden],
            }
        )
        await rig.poll()
        await eventually(lambda: bool(rig.sender.to("dm:99")), timeout=10)
        position = rig.sender.sent.index(rig.sender.to("dm:99")[0])
    finally:
        await worker.stop()
    assert position < 30, f"the single post waited behind {position} of 40"


async def begin_outage(store: Store) -> Callable[[], Awaitable[None]]:
    """The database refuses every write until the returned function is awaited: PostgreSQL
    stops taking connections (and drops the open ones); SQLite turns read-only, as a disk
    that went bad does."""
    if store.dialect == "postgresql":
        name = store.engine.url.database
        admin = os.environ["TALLYBOT_TEST_PG_URL"]
        await admin_sql(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin_sql(
            admin,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )

        async def end() -> None:
            await admin_sql(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

        return end
    sync_engine = store.engine.sync_engine

    def read_only(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA query_only = 1")
        cursor.close()

    event.listen(sync_engine, "connect", read_only)
    await store.engine.dispose()

    async def end_sqlite() -> None:
        event.remove(sync_engine, "connect", read_only)
        await store.engine.dispose()

    return end_sqlite


async def test_a_post_sent_during_a_store_outage_is_settled_once_it_ends(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    await rig.subscribe(3, "jfk8")
    rig.write(jfk8("counting", 20, 15))
    await rig.poll()
    ending: list[Callable[[], Awaitable[None]]] = []
    original = rig.sender.send

    async def send_then_break(outgoing):  # type: ignore[no-untyped-def]
        result = await original(outgoing)
        ending.append(await begin_outage(rig.store))
        return result

    rig.sender.send = send_then_break  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING):
        await rig.runtime.worker.run_once()  # sent; the settle fails
        rig.sender.send = original  # type: ignore[method-assign]
        for _ in range(3):
            assert await rig.runtime.worker.run_once() == 0  # backs off, claims nothing
        await ending[0]()
        await asyncio.sleep(1.1)  # the first back-off
        await rig.deliver()
    assert len(rig.sender.to("channel:3")) == 1  # never sent twice
    async with rig.store.read() as uow:
        settled = await uow.deliveries.get(rig.sender.to("channel:3")[0].delivery.id)
    assert settled is not None and settled.state is DeliveryState.SENT
    outage_lines = [r for r in caplog.records if "store unavailable" in r.message]
    assert len(outage_lines) == 1
    assert any("store available again" in r.message for r in caplog.records)


async def test_an_outcome_the_store_refuses_holds_no_other_back(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for channel in (1, 2, 3):
        await rig.subscribe(channel, "jfk8")
    rig.write(jfk8("counting", 20, 15))
    await rig.poll()
    real_apply = delivery_module.apply

    async def refusing(uow, outcome, holder, now):  # type: ignore[no-untyped-def]
        if outcome.outgoing.target == "channel:2":
            raise ValueError("a value the store refuses")
        return await real_apply(uow, outcome, holder, now)

    monkeypatch.setattr(delivery_module, "apply", refusing)
    with caplog.at_level(logging.ERROR):
        assert await rig.runtime.worker.run_once() == 3  # settled together: the batch fails
    states = {}
    async with rig.store.read() as uow:
        for outgoing in rig.sender.sent:
            stored = await uow.deliveries.get(outgoing.delivery.id)
            assert stored is not None
            states[outgoing.target] = stored.state
    assert states == {
        "channel:1": DeliveryState.SENT,
        "channel:2": DeliveryState.SENDING,  # its lease expires; sent again, same nonce
        "channel:3": DeliveryState.SENT,
    }
    assert any("channel:2: its outcome could not be recorded" in r.message for r in caplog.records)
    assert not any("store unavailable" in r.message for r in caplog.records)


async def test_retention_zero_prunes_sent_deliveries_at_the_next_run(
    database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path / "feed.json")
    settings = settings.model_copy(
        update={"database": settings.database.model_copy(update={"retention": 0.0})}
    )
    async with pipeline_rig(database_url, tmp_path, settings=settings) as rig:
        await rig.publish(jfk8("counting", 10, 5))
        await rig.publish(jfk8("counting", 20, 15))
        assert len(rig.sender.sent) == 2
        rig.clock.advance(1)
        rig.runtime.worker.start()
        await asyncio.sleep(0.2)
        await rig.runtime.worker.stop()
        async with rig.store.read() as uow:
            left = await uow.connection.scalar(text("SELECT COUNT(*) FROM deliveries"))
            posts = await uow.connection.scalar(text("SELECT COUNT(*) FROM posts"))
    assert (left, posts) == (0, 0)


async def test_live_mode_creates_one_message_then_edits_it(rig: Rig) -> None:
    await rig.subscribe(4, "jfk8", mode=SubscriptionMode.LIVE, role=42)
    await rig.publish(jfk8("counting", 20, 15))
    await rig.publish(jfk8("counting", 30, 25))
    await rig.publish(jfk8("final", 2654, 2131, challenged=67, void=17))
    modes = [(o.mode, o.delivery.mention_role_id) for o in rig.sender.to("channel:4")]
    assert modes == [
        (DeliveryMode.LIVE_CREATE, None),
        (DeliveryMode.LIVE_EDIT, None),
        (DeliveryMode.LIVE_EDIT, None),  # the final state, edited in silently
        (DeliveryMode.POST, 42),  # and, passing `final`, also posted with the ping
    ]
    created = rig.sender.returned[rig.sender.sent.index(rig.sender.to("channel:4")[0])]
    edits = [o for o in rig.sender.to("channel:4") if o.mode is DeliveryMode.LIVE_EDIT]
    assert {o.live.message_id for o in edits if o.live} == {created}


async def test_a_deleted_live_message_is_posted_again_at_the_next_change(rig: Rig) -> None:
    await rig.subscribe(4, "jfk8", mode=SubscriptionMode.LIVE)
    await rig.publish(jfk8("counting", 20, 15))
    rig.sender.failures["channel:4"] = SendFailure("404 Unknown Message", message_gone=True)
    rig.write(jfk8("counting", 30, 25))
    await rig.poll()
    await rig.runtime.worker.run_once()
    rig.sender.failures.clear()
    await rig.deliver()
    modes = [o.mode for o in rig.sender.to("channel:4")]
    assert modes == [DeliveryMode.LIVE_CREATE, DeliveryMode.LIVE_CREATE]
    assert votes(rig, "channel:4")[-1] == [30, 25]
    async with rig.store.read() as uow:
        sub = (await uow.subscriptions.list_by_target(SubscriptionKind.CHANNEL, 4))[0]
    assert not sub.disabled


async def test_levels_still_apply_to_posts(rig: Rig) -> None:
    await rig.subscribe(6, "jfk8", Level.MAJOR)
    await rig.publish(jfk8("counting", 20, 15))
    await rig.publish(jfk8("paused", 20, 15))
    [only] = rig.sender.to("channel:6")
    assert Event.STATUS_CHANGED in only.post.events

"""The change hub: every subscriber hears every published id once, in order, from the
moment it subscribed; a full queue drops its oldest id and says "reload everything"."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.hub import EVERYTHING, ChangeHub


async def test_each_subscriber_gets_each_published_id_in_order() -> None:
    hub = ChangeHub()
    first, second = hub.subscribe(), hub.subscribe()
    hub.publish(["jfk8", "bessemer"])
    hub.publish(["rdu1"])
    assert [await anext(first) for _ in range(3)] == ["jfk8", "bessemer", "rdu1"]
    assert await second.next_batch() == ["jfk8", "bessemer", "rdu1"]


async def test_an_id_already_pending_is_not_queued_twice() -> None:
    hub = ChangeHub()
    subscription = hub.subscribe()
    for _ in range(3):
        hub.publish(["jfk8"])
    hub.publish(["bessemer", "jfk8"])
    assert await subscription.next_batch() == ["jfk8", "bessemer"]
    assert subscription.pending() == 0


async def test_a_subscription_hears_only_what_is_published_after_it_subscribed() -> None:
    hub = ChangeHub()
    hub.publish(["before"])
    subscription = hub.subscribe()  # registered now, before the first read
    hub.publish(["after"])
    assert await subscription.next_batch() == ["after"]


async def test_a_waiting_reader_wakes_at_the_next_publish() -> None:
    hub = ChangeHub()
    subscription = hub.subscribe()
    reader = asyncio.create_task(anext(subscription))
    await asyncio.sleep(0)
    assert not reader.done()
    hub.publish(["jfk8"])
    assert await asyncio.wait_for(reader, 1) == "jfk8"


async def test_a_full_queue_drops_the_oldest_and_asks_for_a_full_reload() -> None:
    hub = ChangeHub(queue_limit=3)
    subscription = hub.subscribe()
    hub.publish(["a", "b", "c", "d"])
    assert subscription.pending() == 4  # three ids and the marker
    assert await subscription.next_batch() == [EVERYTHING]
    hub.publish(["e"])
    assert await anext(subscription) == "e"


async def test_closing_ends_the_iteration_and_stops_delivery() -> None:
    hub = ChangeHub()
    subscription = hub.subscribe()
    reader = asyncio.create_task(subscription.next_batch())
    await asyncio.sleep(0)
    with subscription:
        pass  # leaving the block closes it
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(reader, 1)
    assert hub.subscribers == 0
    hub.publish(["jfk8"])
    assert subscription.pending() == 0
    assert [item async for item in subscription] == []


async def test_hub_close_ends_every_subscription() -> None:
    hub = ChangeHub()
    subscriptions = [hub.subscribe() for _ in range(3)]
    hub.close()
    assert hub.subscribers == 0 and all(s.closed for s in subscriptions)


def test_a_queue_needs_room_for_one_id() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ChangeHub(queue_limit=0)

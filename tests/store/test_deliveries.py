"""Deliveries: leases, per-target order, interleaved claims, coalescing, retention."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from bot.core.models import DeliveryMode, Event, Post, Status
from bot.core.plan import Merge, NewDelivery
from bot.store import DeliveryState, Store, StoredPost
from bot.store.deliveries import NONCE_MAX, base36, make_nonce
from tests.store.helpers import T0, tally

LEASE = timedelta(seconds=30)
UPDATED = (Event.COUNT_UPDATED,)
ME, OTHER = "proc-a", "proc-b"


def post(union: int = 1, events: tuple[Event, ...] = UPDATED, round_: str = "initial") -> Post:
    return Post("jfk8", round_, events, tally(union=union, round_=round_), planned_at=T0)


async def queue(
    store: Store, *targets: str, p: Post | None = None, seq_from: int = 0
) -> StoredPost:
    """One post to each target; returns the stored post."""
    async with store.transaction() as uow:
        (stored,) = await uow.posts.add_many([p or post()], T0)
        planned = [
            NewDelivery(0, target, DeliveryMode.POST, seq_from + i)
            for i, target in enumerate(targets)
        ]
        await uow.deliveries.add_many(planned, [stored], T0)
    return stored


async def claim(store: Store, limit: int = 100, now: datetime = T0, holder: str = ME) -> list[int]:
    async with store.transaction() as uow:
        return [d.id for d in await uow.deliveries.claim(holder, limit, now, LEASE)]


async def test_a_newer_delivery_waits_until_the_older_one_to_its_target_is_settled(
    store: Store,
) -> None:
    await queue(store, "channel:1", "channel:2")
    await queue(store, "channel:1", p=post(2))
    assert await claim(store) == [1, 2]  # 3 waits behind 1 (same target and round)
    async with store.transaction() as uow:
        assert await uow.deliveries.mark_sent(1, ME, T0, message_id=555)
    assert await claim(store) == [3]


async def test_a_retry_keeps_the_order_a_target_sees(store: Store) -> None:
    await queue(store, "channel:1")
    await queue(store, "channel:1", p=post(2))
    assert await claim(store) == [1]
    async with store.transaction() as uow:
        await uow.deliveries.reschedule(1, ME, "HTTP 503", T0 + timedelta(seconds=30))
    assert await claim(store) == []  # 2 is newer: it never goes out before 1
    assert await claim(store, now=T0 + timedelta(seconds=30)) == [1]


async def test_claims_interleave_the_fan_outs_of_different_polls(store: Store) -> None:
    await queue(store, *(f"channel:{n}" for n in range(1, 6)))  # one poll, five targets
    await queue(store, "dm:9", p=post(7, round_="rerun"))  # another poll, one target
    assert await claim(store, limit=2) == [1, 6]  # seq 0 of each comes first


async def test_only_the_lease_holder_settles_and_expired_leases_are_claimable(
    store: Store,
) -> None:
    await queue(store, "channel:1")
    async with store.transaction() as uow:
        (first,) = await uow.deliveries.claim(ME, 10, T0, LEASE)
    assert first.state is DeliveryState.SENDING and first.lease_holder == ME
    assert await claim(store, holder=OTHER, now=T0 + timedelta(seconds=29)) == []
    async with store.transaction() as uow:
        (again,) = await uow.deliveries.claim(OTHER, 10, T0 + timedelta(seconds=31), LEASE)
        assert again.nonce == first.nonce  # the same nonce: Discord answers with the first
        assert not await uow.deliveries.mark_sent(1, ME, T0)  # ME lost it
        assert await uow.deliveries.mark_sent(1, OTHER, T0)


async def test_a_renewed_lease_is_not_taken(store: Store) -> None:
    await queue(store, "channel:1")
    assert await claim(store) == [1]
    async with store.transaction() as uow:
        assert await uow.deliveries.renew(ME, [1], T0 + timedelta(seconds=60)) == 1
        assert await uow.deliveries.renew(OTHER, [1], T0 + timedelta(seconds=90)) == 0
    assert await claim(store, holder=OTHER, now=T0 + timedelta(seconds=45)) == []


async def test_coalescing_points_a_queued_delivery_at_the_newer_post(store: Store) -> None:
    first = await queue(store, "channel:1")
    async with store.transaction() as uow:
        before = await uow.deliveries.get(1)
        (newer,) = await uow.posts.add_many([post(2, (Event.LEAD_CHANGED,))], T0)
        merged = await uow.deliveries.merge(
            [Merge(1, 0, (Event.COUNT_UPDATED, Event.LEAD_CHANGED), True, 77)], [newer]
        )
        after = await uow.deliveries.get(1)
        (open_,) = await uow.deliveries.open_for([("jfk8", "initial")])
    assert merged == 1 and before is not None and after is not None
    assert (after.first_post_id, after.post_id) == (first.id, newer.id)
    assert after.events == (Event.COUNT_UPDATED, Event.LEAD_CHANGED)
    assert after.mention_role_id == 77 and after.nonce != before.nonce
    assert open_.queued and open_.events == after.events


async def test_nothing_merges_into_a_delivery_in_flight(store: Store) -> None:
    await queue(store, "channel:1")
    await claim(store)
    async with store.transaction() as uow:
        (newer,) = await uow.posts.add_many([post(2)], T0)
        assert await uow.deliveries.merge([Merge(1, 0, UPDATED, True)], [newer]) == 0


async def test_a_live_message_that_is_gone_is_created_again_at_once(store: Store) -> None:
    async with store.transaction() as uow:
        (stored,) = await uow.posts.add_many([post()], T0)
        await uow.deliveries.add_many(
            [NewDelivery(0, "channel:1", DeliveryMode.LIVE_EDIT, 0)], [stored], T0
        )
    async with store.transaction() as uow:
        (edit,) = await uow.deliveries.claim(ME, 1, T0, LEASE)
        assert await uow.deliveries.recreate_live(edit.id, ME, T0)
        (create,) = await uow.deliveries.claim(ME, 1, T0, LEASE)
    assert create.mode is DeliveryMode.LIVE_CREATE and create.nonce != edit.nonce


async def test_settled_deliveries_and_unneeded_posts_are_pruned(store: Store) -> None:
    sent_post = await queue(store, "channel:1", "channel:2")
    kept_post = await queue(store, "channel:3", p=post(9, round_="rerun"))
    await claim(store)
    later = T0 + timedelta(seconds=2)
    async with store.transaction() as uow:
        assert await uow.deliveries.mark_sent(1, ME, later)
        assert await uow.deliveries.mark_failed(2, ME, "403 Missing Access", later)
        failed = await uow.deliveries.get(2)
        assert await uow.deliveries.queued_count() == 1
        assert await uow.deliveries.prune(later + timedelta(seconds=1)) == 2
        assert await uow.posts.prune(T0 + timedelta(seconds=1)) == 1
        left = await uow.posts.get_many([sent_post.id, kept_post.id])
    assert failed is not None and (failed.state, failed.attempts) == (DeliveryState.FAILED, 1)
    assert list(left) == [kept_post.id]


async def test_sqlite_queues_again_what_a_crash_left_in_flight(store: Store) -> None:
    await queue(store, "channel:1", "channel:2")
    async with store.transaction() as uow:
        claimed = await uow.deliveries.claim(ME, 1, T0, LEASE)
    async with store.transaction() as uow:
        assert await uow.deliveries.requeue_all_in_flight() == 1
        again = await uow.deliveries.claim(OTHER, 10, T0, LEASE)
    assert [d.id for d in again] == [1, 2] and again[0].nonce == claimed[0].nonce


async def test_concurrent_claims_never_share_a_delivery(store: Store) -> None:
    await queue(store, *(f"channel:{n}" for n in range(30)))
    results = await asyncio.gather(*(claim(store, limit=4, holder=f"p{i}") for i in range(5)))
    claimed = [d for result in results for d in result]
    assert len(claimed) == len(set(claimed)) == 20


async def test_a_claim_never_takes_what_another_open_claim_holds(store: Store) -> None:
    """PostgreSQL skips the locked rows at once; SQLite makes the second claim wait for the
    first transaction's write lock. Either way nothing is shared."""
    await queue(store, *(f"channel:{n}" for n in range(6)))
    async with store.transaction() as first:
        held = [d.id for d in await first.deliveries.claim(ME, 3, T0, LEASE)]
        second = asyncio.create_task(claim(store, limit=3, holder=OTHER))
        if store.dialect == "postgresql":
            other = await asyncio.wait_for(second, timeout=5)  # would hang without SKIP LOCKED
        else:
            done, _ = await asyncio.wait({second}, timeout=0.3)
            assert not done, "SQLite let a second writer in while the first was open"
    if store.dialect != "postgresql":
        other = await asyncio.wait_for(second, timeout=5)
    assert held == [1, 2, 3] and other == [4, 5, 6]


async def test_nonces_derive_from_the_salt_the_id_and_the_generation(store: Store) -> None:
    await queue(store, "channel:1", "channel:2")
    async with store.read() as uow:
        found = [await uow.deliveries.get(i) for i in (1, 2)]
        salt = await uow.connection.scalar(
            text("SELECT value FROM store_meta WHERE key = 'nonce_salt'")
        )
    assert re.fullmatch("[0-9a-z]{4}", salt)
    assert [d.nonce for d in found if d] == [f"tb{salt}1-0", f"tb{salt}2-0"]


def test_a_nonce_fits_discords_limit_for_any_id() -> None:
    assert len(make_nonce("zzzz", 2**63 - 1, 36**5 - 1)) == NONCE_MAX
    with pytest.raises(ValueError):
        make_nonce("zzzz", 2**63 - 1, 36**5)
    assert (base36(0), base36(35), base36(36)) == ("0", "z", "10")


async def test_a_post_round_trips_with_its_previous_and_other_rounds(store: Store) -> None:
    earlier = tally(union=738, against=1798, status=Status.FINAL, challenged=505)
    original = Post(
        "jfk8",
        "rerun",
        (Event.ROUND_OPENED, Event.COUNT_STARTED),
        tally(union=875, against=993, round_="rerun", updated_at=T0),
        previous=tally(union=800, against=950, round_="rerun"),
        other_rounds=(earlier,),
        planned_at=T0,
    )
    async with store.transaction() as uow:
        (stored,) = await uow.posts.add_many([original], T0)
        found = await uow.posts.get_many([stored.id])
    assert found[stored.id] == original

"""The outbox: coalescing, claims (SKIP LOCKED on PostgreSQL), retries, crash recovery."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from bot.core.models import Event, Status
from bot.store import OutboxItem, OutboxRow, OutboxState, Store, UnitOfWork
from bot.store.outbox import NONCE_MAX, base36, make_nonce
from tests.store.helpers import T0, tally

UPDATED = (Event.COUNT_UPDATED,)


def item(
    events: tuple[Event, ...] = UPDATED,
    union: int = 1,
    *,
    target: str = "channel:1",
    election: str = "jfk8",
    round_: str = "initial",
    role: int | None = None,
) -> OutboxItem:
    return OutboxItem(
        target,
        election,
        round_,
        events,
        tally(election, union, round_=round_),
        mention_role_id=role,
    )


async def _enqueue(store: Store, *items: OutboxItem) -> None:
    async with store.transaction() as uow:
        await uow.outbox.enqueue_many(list(items), now=T0)


async def _claim(store: Store, limit: int = 100, now: datetime = T0) -> list[int]:
    async with store.transaction() as uow:
        return [r.id for r in await uow.outbox.claim(limit, now)]


async def _rows(uow: UnitOfWork) -> list[OutboxRow]:
    """Every row, by id (the tests make fewer than 20)."""
    rows = [await uow.outbox.get(i) for i in range(1, 20)]
    return [r for r in rows if r is not None]


async def test_queued_count_updates_coalesce_into_the_newest_state(store: Store) -> None:
    async with store.transaction() as uow:
        await uow.outbox.enqueue_many([item(union=1)], now=T0)
        (before,) = await _rows(uow)
        report = await uow.outbox.enqueue_many(
            [item((Event.LEAD_CHANGED, Event.COUNT_UPDATED), union=2, role=77)], now=T0
        )
        (after,) = await _rows(uow)
    assert (report.inserted, report.coalesced) == (0, 1)
    assert after.id == before.id
    assert after.events == (Event.COUNT_UPDATED, Event.LEAD_CHANGED)  # Event enum order
    assert after.tally.choices[0].votes == 2
    assert after.mention_role_id == 77
    assert after.generation == before.generation + 1
    assert after.nonce != before.nonce


async def test_a_row_with_other_events_is_never_merged_into(store: Store) -> None:
    async with store.transaction() as uow:
        await uow.outbox.enqueue_many([item((Event.COUNT_FINAL, Event.COUNT_UPDATED))], now=T0)
        report = await uow.outbox.enqueue_many([item(union=2)], now=T0)
        rows = await _rows(uow)
    assert (report.inserted, report.coalesced) == (1, 0)
    assert [r.events for r in rows] == [(Event.COUNT_UPDATED, Event.COUNT_FINAL), UPDATED]


async def test_merging_only_happens_for_the_same_target_election_and_round(store: Store) -> None:
    async with store.transaction() as uow:
        await uow.outbox.enqueue_many([item()], now=T0)
        report = await uow.outbox.enqueue_many(
            [item(target="channel:2"), item(election="ldj5"), item(round_="rerun")], now=T0
        )
    assert (report.inserted, report.coalesced) == (3, 0)


async def test_a_row_being_sent_is_never_merged_into(store: Store) -> None:
    await _enqueue(store, item(union=1))
    (claimed,) = await _claim(store)
    async with store.transaction() as uow:
        report = await uow.outbox.enqueue_many([item(union=2)], now=T0)
        rows = await _rows(uow)
    assert (report.inserted, report.coalesced) == (1, 0)
    assert [(r.id, r.state, r.tally.choices[0].votes) for r in rows] == [
        (claimed, OutboxState.SENDING, 1),
        (claimed + 1, OutboxState.QUEUED, 2),
    ]


async def test_items_of_one_batch_coalesce_too_but_keep_other_events(store: Store) -> None:
    async with store.transaction() as uow:
        report = await uow.outbox.enqueue_many(
            [item(union=1), item(union=2), item((Event.COUNT_FINAL,), union=3), item(union=4)],
            now=T0,
        )
        rows = await _rows(uow)
    assert (report.inserted, report.coalesced) == (2, 2)
    assert [(r.events, r.tally.choices[0].votes) for r in rows] == [
        ((Event.COUNT_UPDATED, Event.COUNT_FINAL), 3),
        (UPDATED, 4),
    ]


async def test_a_merge_that_brought_in_a_major_event_stops_further_merges(store: Store) -> None:
    async with store.transaction() as uow:
        await uow.outbox.enqueue_many([item()], now=T0)
        await uow.outbox.enqueue_many([item((Event.LEAD_CHANGED,), union=2), item(union=3)], now=T0)
        rows = await _rows(uow)
    assert [(r.events, r.tally.choices[0].votes) for r in rows] == [
        ((Event.COUNT_UPDATED, Event.LEAD_CHANGED), 2),
        (UPDATED, 3),
    ]


async def test_claims_take_due_rows_in_id_order(store: Store) -> None:
    await _enqueue(store, *(item(target=f"channel:{n}") for n in range(5)))
    async with store.transaction() as uow:
        assert await uow.outbox.reschedule(1, "unclaimed", T0) is False  # only from sending
    assert await _claim(store, limit=2) == [1, 2]
    async with store.transaction() as uow:
        assert await uow.outbox.reschedule(1, "HTTP 503", T0 + timedelta(seconds=30))
    assert await _claim(store, limit=10) == [3, 4, 5]
    assert await _claim(store, limit=10, now=T0 + timedelta(seconds=29)) == []
    async with store.transaction() as uow:
        (row,) = await uow.outbox.claim(10, T0 + timedelta(seconds=30))
    assert (row.id, row.attempts, row.last_error, row.state) == (
        1,
        1,
        "HTTP 503",
        OutboxState.SENDING,
    )


async def test_sent_and_failed_rows_are_settled(store: Store) -> None:
    await _enqueue(store, item(target="channel:1"), item(target="channel:2"))
    await _claim(store)
    later = T0 + timedelta(seconds=2)
    async with store.transaction() as uow:
        assert await uow.outbox.mark_sent(1, now=later)
        assert not await uow.outbox.mark_sent(1, now=later)  # already sent
        assert await uow.outbox.mark_failed(2, "403 Missing Access")
        assert await uow.outbox.pending_count() == 0
        sent, failed = await uow.outbox.get(1), await uow.outbox.get(2)
        assert await uow.outbox.prune_sent(later + timedelta(seconds=1)) == 1
        assert await uow.outbox.get(1) is None
    assert sent is not None and failed is not None
    assert (sent.state, sent.sent_at) == (OutboxState.SENT, later)
    assert (failed.state, failed.last_error, failed.attempts) == (
        OutboxState.FAILED,
        "403 Missing Access",
        1,
    )


async def test_rows_in_flight_at_a_crash_are_queued_again_with_the_same_nonce(store: Store) -> None:
    await _enqueue(store, item(target="channel:1"), item(target="channel:2"))
    async with store.transaction() as uow:
        claimed = await uow.outbox.claim(1, T0)
    async with store.transaction() as uow:
        assert await uow.outbox.requeue_inflight() == 1
        assert await uow.outbox.pending_count() == 2
        again = await uow.outbox.claim(10, T0)
    assert [r.id for r in again] == [1, 2]
    assert again[0].nonce == claimed[0].nonce


async def test_concurrent_claims_never_share_a_row(store: Store) -> None:
    await _enqueue(store, *(item(target=f"channel:{n}") for n in range(30)))
    results = await asyncio.gather(*(_claim(store, limit=4) for _ in range(5)))
    claimed = [row for result in results for row in result]
    assert len(claimed) == len(set(claimed)) == 20


async def test_a_claim_never_takes_rows_another_open_claim_holds(store: Store) -> None:
    """PostgreSQL skips the locked rows at once; SQLite makes the second claim wait for the
    first transaction's write lock. Either way the rows are never shared."""
    await _enqueue(store, *(item(target=f"channel:{n}") for n in range(6)))
    async with store.transaction() as first:
        held = [r.id for r in await first.outbox.claim(3, T0)]
        second = asyncio.create_task(_claim(store, limit=3))
        if store.dialect == "postgresql":
            other = await asyncio.wait_for(second, timeout=5)  # would hang without SKIP LOCKED
        else:
            done, _ = await asyncio.wait({second}, timeout=0.3)
            assert not done, "SQLite let a second writer in while the first was open"
    if store.dialect != "postgresql":
        other = await asyncio.wait_for(second, timeout=5)
    assert held == [1, 2, 3]
    assert other == [4, 5, 6]


async def test_nonces_derive_from_the_databases_salt_the_row_and_its_generation(
    store: Store,
) -> None:
    await _enqueue(store, item(target="channel:1"), item(target="channel:2"))
    async with store.read() as uow:
        rows = await _rows(uow)
        salt = await uow.connection.scalar(
            text("SELECT value FROM store_meta WHERE key = 'nonce_salt'")
        )
    assert re.fullmatch("[0-9a-z]{4}", salt)
    assert [r.nonce for r in rows] == [f"tb{salt}1-0", f"tb{salt}2-0"]


def test_a_nonce_fits_discords_limit_for_any_row_id() -> None:
    assert len(make_nonce("zzzz", 2**63 - 1, 36**5 - 1)) == NONCE_MAX
    with pytest.raises(ValueError):
        make_nonce("zzzz", 2**63 - 1, 36**5)
    assert (base36(0), base36(35), base36(36), base36(2**63 - 1)) == (
        "0",
        "z",
        "10",
        "1y2p0ij32e8e7",
    )


async def test_the_tally_snapshot_round_trips(store: Store) -> None:
    snapshot = tally(union=2654, against=2131, status=Status.FINAL, challenged=67, updated_at=T0)
    async with store.transaction() as uow:
        await uow.outbox.enqueue_many(
            [OutboxItem("console", "jfk8", "initial", (Event.COUNT_FINAL,), snapshot)], now=T0
        )
        (row,) = await uow.outbox.claim(1, T0)
    assert row.tally == snapshot
    assert (row.target, row.subscription_id, row.created_at) == ("console", None, T0)

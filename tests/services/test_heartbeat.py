"""Heartbeats on the real PostgreSQL (and SQLite): processes count each other, shares follow,
a stopped process leaves at once, a silent one after the window, a store outage is survived."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services.heartbeat import Heartbeat
from bot.services.pacing import SharedBudget, TokenBucket
from bot.store import Store
from bot.store.processes import ProcessRepo, this_process
from tests.services.replicas_support import fresh_pg_database, store_with_processes


@pytest.fixture
async def pg_store_url(pg_url: str) -> AsyncIterator[str]:
    async with fresh_pg_database(pg_url) as url:
        await (await store_with_processes(url)).close()
        yield url


async def until(probe: Callable[[], bool], timeout: float = 3.0) -> None:
    """Poll `probe` (heartbeats have no event to wait on) until it holds, or fail."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        await asyncio.sleep(0.02)


def heartbeat(
    store: Store,
    on_alive: Callable[[int], None],
    is_leader: Callable[[], bool] = lambda: False,
) -> Heartbeat:
    """A heartbeat ten times as fast as the default: every 0.1 s, alive for 0.5 s."""
    return Heartbeat(
        store,
        this_process(datetime.now(UTC)),
        on_alive=on_alive,
        is_leader=is_leader,
        interval_s=0.1,
        alive_window_s=0.5,
    )


async def test_two_processes_count_each_other_and_a_stopped_one_leaves_at_once(
    pg_store_url: str,
) -> None:
    a_store, b_store = await Store.open(pg_store_url), await Store.open(pg_store_url)
    a_counts: list[int] = []
    b_counts: list[int] = []
    a, b = heartbeat(a_store, a_counts.append), heartbeat(b_store, b_counts.append)
    try:
        await a.start()
        assert a_counts == [1] and a.alive == 1
        await b.start()
        assert b_counts == [2]  # b counts a at its first beat
        await until(lambda: a.alive == 2)  # a counts b at its next one

        await b.stop()
        await until(lambda: a.alive == 1, timeout=0.4)  # before b's row would have aged out
        async with a_store.read() as uow:
            rows = await ProcessRepo(uow.connection).alive(datetime.now(UTC), a._window)
        assert [r.info.id for r in rows] == [a.process.id]
    finally:
        await a.stop()
        await b.stop()
        await a_store.close()
        await b_store.close()


async def test_a_silent_process_stops_counting_after_the_window(pg_store_url: str) -> None:
    a_store, b_store = await Store.open(pg_store_url), await Store.open(pg_store_url)
    a = heartbeat(a_store, lambda _: None)
    silent = heartbeat(b_store, lambda _: None)
    try:
        await a.start()
        await silent.beat()  # one beat, then nothing: as a process killed with -9
        await until(lambda: a.alive == 2)
        await until(lambda: a.alive == 1, timeout=1.5)
    finally:
        await a.stop()
        await a_store.close()
        await b_store.close()


async def test_the_leader_flag_is_written_with_each_beat(tmp_path: Path) -> None:
    store = await store_with_processes(f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    leading = [False]
    beat = heartbeat(store, lambda _: None, lambda: leading[0])
    try:
        await beat.beat()
        leading[0] = True
        await beat.beat()
        async with store.read() as uow:
            [row] = await ProcessRepo(uow.connection).alive(datetime.now(UTC), beat._window)
        assert row.info.leader and beat.last_beat_at is not None
    finally:
        await store.close()


async def test_a_store_outage_keeps_the_last_count_and_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await store_with_processes(f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    counts: list[int] = []
    beat = heartbeat(store, counts.append)
    await beat.beat()
    async with store.engine.begin() as conn:  # the table vanishes: every beat now fails
        await conn.exec_driver_sql("DROP TABLE processes")
    assert await beat.beat() == 1
    assert await beat.beat() == 1
    await store.close()

    failures = [r for r in caplog.records if "heartbeat: the store failed" in r.message]
    assert len(failures) == 1
    assert counts == [1]  # no count from a failed beat


async def test_the_shares_of_two_processes_follow_their_heartbeats(pg_store_url: str) -> None:
    a_store, b_store = await Store.open(pg_store_url), await Store.open(pg_store_url)
    a_bucket, b_bucket = TokenBucket(), TokenBucket()
    a_budget = SharedBudget(a_bucket, 45, 2, join_grace_s=0.3)
    b_budget = SharedBudget(b_bucket, 45, 2, join_grace_s=0.3)
    a, b = heartbeat(a_store, a_budget.update), heartbeat(b_store, b_budget.update)
    try:
        await a.start()
        assert (a_bucket.rate, a_bucket.capacity) == (45, 2)
        await b.start()
        assert (b_bucket.rate, b_bucket.capacity) == (22.5, 1)
        assert b_bucket._paused_until > 0  # a newcomer waits until the others have seen it
        await until(lambda: a_bucket.rate == 22.5)
        await b.stop()
        await until(lambda: a_bucket.rate == 45)
    finally:
        await a.stop()
        await b.stop()
        await a_store.close()
        await b_store.close()


async def test_a_failing_callback_never_stops_the_heartbeat(tmp_path: Path) -> None:
    store = await store_with_processes(f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    calls: list[int] = []

    def broken(alive: int) -> None:
        calls.append(alive)
        raise RuntimeError("a bug in the wiring")

    beat = heartbeat(store, broken)
    try:
        await beat.start()
        await until(lambda: len(calls) >= 3)
        assert beat._task is not None and not beat._task.done()
    finally:
        await beat.stop()
        await store.close()


async def test_processes_starting_together_never_both_count_themselves_alone(
    pg_store_url: str,
) -> None:
    """Both first beats at once, again and again: each time one of them counts the other
    (else both would pace at the whole rate until their next beat)."""
    stores = [await Store.open(pg_store_url) for _ in range(2)]
    try:
        for _ in range(15):
            pair = [
                Heartbeat(store, this_process(datetime.now(UTC)), alive_window_s=30)
                for store in stores
            ]
            counts = await asyncio.gather(*(h.beat() for h in pair))
            assert sorted(counts) == [1, 2]
            for h in pair:
                await h.stop()
    finally:
        for store in stores:
            await store.close()

"""The token bucket paces; the scheduler runs each feed's job, one at a time, and survives
a crashing poll."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.services import pacing
from bot.services.pacing import SharedBudget, TokenBucket, share_of
from bot.services.scheduler import PollScheduler, job_id
from tests.services.replicas_support import peak_in_any_window


async def test_bucket_never_exceeds_its_rate_over_a_window() -> None:
    bucket = TokenBucket(rate=100, capacity=1)
    stamps = []
    for _ in range(31):
        await bucket.acquire()
        stamps.append(time.monotonic())
    # 31 tokens from a bucket of 1 refilled at 100/s take at least 0.3 s.
    assert stamps[-1] - stamps[0] >= 0.29


async def test_bucket_pause_holds_everyone_back() -> None:
    bucket = TokenBucket(rate=1000)
    bucket.pause(0.2)
    started = time.monotonic()
    await bucket.acquire()
    assert time.monotonic() - started >= 0.19


def test_bucket_rejects_a_zero_rate() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0)


async def test_jobs_run_repeatedly_one_at_a_time_and_survive_crashes() -> None:
    runs = {"slow": 0, "crashy": 0}
    active = 0
    overlaps = 0

    async def slow() -> None:
        nonlocal active, overlaps
        active += 1
        overlaps += active > 1
        runs["slow"] += 1
        await asyncio.sleep(0.25)  # longer than the interval: runs must not overlap
        active -= 1

    async def crashy() -> None:
        runs["crashy"] += 1
        raise RuntimeError("boom")

    scheduler = PollScheduler()
    scheduler.add_feed("slow", 0.1, slow)
    scheduler.add_feed("crashy", 0.1, crashy)
    scheduler.start()
    try:
        assert scheduler.running
        assert scheduler.next_run("slow") is not None
        await asyncio.sleep(0.9)
    finally:
        scheduler.shutdown()
    assert not scheduler.running
    assert runs["slow"] >= 2 and runs["crashy"] >= 3
    assert overlaps == 0
    assert job_id("slow") == "poll:slow"


async def test_stop_waits_for_a_running_poll_then_cancels_it_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started_runs: list[str] = []
    finished: list[str] = []

    async def quick() -> None:
        started_runs.append("quick")
        await asyncio.sleep(0.2)
        finished.append("quick")

    async def stuck() -> None:
        started_runs.append("stuck")
        await asyncio.sleep(30)

    scheduler = PollScheduler()
    scheduler.add_feed("quick", 60, quick)
    scheduler.add_feed("stuck", 60, stuck)
    scheduler.start()
    async with asyncio.timeout(3):
        while len(started_runs) < 2:  # noqa: ASYNC110  (both first runs are under way)
            await asyncio.sleep(0.01)
    started = time.monotonic()
    await scheduler.stop(grace_s=0.5)
    assert finished == ["quick"]  # the running poll was let finish
    assert time.monotonic() - started < 2
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_shares_of_the_budget_keep_every_window_under_rate_plus_burst() -> None:
    assert share_of(45, 2, 1) == (45, 2)
    assert share_of(45, 2, 2) == (22.5, 1)
    rate, capacity = share_of(45, 2, 3)
    assert capacity == 1 and rate == pytest.approx(47 / 3 - 1)
    for n in range(1, 46):
        rate, capacity = share_of(45, 2, n)
        assert capacity >= 1 and rate > 0
        assert n * (rate + capacity) <= 47 + 1e-9  # what n buckets send in any 1 s window


async def test_buckets_sharing_a_budget_send_at_most_rate_plus_burst_in_any_window() -> None:
    # Ten times Discord's figures, so that a 1.5 s run shows many windows.
    buckets = [TokenBucket(*share_of(450, 20, 3)) for _ in range(3)]
    stamps: list[float] = []

    async def drain(bucket: TokenBucket) -> None:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            await bucket.acquire()
            stamps.append(time.monotonic())

    await asyncio.gather(*(drain(b) for b in buckets))

    assert peak_in_any_window(stamps) <= 470
    assert len(stamps) >= 0.9 * (20 + 1.5 * 450)  # and they use what they share


async def test_a_new_rate_applies_to_waiters_and_keeps_no_more_than_the_capacity() -> None:
    bucket = TokenBucket(rate=1000, capacity=50)
    await asyncio.sleep(0.06)
    bucket.set_rate(20, 1)
    started = time.monotonic()
    for _ in range(3):
        await bucket.acquire()  # one saved token, then one every 50 ms
    assert time.monotonic() - started >= 0.09
    with pytest.raises(ValueError):
        bucket.set_rate(10, 0.5)


def test_a_shared_budget_pauses_a_newcomer_once_and_follows_the_count() -> None:
    bucket = TokenBucket()
    budget = SharedBudget(bucket, 45, 2, join_grace_s=3.5)
    assert (bucket.rate, bucket.capacity) == (45, 2)
    budget.update(2)
    assert (bucket.rate, bucket.capacity) == (22.5, 1)
    paused = bucket._paused_until
    assert paused > time.monotonic() + 3
    budget.update(3)
    budget.update(1)
    assert bucket._paused_until == paused  # only a newcomer waits, and only once
    assert (bucket.rate, bucket.capacity) == (45, 2)


def test_the_first_process_does_not_wait() -> None:
    bucket = TokenBucket()
    SharedBudget(bucket, 45, 2, join_grace_s=3.5).update(1)
    assert bucket._paused_until == 0


async def test_a_late_timer_keeps_what_it_earned_and_the_window_bound_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bucket of capacity 1 (a process's share) whose every timer fires 3 ms late keeps its
    rate: cutting the tokens at the capacity made 50/s into 43/s."""
    now = [0.0]

    async def late_sleep(seconds: float) -> None:
        now[0] += seconds + 0.003

    monkeypatch.setattr(pacing.asyncio, "sleep", late_sleep)
    bucket = TokenBucket(rate=50, capacity=1, clock=lambda: now[0])
    stamps: list[float] = []
    while now[0] < 2.0:
        await bucket.acquire()
        stamps.append(now[0])
    assert len(stamps) >= 100  # the first at once, then 50/s for 2 s
    assert peak_in_any_window(stamps) <= 51  # floor(rate + capacity)
    assert TokenBucket(45, 2).lateness_s == pytest.approx(0.02)  # 47 + 0.9: still 47
    assert TokenBucket(22.5, 1).lateness_s == pytest.approx(0.02)  # 23.5 + 0.45: still 23
    assert TokenBucket(40, 1.9).lateness_s == pytest.approx(0.9 * 0.1 / 40)  # 41.9: 0.1 to spare

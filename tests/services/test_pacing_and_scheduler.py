"""The token bucket paces; the scheduler runs each feed's job, one at a time, and survives
a crashing poll."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.services.pacing import TokenBucket
from bot.services.scheduler import PollScheduler, job_id


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

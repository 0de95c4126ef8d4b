"""Background tasks: a crash is logged at once with what stopped; stop waits to the end."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.services.tasks import background, finished


async def test_a_crashing_task_is_logged_with_what_stopped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def crash() -> None:
        raise RuntimeError("boom")

    task = background(crash(), name="t", what="the thing")
    with caplog.at_level(logging.ERROR, logger="bot.services.tasks"):
        await asyncio.wait([task])
        await asyncio.sleep(0)  # done callbacks run on the next loop turn
    [record] = caplog.records
    assert record.getMessage() == "the thing stopped"
    assert record.exc_info is not None and str(record.exc_info[1]) == "boom"


async def test_a_cancelled_task_is_finished_quietly(caplog: pytest.LogCaptureFixture) -> None:
    task = background(asyncio.sleep(60), name="t", what="sleeper")
    task.cancel()
    with caplog.at_level(logging.ERROR, logger="bot.services.tasks"):
        await finished(task)
        await asyncio.sleep(0)
    assert task.cancelled() and caplog.records == []


async def test_finished_waits_for_the_task_and_accepts_none() -> None:
    done: list[int] = []

    async def work() -> None:
        await asyncio.sleep(0.01)
        done.append(1)

    await finished(None)
    await finished(background(work(), name="t", what="worker"))
    assert done == [1]

"""Background tasks of the long-running services: started with their crash logged, and
awaited to their end on stop.

An asyncio task that dies with an exception says nothing until it is garbage collected, so
a heartbeat or a listener that crashed would stop silently; each one logs at once instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from functools import partial
from typing import Any

log = logging.getLogger(__name__)


def background(work: Coroutine[Any, Any, None], *, name: str, what: str) -> asyncio.Task[None]:
    """Run `work` as a task named `name`; if it raises, log "`what` stopped" with why."""
    task = asyncio.create_task(work, name=name)
    task.add_done_callback(partial(_log_crash, what))
    return task


async def finished(task: asyncio.Task[None] | None) -> None:
    """Wait for a task that was told to stop (a cancelled one counts as finished)."""
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _log_crash(what: str, task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("%s stopped", what, exc_info=task.exception())

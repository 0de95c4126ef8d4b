"""This process's heartbeat in the store, and the count of processes alive that every process
divides Discord's rate budget by (DESIGN §9)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.services.tasks import background, finished
from bot.store import Store
from bot.store.processes import ProcessInfo, ProcessRepo

log = logging.getLogger(__name__)

INTERVAL_S = 3.0  # a heartbeat this often
ALIVE_WINDOW_S = 10.0  # a process silent this long is not counted (≥ 3 missed beats)
FORGET_AFTER = timedelta(hours=1)  # rows of killed processes are deleted after this


class Heartbeat:
    """Every `interval_s`: write this process's row, count the live ones, tell `on_alive`.

    `alive` is the latest count (1, this process, until the first beat). While the store is
    unreachable the last count stands; the outage is logged when it begins and when it
    ends. `stop()` deletes the row, so the others' shares grow at their next beat.
    """

    def __init__(
        self,
        store: Store,
        process: ProcessInfo,
        *,
        on_alive: Callable[[int], None] | None = None,
        is_leader: Callable[[], bool] = lambda: False,
        interval_s: float = INTERVAL_S,
        alive_window_s: float = ALIVE_WINDOW_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.process = process
        self.interval_s = interval_s
        self.alive = 1
        self.last_beat_at: datetime | None = None  # the last successful beat
        self._store = store
        self._on_alive = on_alive
        self._is_leader = is_leader
        self._window = timedelta(seconds=alive_window_s)
        self._clock = clock
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    async def start(self) -> None:
        """Beat once now (the pacing share is right before the first delivery), then every
        `interval_s` in the background."""
        self._stopping.clear()
        await self.beat()
        self._task = background(self._run(), name="heartbeat", what="heartbeat")

    async def stop(self) -> None:
        self._stopping.set()
        await finished(self._task)
        self._task = None
        try:
            async with self._store.transaction() as uow:
                await ProcessRepo(uow.connection).leave(self.process.id)
        except Exception as exc:
            log.warning("heartbeat: could not remove this process's row: %s", exc)

    async def beat(self) -> int:
        """One heartbeat; returns the processes alive (the last count if the store failed)."""
        now = self._clock()
        info = dataclasses.replace(self.process, leader=self._is_leader())
        try:
            async with self._store.transaction() as uow:
                repo = ProcessRepo(uow.connection)
                await repo.beat(info, now)
                await repo.prune(now - FORGET_AFTER)
                alive = await repo.count_alive(now, self._window)
        except Exception as exc:
            if not self._failing:
                log.error("heartbeat: the store failed (%s); pacing stays at 1/%d", exc, self.alive)
            self._failing = True
            return self.alive
        if self._failing:
            log.info("heartbeat: the store answers again")
        self._failing = False
        self.last_beat_at = now
        alive = max(1, alive)
        if alive != self.alive:
            log.info("heartbeat: %d process(es) share the Discord budget", alive)
        self.alive = alive
        if self._on_alive is not None:
            try:
                self._on_alive(alive)
            except Exception:  # a bad callback must not stop the heartbeat
                log.exception("heartbeat: on_alive failed")
        return alive

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval_s)
            if not self._stopping.is_set():
                await self.beat()

"""The poll scheduler: one APScheduler 3.11 job per feed, started inside the running loop
and stopped on close (DESIGN §2, STYLE: jobs that cannot die silently)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

JobFunc = Callable[[], Awaitable[None]]


def job_id(feed_id: str) -> str:
    return f"poll:{feed_id}"


class PollScheduler:
    """Runs each feed's poll every `interval` seconds; one run at a time per feed."""

    def __init__(self) -> None:
        self._scheduler: AsyncIOScheduler | None = None
        self._jobs: list[tuple[str, float, JobFunc]] = []
        self._running: set[asyncio.Task[object]] = set()

    def add_feed(self, feed_id: str, interval_s: float, poll: JobFunc) -> None:
        self._jobs.append((feed_id, interval_s, poll))

    def start(self, *, first_run_now: bool = True) -> None:
        """Start inside the running event loop (APScheduler binds to it here)."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        now = datetime.now(UTC)
        for feed_id, interval_s, poll in self._jobs:
            # Passing next_run_time=None would pause the job: only pass it to run now.
            first = (
                {"next_run_time": now + timedelta(seconds=random.uniform(0, 0.05))}
                if first_run_now
                else {}
            )
            scheduler.add_job(
                self._guarded(feed_id, poll),
                # jitter adds 0..10% of the interval (DESIGN §11: latency ≤ 1.5 s at 1 s).
                IntervalTrigger(seconds=interval_s, jitter=interval_s * 0.1, timezone=UTC),
                id=job_id(feed_id),
                name=f"poll {feed_id}",
                max_instances=1,
                coalesce=True,
                # The default of 1 s silently skips a late run; a whole interval is never late.
                misfire_grace_time=max(1, int(interval_s) + 1),
                replace_existing=True,
                **first,
            )
        scheduler.start()
        self._scheduler = scheduler

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def next_run(self, feed_id: str) -> datetime | None:
        if self._scheduler is None:
            return None
        job = self._scheduler.get_job(job_id(feed_id))
        return job.next_run_time if job is not None else None

    def shutdown(self) -> None:
        """Stop scheduling; polls already running go on (see `stop` to wait for them)."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None

    async def stop(self, grace_s: float = 5.0) -> None:
        """Stop scheduling and let running polls finish their transaction (cancelled after
        `grace_s`), so the database is never closed under a poll. APScheduler's shutdown
        cancels running jobs, so it comes last: pause, wait, then shut down."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.pause()
        if self._running:
            _done, late = await asyncio.wait(set(self._running), timeout=grace_s)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1.0)
                log.warning(
                    "%d poll(s) still running after %.0fs were cancelled", len(late), grace_s
                )
        self.shutdown()

    def _guarded(self, feed_id: str, poll: JobFunc) -> JobFunc:
        """A poll that logs its own crash (one feed's bug never stops another feed's job)
        and is tracked while it runs."""

        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await poll()
            except asyncio.CancelledError:
                # Only `stop` cancels a poll (it outlived the grace period): the process is
                # going down, and its transaction rolled back. Not a crash to report.
                log.info("feed %s: poll cancelled at shutdown", feed_id)
            except Exception:
                log.exception("feed %s: poll crashed", feed_id)
            finally:
                if task is not None:
                    self._running.discard(task)

        return run

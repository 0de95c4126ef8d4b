"""The delivery worker: claims outbox rows, renders each post from its stored tally, hands it
to a sender, and settles the row: sent, retried later, or failed for good (DESIGN §7)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.core.models import Election, Tally
from bot.render.body import MessageBody
from bot.render.messages import PostView, render_post
from bot.store import OutboxRow, Store, Subscription

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
GIVE_UP_DEFER = timedelta(hours=1)  # after MAX_ATTEMPTS, the row waits this long, still queued
IDLE_WAIT_S = 5.0  # look for due retries at least this often when nothing wakes us


class SendFailure(Exception):
    """A send that did not go through. `permanent` (403/404 kinds) disables the
    subscription; otherwise the row is retried after `retry_after_s` or a backoff."""

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after_s: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class Delivery:
    """One post to one target, rendered and ready to send."""

    row: OutboxRow
    election: Election
    message: MessageBody
    subscription: Subscription | None

    @property
    def target(self) -> str:
        return self.row.target

    @property
    def nonce(self) -> str:
        return self.row.nonce


class Sender(Protocol):
    """Sends one delivery; raises SendFailure when it does not go through."""

    async def send(self, delivery: Delivery) -> None: ...


def retry_delay(attempts: int) -> float:
    """2, 4, 8 … seconds, at most 5 minutes."""
    return float(min(2 ** max(1, attempts), 300))


class DeliveryWorker:
    """Runs until stopped; `wake()` makes it look at the outbox at once."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        *,
        batch_size: int = 100,
        concurrency: int = 8,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._sender = sender
        self._batch_size = batch_size
        self._concurrency = asyncio.Semaphore(concurrency)
        self._clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery-worker")
        self._task.add_done_callback(_log_crash)

    async def stop(self, grace_s: float = 10.0) -> None:
        """Finish the sends in flight; leave the rest queued for the next start."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace_s)
            except TimeoutError:
                self._task.cancel()
                log.warning("delivery: in-flight sends did not finish in %.0fs", grace_s)
            self._task = None

    async def _run(self) -> None:
        async with self._store.transaction() as uow:
            requeued = await uow.outbox.requeue_inflight()
        if requeued:
            log.info(
                "delivery: %d post(s) left in flight by the last run are queued again", requeued
            )
        while not self._stopping:
            self._wake.clear()
            try:
                delivered = await self.run_once()
            except Exception:
                log.exception("delivery: a batch failed; trying again shortly")
                delivered = 0
            if delivered == 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_WAIT_S)

    async def run_once(self) -> int:
        """Claim one batch of due rows and deliver it; returns how many were claimed."""
        async with self._store.transaction() as uow:
            rows = await uow.outbox.claim(self._batch_size, self._clock())
        if not rows:
            return 0
        deliveries = await self._prepare(rows)
        await asyncio.gather(*(self._deliver(d) for d in deliveries))
        return len(rows)

    async def _prepare(self, rows: Sequence[OutboxRow]) -> list[Delivery]:
        now = self._clock()
        election_ids = {row.election_id for row in rows}
        async with self._store.read() as uow:
            elections = await uow.elections.get_many(election_ids)
            subs = await uow.subscriptions.get_many(
                {row.subscription_id for row in rows if row.subscription_id is not None}
            )
            rounds = {eid: await uow.published.rounds(eid) for eid in election_ids}
        deliveries = []
        for row in rows:
            election = elections.get(row.election_id) or Election(row.election_id)
            earlier = tuple(
                p.tally for p in rounds.get(row.election_id, []) if p.tally.round != row.round
            )
            message = render_for_row(row, election, earlier, now)
            sub = subs.get(row.subscription_id) if row.subscription_id is not None else None
            deliveries.append(Delivery(row, election, message, sub))
        return deliveries

    async def _deliver(self, delivery: Delivery) -> None:
        async with self._concurrency:
            try:
                await self._sender.send(delivery)
            except SendFailure as failure:
                await self._settle_failure(delivery, failure)
                return
            except Exception as exc:  # a sender bug must not lose the post
                log.exception("delivery %s: sender crashed", delivery.target)
                await self._settle_failure(delivery, SendFailure(f"sender error: {exc!r}"))
                return
        async with self._store.transaction() as uow:
            await uow.outbox.mark_sent(delivery.row.id, now=self._clock())

    async def _settle_failure(self, delivery: Delivery, failure: SendFailure) -> None:
        row = delivery.row
        async with self._store.transaction() as uow:
            if failure.permanent:
                await uow.outbox.mark_failed(row.id, failure.reason)
                if row.subscription_id is not None:
                    await uow.subscriptions.disable(row.subscription_id, failure.reason)
                log.warning(
                    "delivery %s: %s; subscription disabled", delivery.target, failure.reason
                )
                return
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                delay = GIVE_UP_DEFER.total_seconds()
                log.error(
                    "delivery %s: %s; %d attempts, trying again in an hour",
                    delivery.target,
                    failure.reason,
                    attempts,
                )
            else:
                delay = max(failure.retry_after_s or 0.0, retry_delay(attempts))
                log.warning(
                    "delivery %s: %s; retry %d in %.1fs",
                    delivery.target,
                    failure.reason,
                    attempts,
                    delay,
                )
            when = self._clock() + timedelta(seconds=delay)
            await uow.outbox.reschedule(row.id, failure.reason, when)
        self._schedule_wake(delay)

    def _schedule_wake(self, delay: float) -> None:
        if delay < IDLE_WAIT_S:
            asyncio.get_running_loop().call_later(delay, self._wake.set)


def render_for_row(
    row: OutboxRow, election: Election, earlier: tuple[Tally, ...], now: datetime
) -> MessageBody:
    """The body a row's post carries (the dry run prints the same)."""
    view = PostView(
        election=election,
        tally=row.tally,
        events=row.events,
        earlier=earlier,
        mention_role_id=row.mention_role_id,
        now=now,
    )
    return render_post(view)


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("delivery worker stopped", exc_info=task.exception())

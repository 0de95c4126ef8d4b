"""The delivery worker: claims deliveries with a lease, renders each post once per
(span, language, mode), hands them to a sender, and settles them (DESIGN §7).

State machine of a delivery (bot/store/deliveries.py): queued → sending (leased to this
process) → sent | failed, or queued again for a retry. This worker renews the leases of
what it holds, so a slow send keeps its claim; a dead process's claims expire and another
process sends them with the same nonce. A send that went out while the store was down is
settled when the store is back, before anything newer goes to that target.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.core.models import DEFAULT_LANGUAGE, DeliveryMode, Election, Post
from bot.render.body import MessageBody
from bot.services.metrics import Metrics
from bot.services.outage import StoreHealth
from bot.services.rendering import RenderCache, Renderer
from bot.services.settling import Settle, apply
from bot.services.tasks import background
from bot.store import Delivery, LiveMessage, Store, Subscription, UnitOfWork
from bot.store.faults import is_outage

log = logging.getLogger(__name__)

IDLE_WAIT_S = 5.0  # look for due retries and expired leases at least this often
LEASE = timedelta(seconds=30)
SEND_TIMEOUT_S = 60.0  # one hung send gives up its slot after this
PRUNE_EVERY_S = 60.0
COUNT_EVERY_S = 5.0


class SendFailure(Exception):
    """A send that did not go through. `permanent` (403/404 kinds) disables the
    subscription; `message_gone` (404 Unknown Message on a live edit) sends the change as a
    new live message; otherwise it is retried after `retry_after_s` or a backoff."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        retry_after_s: float | None = None,
        message_gone: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after_s = retry_after_s
        self.message_gone = message_gone


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One delivery, rendered and ready to send. `post` is the span the delivery covers;
    `mode` may differ from the stored one (an edit of a live message that is gone is a
    creation)."""

    delivery: Delivery
    election: Election
    post: Post
    message: MessageBody
    language: str
    mode: DeliveryMode
    subscription: Subscription | None = None
    live: LiveMessage | None = None

    @property
    def target(self) -> str:
        return self.delivery.target

    @property
    def nonce(self) -> str:
        return self.delivery.nonce


class Sender(Protocol):
    """Sends one delivery and returns the id of the message it created, if any; raises
    SendFailure when it does not go through."""

    async def send(self, outgoing: Outgoing) -> int | None: ...


LocaleOf = Callable[[int | None], str | None]  # guild id -> its language, when supported


@dataclass
class WorkerOptions:
    holder: str  # this process's lease holder id
    concurrency: int = 8
    single_process: bool = False  # SQLite: what a crash left in flight was ours
    retention: timedelta = timedelta(days=30)
    default_language: str = DEFAULT_LANGUAGE
    locale_of: LocaleOf = field(default=lambda _guild: None)
    metrics: Metrics | None = None


class DeliveryWorker:
    """Runs until stopped; `wake()` makes it look for deliveries at once."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        renderer: Renderer,
        health: StoreHealth,
        options: WorkerOptions,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._sender = sender
        self._renders = RenderCache(renderer)
        self._health = health
        self._options = options
        self._clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # Sends that went out (or failed) and wait to be recorded: settled together, in one
        # transaction per batch; kept here across a store outage, and settled first after it.
        self._pending: list[Settle] = []
        self._settle_wake = asyncio.Event()
        self._settle_closing = False
        self._last_prune = 0.0
        self._last_count = 0.0

    @property
    def renders(self) -> int:
        """How many bodies were rendered (one per span, language and mode)."""
        return self._renders.count

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = background(self._run(), name="delivery-worker", what="delivery worker")

    async def stop(self, grace_s: float = 10.0) -> None:
        """Finish the sends in flight (and settle them); leave the rest queued."""
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
        renewing = asyncio.create_task(self._renew_leases(), name="delivery-leases")
        settling = asyncio.create_task(self._settle_loop(), name="delivery-settle")
        try:
            if self._options.single_process:
                await self._requeue_leftovers()
            while not self._stopping:
                self._wake.clear()
                await self._maybe_prune()
                await self._maybe_count_queued()
                claimed = await self._claim_more()
                if claimed == 0 and not self._stopping:
                    wait = self._health.seconds_to_wait() or IDLE_WAIT_S
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), wait)
            if self._in_flight:
                await asyncio.wait(list(self._in_flight.values()))
        finally:
            renewing.cancel()
            # Let the settling task finish the batch it holds (never cancel a transaction
            # midway), then record whatever is left.
            self._settle_closing = True
            self._settle_wake.set()
            await settling
            await self._settle_pending()

    async def run_once(self) -> int:
        """Claim what is due now and deliver it to the end (tests, the demo); returns how
        many deliveries were claimed."""
        await self._settle_pending()
        claimed = await self._claim_more(batch=False)
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()))
        await self._settle_pending()
        return claimed

    async def _requeue_leftovers(self) -> None:
        try:
            async with self._store.transaction() as uow:
                count = await uow.deliveries.requeue_all_in_flight()
        except Exception as error:
            if not is_outage(error):
                raise
            self._health.failed(error, "queueing again what the last run left in flight")
            return
        if count:
            log.info(
                "delivery: %d delivery(ies) left in flight by the last run are queued again", count
            )

    async def _claim_more(self, *, batch: bool = True) -> int:
        """Claim for the free send slots, and read what the claimed need, in one
        transaction. With `batch`, only once half the slots are free (a fan-out claims a
        few at a time rather than one by one)."""
        free = self._options.concurrency - len(self._in_flight)
        if batch and self._in_flight and free < max(1, self._options.concurrency // 2):
            return 0
        if free <= 0 or self._stopping or not self._health.may_try():
            return 0
        try:
            async with self._store.transaction() as uow:
                claimed = await uow.deliveries.claim(
                    self._options.holder, free, self._clock(), LEASE
                )
                context = await _Context.load(uow, claimed) if claimed else None
            outgoing = [self._outgoing(d, context) for d in claimed] if context else []
        except Exception as error:
            if not is_outage(error):
                raise
            self._health.failed(error, "claiming deliveries")
            return 0
        self._health.succeeded()
        for item in outgoing:
            task = asyncio.create_task(self._deliver(item), name=f"send {item.target}")
            self._in_flight[item.delivery.id] = task
            task.add_done_callback(self._done)
        return len(claimed)

    def _done(self, task: asyncio.Task[None]) -> None:
        for key, running in list(self._in_flight.items()):
            if running is task:
                del self._in_flight[key]
        self._wake.set()  # a slot is free

    def _outgoing(self, delivery: Delivery, context: _Context) -> Outgoing:
        post = context.span(delivery)
        election = context.elections.get(delivery.election_id) or Election(delivery.election_id)
        language = (
            delivery.language
            or self._options.locale_of(delivery.guild_id)
            or self._options.default_language
        )
        live = context.live.get(delivery.key)
        mode = delivery.mode
        if mode is DeliveryMode.LIVE_EDIT and live is None:
            mode = DeliveryMode.LIVE_CREATE  # no message to edit (gone, or never made)
        body = self._renders.render(election, post, delivery, language, mode)
        subscription = context.subscriptions.get(delivery.subscription_id or -1)
        return Outgoing(delivery, election, post, body, language, mode, subscription, live)

    async def _deliver(self, outgoing: Outgoing) -> None:
        outcome = Settle(outgoing)
        try:
            outcome.message_id = await asyncio.wait_for(self._sender.send(outgoing), SEND_TIMEOUT_S)
        except SendFailure as failure:
            outcome.failure = failure
        except TimeoutError:
            outcome.failure = SendFailure(f"no answer within {SEND_TIMEOUT_S:.0f}s")
        except Exception as exc:  # a sender bug must not lose the post
            log.exception("delivery %s: sender crashed", outgoing.target)
            outcome.failure = SendFailure(f"sender error: {exc.__class__.__name__}")
        self._pending.append(outcome)
        self._settle_wake.set()

    async def _settle_loop(self) -> None:
        """Record finished sends as they come, a batch per transaction."""
        while not self._settle_closing:
            await self._settle_wake.wait()
            self._settle_wake.clear()
            await self._settle_pending()
            if self._pending and not self._settle_closing:
                # The store is down: try again after the back-off (or at once when woken).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._settle_wake.wait(), max(0.05, self._health.seconds_to_wait())
                    )
                self._settle_wake.set()

    async def _settle_pending(self) -> None:
        """Everything pending, oldest first, in one transaction; kept on a store outage."""
        if not self._pending or not self._health.may_try():
            return
        batch, self._pending = self._pending, []
        down = False  # an outage midway through settling one by one
        try:
            settled = list(zip(batch, await self._apply_all(batch), strict=True))
        except asyncio.CancelledError:
            self._pending = batch + self._pending
            raise
        except Exception as error:
            if is_outage(error):
                self._keep_for_later(batch, error)
                return
            # Not the store's health: one by one, so one bad outcome cannot hold the
            # others back.
            settled, down = await self._apply_each(batch)
        if not down:
            self._health.succeeded()
        for outcome, delay in settled:
            self._count(outcome, delay)
            if delay is not None and delay < IDLE_WAIT_S:
                asyncio.get_running_loop().call_later(delay, self._wake.set)

    async def _apply_all(self, batch: Sequence[Settle]) -> list[float | None]:
        async with self._store.transaction() as uow:
            return [await apply(uow, o, self._options.holder, self._clock()) for o in batch]

    async def _apply_each(
        self, batch: Sequence[Settle]
    ) -> tuple[list[tuple[Settle, float | None]], bool]:
        """Each outcome in a transaction of its own; one the store refuses is left
        `sending` (its lease expires and it goes out again with the same nonce); an outage
        midway keeps it and the rest for later (and says so: True)."""
        settled: list[tuple[Settle, float | None]] = []
        for index, outcome in enumerate(batch):
            try:
                [delay] = await self._apply_all([outcome])
            except Exception as error:
                if is_outage(error):
                    self._keep_for_later(batch[index:], error)
                    return settled, True
                log.exception(
                    "delivery %s: its outcome could not be recorded", outcome.outgoing.target
                )
                continue
            settled.append((outcome, delay))
        return settled, False

    def _keep_for_later(self, outcomes: Sequence[Settle], error: BaseException) -> None:
        """The store is down: settled first when it is back."""
        self._pending = [*outcomes, *self._pending]
        self._health.failed(error, f"settling {len(outcomes)} delivery(ies)")

    def _count(self, outcome: Settle, delay: float | None) -> None:
        metrics = self._options.metrics
        if metrics is None:
            return
        outgoing = outcome.outgoing
        kind = outgoing.target.partition(":")[0]
        if outcome.failure is None:
            planned = outgoing.post.planned_at
            latency = (self._clock() - planned).total_seconds() if planned else None
            metrics.delivery(kind, "sent", latency)
            if outgoing.mode is DeliveryMode.LIVE_EDIT:
                metrics.live_edits.inc()
        else:
            metrics.delivery(kind, "retried" if delay is not None else "failed")

    async def _renew_leases(self) -> None:
        """Keep the claims of slow sends (and of sends waiting to be settled)."""
        while True:
            await asyncio.sleep(LEASE.total_seconds() / 3)
            held = [*self._in_flight, *(o.outgoing.delivery.id for o in self._pending)]
            if not held or not self._health.may_try():
                continue
            try:
                async with self._store.transaction() as uow:
                    until = self._clock() + LEASE
                    await uow.deliveries.renew(self._options.holder, held, until)
            except Exception as error:
                if not is_outage(error):
                    log.exception("delivery: renewing leases failed")
                    continue
                self._health.failed(error, "renewing delivery leases")

    async def _maybe_prune(self) -> None:
        """Sent deliveries and the posts no delivery needs go after the retention."""
        loop_now = asyncio.get_running_loop().time()
        if loop_now - self._last_prune < PRUNE_EVERY_S and self._last_prune:
            return
        self._last_prune = loop_now
        cutoff = self._clock() - self._options.retention
        try:
            async with self._store.transaction() as uow:
                deliveries = await uow.deliveries.prune(cutoff)
                posts = await uow.posts.prune(cutoff)
        except Exception as error:
            if not is_outage(error):
                raise
            self._health.failed(error, "pruning sent deliveries")
            return
        if deliveries or posts:
            log.info("pruned %d sent delivery(ies) and %d post(s)", deliveries, posts)

    async def _maybe_count_queued(self) -> None:
        """The queued-deliveries gauge, refreshed every few seconds (not at every claim)."""
        metrics = self._options.metrics
        loop_now = asyncio.get_running_loop().time()
        if metrics is None or loop_now - self._last_count < COUNT_EVERY_S:
            return
        self._last_count = loop_now
        try:
            async with self._store.read() as uow:
                metrics.deliveries_queued.set(await uow.deliveries.queued_count())
        except Exception as error:
            if not is_outage(error):
                raise


@dataclass
class _Context:
    """What the claimed deliveries need from the store, read at once."""

    posts: dict[int, Post]
    elections: dict[str, Election]
    subscriptions: dict[int, Subscription]
    live: dict[tuple[str, str, str], LiveMessage]

    @staticmethod
    async def load(uow: UnitOfWork, claimed: Sequence[Delivery]) -> _Context:
        post_ids = {d.post_id for d in claimed} | {d.first_post_id for d in claimed}
        live: dict[tuple[str, str, str], LiveMessage] = {}
        for delivery in claimed:
            if delivery.mode is DeliveryMode.LIVE_EDIT:
                found = await uow.live.get(*delivery.key)
                if found is not None:
                    live[delivery.key] = found
        return _Context(
            posts=await uow.posts.get_many(post_ids),
            elections=await uow.elections.get_many({d.election_id for d in claimed}),
            subscriptions=await uow.subscriptions.get_many(
                {d.subscription_id for d in claimed if d.subscription_id is not None}
            ),
            live=live,
        )

    def span(self, delivery: Delivery) -> Post:
        """The post a delivery shows: its newest post, its events, and the state before its
        first (coalesced) post as `previous` (DESIGN §5: counted from the oldest)."""
        newest = self.posts[delivery.post_id]
        if delivery.first_post_id == delivery.post_id:
            return newest
        first = self.posts[delivery.first_post_id]
        return Post(
            election_id=newest.election_id,
            round=newest.round,
            events=delivery.events,
            tally=newest.tally,
            previous=first.previous,
            other_rounds=newest.other_rounds,
            planned_at=newest.planned_at,
        )

"""In-process notifications that the published state of some elections changed: the poller
publishes election ids after each planning commit (and, on PostgreSQL, from its LISTEN
callback); the web edge subscribes to update its page, feed and event streams (DESIGN §2).

Everything here runs on the event loop's thread; `publish` never blocks and never waits
for a subscriber. Each subscriber has its own bounded queue of pending ids: an id already
pending is not queued twice (a subscriber that only wants "what changed" loses nothing by
it), and when the queue is full the oldest pending id is dropped and the subscriber is
told, once, with `EVERYTHING` that it must treat every election as changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from types import TracebackType

from bot.core.models import RESERVED_ID

log = logging.getLogger(__name__)

EVERYTHING = RESERVED_ID
"""Yielded by a subscription that overflowed: any election may have changed ("all" is
never an election id)."""

DEFAULT_QUEUE_LIMIT = 10_000


class HubSubscription:
    """One subscriber's queue: an async iterator of changed election ids, oldest first.

    Made by `ChangeHub.subscribe()`, registered at once (nothing published after that call
    is missed), and ended by `close()` (or leaving its `with` block), after which iteration
    stops.
    """

    def __init__(self, hub: ChangeHub, limit: int) -> None:
        self._hub = hub
        self._limit = limit
        self._pending: dict[str, None] = {}  # insertion-ordered set
        self._overflowed = False
        self._wake = asyncio.Event()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def pending(self) -> int:
        """How many ids wait to be read (the overflow marker included)."""
        return len(self._pending) + (1 if self._overflowed else 0)

    def _offer(self, election_id: str) -> None:
        if self._closed or election_id in self._pending:
            return
        if len(self._pending) >= self._limit:
            del self._pending[next(iter(self._pending))]
            if not self._overflowed:
                log.warning("a change subscriber fell %d ids behind: it reloads all", self._limit)
            self._overflowed = True
        self._pending[election_id] = None
        self._wake.set()

    async def next_batch(self) -> list[str]:
        """Every pending id, oldest first, waiting for at least one. `[EVERYTHING]` after an
        overflow. Raises StopAsyncIteration once closed."""
        if await self._wait_overflowed():
            return [EVERYTHING]
        batch = list(self._pending)
        self._pending.clear()
        return batch

    async def _wait_overflowed(self) -> bool:
        """Wait until something is pending; True (and the queue emptied) after an overflow.
        Raises StopAsyncIteration once closed with nothing pending."""
        while not self._pending and not self._overflowed:
            if self._closed:
                raise StopAsyncIteration
            self._wake.clear()
            await self._wake.wait()
        if self._overflowed:
            self._overflowed = False
            self._pending.clear()
            return True
        return False

    def __aiter__(self) -> HubSubscription:
        return self

    async def __anext__(self) -> str:
        if await self._wait_overflowed():
            return EVERYTHING
        election_id = next(iter(self._pending))
        del self._pending[election_id]
        return election_id

    def close(self) -> None:
        """Stop receiving; a waiting reader ends its iteration."""
        if not self._closed:
            self._closed = True
            self._hub._unregister(self)
            self._wake.set()

    def __enter__(self) -> HubSubscription:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class ChangeHub:
    """Fan-out of "published changed" notifications to in-process subscribers."""

    def __init__(self, *, queue_limit: int = DEFAULT_QUEUE_LIMIT) -> None:
        if queue_limit < 1:
            raise ValueError("queue_limit must be at least 1")
        self._queue_limit = queue_limit
        self._subscriptions: list[HubSubscription] = []

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    def subscribe(self) -> HubSubscription:
        """A new subscription, receiving every id published from now on."""
        subscription = HubSubscription(self, self._queue_limit)
        self._subscriptions.append(subscription)
        return subscription

    def publish(self, election_ids: Iterable[str]) -> None:
        """Tell every subscriber that these elections' published state changed."""
        ids = list(dict.fromkeys(election_ids))
        if not ids:
            return
        for subscription in list(self._subscriptions):
            for election_id in ids:
                subscription._offer(election_id)

    def close(self) -> None:
        """End every subscription (at shutdown)."""
        for subscription in list(self._subscriptions):
            subscription.close()

    def _unregister(self, subscription: HubSubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

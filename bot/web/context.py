"""What the web edge's handlers share (`CONTEXT` in the app), and the follower that keeps
its snapshot of the published state current from the change hub."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiohttp import web

from bot.services.hub import EVERYTHING, ChangeHub, HubSubscription
from bot.store import Store
from bot.web.chart import Charts
from bot.web.pages import Pages, StaticFile
from bot.web.state import Snapshot
from bot.web.streams import EventStreams

log = logging.getLogger(__name__)

RETRY_FIRST_S, RETRY_MAX_S = 0.5, 30.0


@dataclass
class WebContext:
    """Everything the handlers share, stored in the app under `CONTEXT`."""

    store: Store
    hub: ChangeHub
    snapshot: Snapshot
    streams: EventStreams
    pages: Pages
    charts: Charts
    static: dict[str, StaticFile]
    language_default: str
    public_url: str | None
    follower: asyncio.Task[None] | None = None
    _store_down: bool = field(default=False, repr=False)

    @property
    def store_down(self) -> bool:
        """Whether the last read of the published state failed (it is being retried)."""
        return self._store_down

    async def follow(self, subscription: HubSubscription) -> None:
        """Keep the snapshot current: read again what the hub says changed, then push the
        new states to the event streams. Ends when the subscription is closed."""
        if not self.snapshot.loaded:
            await self.apply([EVERYTHING])
        while True:
            try:
                ids = await subscription.next_batch()
            except StopAsyncIteration:
                return
            await self.apply(ids)

    async def apply(self, ids: Iterable[str]) -> None:
        """Read these elections again (all of them for EVERYTHING, or before the first
        load), retrying with backoff while the store is unreachable."""
        wanted = list(ids)
        delay = RETRY_FIRST_S
        while True:
            try:
                if EVERYTHING in wanted or not self.snapshot.loaded:
                    changed = await self.snapshot.load_all(self.store)
                else:
                    changed = await self.snapshot.refresh(self.store, wanted)
            except Exception as exc:
                if not self._store_down:
                    log.warning("web: the published state could not be read: %s", _summary(exc))
                self._store_down = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            if self._store_down:
                log.info("web: the published state is readable again")
                self._store_down = False
            break
        for state in changed:
            self.streams.publish(state.id, state.version, state.document.content)


CONTEXT = web.AppKey("tallybot_web", WebContext)


def _summary(exc: BaseException) -> str:
    """An error's type and first line: SQLAlchemy puts the SQL and its parameters on the
    lines after it, and those are never logged (DESIGN §4, secrets)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:200]}" if lines else type(exc).__name__

"""Wake-ups across processes on PostgreSQL: `notify()` inside the planning transaction, and a
`Listener` in every process that `LISTEN`s on a connection of its own (DESIGN §9). The slow
safety poll of the delivery worker stays: a wake-up is a shortcut, never the only way."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.tasks import background, finished
from bot.store.dedicated import DedicatedConnector

log = logging.getLogger(__name__)

WAKE_CHANNEL = "tallybot_wake"  # deliveries are waiting: claim them
RETRY_S = 1.0  # reconnect this often while the database is away
CHECK_S = 5.0  # ask a quiet connection whether it is still there this often
CHECK_TIMEOUT_S = 2.0
RECONNECTED = ""  # the payload handlers get after a reconnect: something may have been missed

Handler = Callable[[str], None]
_CHANNEL_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


async def notify(conn: AsyncConnection, channel: str = WAKE_CHANNEL, payload: str = "") -> None:
    """`NOTIFY channel, payload` on the caller's connection, inside its transaction:
    PostgreSQL delivers it when the transaction commits, and never if it rolls back.
    Identical notifications of one transaction arrive once. On SQLite, nothing (one process:
    the in-process event is enough)."""
    if conn.dialect.name != "postgresql":
        return
    await conn.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {"channel": _checked(channel), "payload": payload},
    )


class Listener:
    """`LISTEN`s on every channel of `handlers` and calls `handlers[channel](payload)` for
    each notification, on the event loop (keep handlers quick: set an event).

    A dropped connection (the server restarted, a failover, a network cut) is noticed at once
    when the server says goodbye, else by a check every `check_s`; the listener reconnects
    every `retry_s` and then calls every handler once with `RECONNECTED` ("") because
    notifications sent meanwhile are lost (the same when the database was away at `start`).
    """

    def __init__(
        self,
        connector: DedicatedConnector,
        handlers: Mapping[str, Handler],
        *,
        retry_s: float = RETRY_S,
        check_s: float = CHECK_S,
        check_timeout_s: float = CHECK_TIMEOUT_S,
    ) -> None:
        self._connector = connector
        self._handlers = {_checked(channel): handler for channel, handler in handlers.items()}
        self._retry_s = retry_s
        self._check_s = check_s
        self._check_timeout_s = check_timeout_s
        self._conn: Any = None  # asyncpg.Connection
        self._lost = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._started = False
        self._outage = False
        self.reconnects = 0

    @property
    def connected(self) -> bool:
        return self._conn is not None

    async def start(self) -> None:
        """Listen now (so nothing committed after `start` is missed while the database is
        up), then watch the connection in the background until `stop`."""
        self._stopping.clear()
        await self._connect()
        self._started = True  # from now on, a new connection may have missed something
        self._task = background(self._run(), name="listener", what="listener")

    async def stop(self) -> None:
        self._stopping.set()
        await finished(self._task)
        self._task = None
        self._started = False
        await self._drop()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            if self._conn is None:
                await self._sleep(self._retry_s)
                if not self._stopping.is_set():
                    await self._connect()
                continue
            await self._sleep(self._check_s)
            if self._stopping.is_set():
                return
            if self._lost.is_set() or not await self._alive():
                log.warning("listener: the LISTEN connection was lost; reconnecting")
                await self._drop()

    async def _sleep(self, seconds: float) -> None:
        """Until `seconds` pass, the connection is lost, or `stop`."""
        stop = asyncio.ensure_future(self._stopping.wait())
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({stop, lost}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            lost.cancel()

    async def _alive(self) -> bool:
        try:
            await self._conn.fetchval("SELECT 1", timeout=self._check_timeout_s)
        except (Exception, TimeoutError):
            return False
        return True

    async def _connect(self) -> None:
        self._lost.clear()
        try:
            conn = await self._connector.connect("listen", timeout_s=self._check_timeout_s)
        except (Exception, TimeoutError) as exc:
            if not self._outage:
                log.error("listener: cannot reach %s (%s)", self._connector.safe, exc)
            self._outage = True
            return
        try:
            conn.add_termination_listener(lambda _conn: self._lost.set())
            for channel in self._handlers:
                await conn.add_listener(channel, self._on_notification)
        except (Exception, TimeoutError) as exc:
            log.error("listener: LISTEN failed: %s", exc)
            conn.terminate()
            return
        self._conn = conn
        if self._outage:
            log.info("listener: %s is reachable again", self._connector.safe)
        self._outage = False
        if self._started:
            self.reconnects += 1
            for channel in self._handlers:
                self._dispatch(channel, RECONNECTED)

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await asyncio.wait_for(conn.close(), self._check_timeout_s)
        except (Exception, TimeoutError):
            conn.terminate()

    def _on_notification(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        self._dispatch(channel, payload)

    def _dispatch(self, channel: str, payload: str) -> None:
        handler = self._handlers.get(channel)
        if handler is None:
            return
        try:
            handler(payload)
        except Exception:
            log.exception("listener: the handler of %s failed", channel)


def _checked(channel: str) -> str:
    """Channel names are SQL identifiers: lower-case ASCII, digits and _ only, ≤ 63."""
    if not _CHANNEL_NAME.fullmatch(channel):
        raise ValueError(f"not a channel name: {channel!r}")
    return channel

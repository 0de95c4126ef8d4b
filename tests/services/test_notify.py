"""Wake-ups on the real PostgreSQL: NOTIFY in a transaction arrives at commit (never after a
rollback), in every listening connection; a listener survives its connection being killed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services.notify import RECONNECTED, WAKE_CHANNEL, Listener, notify
from bot.store import Store
from bot.store.dedicated import DedicatedConnector, dedicated_connector
from tests.services.replicas_support import fresh_pg_database


class Inbox:
    """Payloads a handler got, with a way to wait for the next ones."""

    def __init__(self) -> None:
        self.payloads: list[str] = []
        self._queue: asyncio.Queue[str] = asyncio.Queue()

    def __call__(self, payload: str) -> None:
        self.payloads.append(payload)
        self._queue.put_nowait(payload)

    async def next(self, timeout: float = 2.0) -> str:
        return await asyncio.wait_for(self._queue.get(), timeout)

    async def nothing_within(self, seconds: float) -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(self._queue.get(), seconds)


@pytest.fixture
async def pg_store(pg_url: str) -> AsyncIterator[Store]:
    async with fresh_pg_database(pg_url) as url:
        store = await Store.open(url)
        yield store
        await store.close()


@pytest.fixture
def connector(pg_store: Store) -> DedicatedConnector:
    found = dedicated_connector(pg_store.engine.url.render_as_string(hide_password=False))
    assert found is not None
    return found


async def test_a_notification_arrives_at_commit_and_never_after_a_rollback(
    pg_store: Store, connector: DedicatedConnector
) -> None:
    inbox = Inbox()
    listener = Listener(connector, {WAKE_CHANNEL: inbox})
    await listener.start()
    try:
        with pytest.raises(RuntimeError):
            async with pg_store.transaction() as uow:
                await notify(uow.connection, payload="rolled back")
                raise RuntimeError("the planning transaction failed")
        async with pg_store.transaction() as uow:
            await notify(uow.connection, payload="planned")
            await inbox.nothing_within(0.3)  # not before the commit
        assert await inbox.next() == "planned"
        await inbox.nothing_within(0.3)
        assert inbox.payloads == ["planned"]
    finally:
        await listener.stop()


async def test_every_listening_process_is_woken_on_its_own_channels(
    pg_store: Store, connector: DedicatedConnector
) -> None:
    first, second, published = Inbox(), Inbox(), Inbox()
    a = Listener(connector, {WAKE_CHANNEL: first})
    b = Listener(connector, {WAKE_CHANNEL: second, "tallybot_published": published})
    await a.start()
    await b.start()
    try:
        async with pg_store.transaction() as uow:
            await notify(uow.connection)
        async with pg_store.transaction() as uow:
            await notify(uow.connection, "tallybot_published", "jfk8")

        assert await first.next() == "" and await second.next() == ""
        assert await published.next() == "jfk8"
        await first.nothing_within(0.2)
    finally:
        await a.stop()
        await b.stop()


async def test_a_listener_whose_connection_is_killed_reconnects_and_says_so(
    pg_store: Store, connector: DedicatedConnector
) -> None:
    inbox = Inbox()
    listener = Listener(connector, {WAKE_CHANNEL: inbox}, retry_s=0.1, check_s=0.2)
    await listener.start()
    try:
        async with pg_store.transaction() as uow:
            await uow.connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'tallybot-listen' AND datname = current_database()"
            )
        assert await inbox.next(timeout=3) == RECONNECTED  # it may have missed something
        assert listener.reconnects == 1 and listener.connected

        async with pg_store.transaction() as uow:
            await notify(uow.connection, payload="after")
        assert await inbox.next() == "after"
    finally:
        await listener.stop()
    assert not listener.connected


async def test_a_listener_started_while_the_database_is_away_connects_later(
    pg_store: Store, connector: DedicatedConnector
) -> None:
    away = dedicated_connector("postgresql://tallybot@127.0.0.1:9/none")
    assert away is not None
    inbox = Inbox()
    listener = Listener(away, {WAKE_CHANNEL: inbox}, retry_s=0.05)
    await listener.start()
    await asyncio.sleep(0.2)
    assert not listener.connected
    listener._connector = connector  # the database is back
    try:
        assert await inbox.next(timeout=2) == RECONNECTED
        assert listener.connected
    finally:
        await listener.stop()


async def test_notify_on_sqlite_does_nothing(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    try:
        async with store.transaction() as uow:
            await notify(uow.connection, payload="ignored")
    finally:
        await store.close()


def test_channel_names_are_checked() -> None:
    connector = dedicated_connector("postgresql://root@127.0.0.1/test")
    assert connector is not None
    with pytest.raises(ValueError, match="not a channel name"):
        Listener(connector, {"wake; DROP TABLE x": lambda _: None})

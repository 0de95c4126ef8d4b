"""Leadership on the real PostgreSQL (two connections, two processes, kill -9), and SQLite's
one-process lock (two processes on one file)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.services.leader import (
    DatabaseInUse,
    PostgresLeadership,
    SoloLeadership,
    SqliteProcessLock,
    claim_sqlite,
    leadership_for,
    lock_path,
)
from bot.store.dedicated import DedicatedConnector, dedicated_connector
from tests.services.replicas_support import Child, child_processes
from tests.services.tcp_proxy import TcpProxy


@dataclass
class Seen:
    """What one leadership's callbacks saw, in order."""

    events: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def elected(self) -> None:
        self.events.append("elected")
        self.changed.set()

    async def deposed(self) -> None:
        self.events.append("deposed")
        self.changed.set()

    async def wait_for(self, event: str, timeout: float) -> float:
        """Seconds until `event` is the latest one seen."""
        started = time.monotonic()
        while not (self.events and self.events[-1] == event):
            self.changed.clear()
            remaining = timeout - (time.monotonic() - started)
            if remaining <= 0:
                raise AssertionError(f"no {event!r} within {timeout} s; saw {self.events}")
            await asyncio.wait_for(self.changed.wait(), remaining)
        return time.monotonic() - started


@pytest.fixture
def key() -> int:
    """A lock key of this test's own: tests of other packages may run on the same server."""
    return secrets.randbelow(2**62)


@pytest.fixture
def connector(pg_url: str) -> DedicatedConnector:
    found = dedicated_connector(pg_url)
    assert found is not None
    return found


async def lock_holder(connector: DedicatedConnector, key: int) -> int | None:
    """The backend pid holding the advisory lock `key`, if any."""
    conn = await connector.connect("test")
    try:
        pid: int | None = await conn.fetchval(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = ($1::int8 >> 32)::oid AND objid = ($1::int8 & 4294967295)::oid",
            key,
        )
        return pid
    finally:
        await conn.close()


async def test_one_process_leads_and_a_standby_takes_over_when_it_stops(
    connector: DedicatedConnector, key: int
) -> None:
    first, second = Seen(), Seen()
    a = PostgresLeadership(connector, first.elected, first.deposed, key=key)
    b = PostgresLeadership(connector, second.elected, second.deposed, key=key)
    await a.start()
    await b.start()
    try:
        assert (a.is_leader, b.is_leader) == (True, False)
        assert first.events == ["elected"] and second.events == []
        await asyncio.sleep(1.5)  # the standby keeps asking, and keeps being refused
        assert second.events == []

        await a.stop()
        took = await second.wait_for("elected", timeout=3)

        assert first.events == ["elected", "deposed"]
        assert b.is_leader and not a.is_leader
        assert took < 2.0
    finally:
        await a.stop()
        await b.stop()
    assert second.events == ["elected", "deposed"]
    assert await lock_holder(connector, key) is None


async def test_a_leader_whose_session_is_terminated_steps_down_and_another_leads(
    connector: DedicatedConnector, key: int
) -> None:
    first, second = Seen(), Seen()
    a = PostgresLeadership(connector, first.elected, first.deposed, key=key)
    b = PostgresLeadership(connector, second.elected, second.deposed, key=key)
    await a.start()
    await b.start()
    try:
        holder = await lock_holder(connector, key)
        assert holder is not None
        admin = await connector.connect("test")
        await admin.execute("SELECT pg_terminate_backend($1)", holder)
        await admin.close()

        await first.wait_for("deposed", timeout=3)
        await second.wait_for("elected", timeout=3)
        await asyncio.sleep(1.5)  # the old leader reconnects, as a standby

        assert first.events == ["elected", "deposed"]
        assert not a.is_leader and b.is_leader
    finally:
        await b.stop()
        await a.stop()


async def test_a_leader_whose_connection_hangs_steps_down_within_its_check_timeout(
    pg_url: str, key: int
) -> None:
    url = make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = dedicated_connector(
        url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )
    direct = dedicated_connector(pg_url)
    assert through_proxy is not None and direct is not None
    first, second = Seen(), Seen()
    a = PostgresLeadership(
        through_proxy, first.elected, first.deposed, key=key, check_s=0.2, check_timeout_s=0.5
    )
    b = PostgresLeadership(direct, second.elected, second.deposed, key=key, retry_s=0.2)
    try:
        await a.start()
        await b.start()
        assert a.is_leader

        proxy.freeze()  # the leader's queries go unanswered; its socket stays open
        took = await first.wait_for("deposed", timeout=3)
        assert took < 0.2 + 0.5 + 0.5
        assert second.events == []  # the server still sees the old session, lock and all

        await proxy.close()  # as the server's keepalives would end it (bot/store/dedicated.py)
        await second.wait_for("elected", timeout=3)
        assert not a.is_leader
    finally:
        await proxy.close()
        await a.stop()
        await b.stop()


async def test_a_failed_start_of_the_leaders_work_steps_down(
    connector: DedicatedConnector, key: int
) -> None:
    seen = Seen()

    async def broken() -> None:
        seen.events.append("elected")
        raise RuntimeError("the scheduler did not start")

    a = PostgresLeadership(connector, broken, seen.deposed, key=key)
    await a.start()
    try:
        assert seen.events == ["elected", "deposed"]
        assert not a.is_leader
        assert await lock_holder(connector, key) is None  # another process may lead
    finally:
        await a.stop()


async def test_an_unreachable_database_keeps_a_process_standing_by(key: int) -> None:
    seen = Seen()
    nowhere = dedicated_connector("postgresql://tallybot@127.0.0.1:9/none")
    assert nowhere is not None
    a = PostgresLeadership(nowhere, seen.elected, seen.deposed, key=key, retry_s=0.1)
    await a.start()
    await asyncio.sleep(0.3)
    await a.stop()
    assert seen.events == [] and not a.is_leader


def test_the_database_decides_the_kind_of_leadership(pg_url: str, tmp_path: Path) -> None:
    async def nothing() -> None:
        pass

    assert isinstance(leadership_for(pg_url, nothing, nothing), PostgresLeadership)
    sqlite = leadership_for(f"sqlite+aiosqlite:///{tmp_path}/bot.db", nothing, nothing)
    assert isinstance(sqlite, SoloLeadership)


async def test_solo_leadership_leads_from_start_to_stop() -> None:
    seen = Seen()
    solo = SoloLeadership(seen.elected, seen.deposed)
    await solo.start()
    assert solo.is_leader
    await solo.stop()
    await solo.stop()
    assert seen.events == ["elected", "deposed"] and not solo.is_leader


# -- several processes ------------------------------------------------------------------


@pytest.fixture
async def children() -> AsyncIterator[list[Child]]:
    async with child_processes() as started:
        yield started


@pytest.mark.e2e
async def test_kill_9_of_the_leader_process_makes_the_standby_lead_within_10_s(
    pg_url: str, key: int, children: list[Child]
) -> None:
    a = await Child.start("leader", pg_url, str(key))
    children.append(a)
    assert await a.line() == "elected"
    b = await Child.start("leader", pg_url, str(key))
    children.append(b)
    assert await b.line() == "standby"
    await b.quiet_for(1.5)

    killed = time.monotonic()
    a.proc.kill()  # SIGKILL: no goodbye to PostgreSQL
    assert await b.line(timeout=10) == "elected"
    took = time.monotonic() - killed

    assert took < 10.0
    assert took < 3.0  # the socket closes with the process: the standby's next try wins
    print(f"kill -9 → new leader: {took:.2f} s")

    c = await Child.start("leader", pg_url, str(key))  # the old leader restarted
    children.append(c)
    assert await c.line() == "standby"
    assert await b.end() == 0
    assert await b.line() == "deposed"
    assert await c.line(timeout=5) == "elected"
    assert await c.end() == 0


@pytest.mark.e2e
async def test_a_second_process_on_one_sqlite_file_is_refused_with_exit_2(
    tmp_path: Path, children: list[Child]
) -> None:
    database = tmp_path / "data" / "tallybot.db"
    first = await Child.start("sqlite", str(database))
    children.append(first)
    assert await first.line() == "locked"

    second = await Child.start("sqlite", str(database))
    children.append(second)
    code = await asyncio.wait_for(second.proc.wait(), 15)

    assert code == 2
    message = second.errors()
    assert "SQLite serves one process" in message and "PostgreSQL" in message
    assert str(database) in message

    first.proc.kill()  # the kernel drops the lock with the process
    await first.proc.wait()
    third = await Child.start("sqlite", str(database))
    children.append(third)
    assert await third.line() == "locked"
    assert await third.end() == 0


def test_the_sqlite_lock_is_exclusive_within_one_process_too(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "bot.db"
    with SqliteProcessLock.acquire(database) as held:
        assert held.path == lock_path(database) == tmp_path / "nested" / "bot.db.lock"
        with pytest.raises(DatabaseInUse, match="SQLite serves one process"):
            SqliteProcessLock.acquire(database)
    SqliteProcessLock.acquire(database).release()  # free again once released


def test_only_a_sqlite_file_takes_the_process_lock(tmp_path: Path) -> None:
    assert claim_sqlite("sqlite+aiosqlite:///:memory:") is None
    assert claim_sqlite("postgresql://root@127.0.0.1:5432/test") is None
    lock = claim_sqlite(f"sqlite:///{tmp_path}/bot.db")
    assert lock is not None
    try:
        with pytest.raises(DatabaseInUse):
            claim_sqlite(f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    finally:
        lock.release()


async def test_the_dedicated_connection_has_keepalives_and_a_name(
    connector: DedicatedConnector,
) -> None:
    conn: asyncpg.Connection = await connector.connect("leader")
    try:
        assert await conn.fetchval("SHOW tcp_keepalives_idle") == "4"
        assert await conn.fetchval("SHOW application_name") == "tallybot-leader"
    finally:
        await conn.close()


def test_a_connector_never_shows_the_password() -> None:
    connector = dedicated_connector(
        "postgres://bot:s3cret-pw@db.example:5432/tally?sslmode=require"
    )
    assert connector is not None
    assert "s3cret-pw" not in repr(connector) and "s3cret-pw" not in connector.safe
    assert connector.ssl == "require"

"""Who leads: on PostgreSQL the process holding a session advisory lock on a connection of its
own runs the scheduler, the static-subscription sync and the feeds; on SQLite the one process
does, and a second process on the same file is refused (DESIGN §9)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol, Self

from bot.services.tasks import background, finished
from bot.store.dedicated import DedicatedConnector, dedicated_connector
from bot.store.urls import resolve, sqlite_file

log = logging.getLogger(__name__)

Callback = Callable[[], Awaitable[None]]

# One bigint key for every tallybot sharing a database ("7a11b07", "1ead": tallybot, lead).
# Store.migrate's transaction lock is 0x7A11B07: another key.
LEADER_LOCK_KEY = 0x7A11B07_1EAD
RETRY_S = 1.0  # a standby asks for the lock this often: the takeover is ≤ 1 s after release
CHECK_S = 1.0  # the leader checks that its session still holds the lock this often
CHECK_TIMEOUT_S = 2.0  # a check slower than this is a dead connection

_TRY_LOCK = "SELECT pg_try_advisory_lock($1::int8)"
_UNLOCK = "SELECT pg_advisory_unlock($1::int8)"
# A bigint advisory key shows in pg_locks as classid (high half), objid (low half), objsubid 1.
_HOLDS_LOCK = """
SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
      AND classid = ($1::int8 >> 32)::oid AND objid = ($1::int8 & 4294967295)::oid
      AND objsubid = 1
)
"""


class Leadership(Protocol):
    """Calls `on_elected` when this process becomes the leader and `on_deposed` when it stops
    being one (at `stop()` too); `is_leader` says which it is now."""

    @property
    def is_leader(self) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class SoloLeadership:
    """SQLite: the only process (its `SqliteProcessLock` makes sure) always leads."""

    def __init__(self, on_elected: Callback, on_deposed: Callback) -> None:
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self._leader = False

    @property
    def is_leader(self) -> bool:
        return self._leader

    async def start(self) -> None:
        self._leader = True
        await self._on_elected()

    async def stop(self) -> None:
        if self._leader:
            self._leader = False
            await self._on_deposed()


class PostgresLeadership:
    """The leader holds `pg_try_advisory_lock(key)` on a dedicated connection.

    States: *standby* (connected or not; asks for the lock every `retry_s`), *leader*
    (checks every `check_s` that its session still holds the lock, within
    `check_timeout_s`). A failed or slow check, or a lost connection, deposes at once (the
    connection is dropped: the server then releases the lock with the session) and the
    process goes back to standby. A killed leader's session ends with its socket, so a
    standby leads within `retry_s`; a machine that vanishes is noticed by the server's TCP
    keepalives (bot/store/dedicated.py) within about 8 s.
    """

    def __init__(
        self,
        connector: DedicatedConnector,
        on_elected: Callback,
        on_deposed: Callback,
        *,
        key: int = LEADER_LOCK_KEY,
        retry_s: float = RETRY_S,
        check_s: float = CHECK_S,
        check_timeout_s: float = CHECK_TIMEOUT_S,
    ) -> None:
        self._connector = connector
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self._key = key
        self._retry_s = retry_s
        self._check_s = check_s
        self._check_timeout_s = check_timeout_s
        self._conn: Any = None  # asyncpg.Connection
        self._leader = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._outage = False
        self._failed_starts = 0
        self._not_before = 0.0  # after a failed start: no new try before this (monotonic)

    @property
    def is_leader(self) -> bool:
        return self._leader

    async def start(self) -> None:
        """Try once now (so a lone process leads before `start` returns), then keep trying or
        checking in the background until `stop`."""
        self._stopping.clear()
        await self._step()
        self._task = background(self._run(), name="leadership", what="leadership")

    async def stop(self) -> None:
        """Depose (the leader's work stops first, then the lock is released) and close."""
        self._stopping.set()
        await finished(self._task)
        self._task = None
        if self._leader:
            await self._depose("stopping")
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._conn.fetchval(_UNLOCK, self._key), self._check_timeout_s
                )
        await self._drop_connection()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            wait = self._check_s if self._leader else self._retry_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), wait)
            if not self._stopping.is_set():
                await self._step()

    async def _step(self) -> None:
        """One round: connect if needed, then ask for the lock (standby) or check it."""
        if self._conn is None and not await self._connect():
            return
        try:
            if self._leader:
                held = await self._query(_HOLDS_LOCK)
                if not held:
                    log.error("leadership: this session no longer holds the leader lock")
                    await self._depose("the lock is gone")
                    await self._drop_connection()
                return
            if time.monotonic() >= self._not_before and await self._query(_TRY_LOCK):
                await self._elect()
        except (Exception, TimeoutError) as exc:
            # A broken or hung connection: give the work up before the server gives the
            # lock to another process, and start again on a new connection.
            log.warning("leadership: the lock connection failed: %s", _reason(exc))
            if self._leader:
                await self._depose("its database connection failed")
            await self._drop_connection()

    async def _query(self, sql: str) -> bool:
        return bool(await self._conn.fetchval(sql, self._key, timeout=self._check_timeout_s))

    async def _connect(self) -> bool:
        try:
            self._conn = await self._connector.connect("leader", timeout_s=self._check_timeout_s)
        except (Exception, TimeoutError) as exc:
            if not self._outage:
                log.error(
                    "leadership: cannot reach %s (%s); retrying every %.0fs",
                    self._connector.safe,
                    _reason(exc),
                    self._retry_s,
                )
            self._outage = True
            return False
        if self._outage:
            log.info("leadership: %s is reachable again", self._connector.safe)
        self._outage = False
        return True

    async def _elect(self) -> None:
        self._leader = True
        log.info("leadership: this process leads (polls the feeds)")
        try:
            await self._on_elected()
        except Exception:
            # Let another process lead meanwhile; try again after 2, 4 … 60 s.
            self._failed_starts += 1
            delay = min(60.0, 2.0**self._failed_starts)
            self._not_before = time.monotonic() + delay
            log.exception(
                "leadership: starting the leader's work failed; stepping down for %.0fs", delay
            )
            await self._depose("its work failed to start")
            with contextlib.suppress(Exception, TimeoutError):
                await self._conn.fetchval(_UNLOCK, self._key, timeout=self._check_timeout_s)
            return
        self._failed_starts = 0

    async def _depose(self, why: str) -> None:
        self._leader = False
        log.warning("leadership: this process stops leading: %s", why)
        try:
            await self._on_deposed()
        except Exception:
            log.exception("leadership: stopping the leader's work failed")

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await asyncio.wait_for(conn.close(), self._check_timeout_s)
        except (Exception, TimeoutError):
            conn.terminate()  # no goodbye on a hung connection: close the socket


def leadership_for(
    database_url: str, on_elected: Callback, on_deposed: Callback
) -> SoloLeadership | PostgresLeadership:
    """The leadership a database calls for: on PostgreSQL the advisory lock, on SQLite the
    one process (take its `claim_sqlite` lock first)."""
    connector = dedicated_connector(database_url)
    if connector is None:
        return SoloLeadership(on_elected, on_deposed)
    return PostgresLeadership(connector, on_elected, on_deposed)


class DatabaseInUse(Exception):
    """Another process already runs on this SQLite database. The message is for the
    operator; the CLI prints it and exits 2 (DESIGN §9)."""

    def __init__(self, database: Path) -> None:
        super().__init__(
            f"another tallybot process is already running on the SQLite database {database}. "
            "SQLite serves one process: stop the other one first, or use PostgreSQL "
            "(DATABASE_URL=postgresql://…) to run several processes on one database."
        )
        self.database = database


class SqliteProcessLock:
    """An exclusive `flock` on `<database>.lock`, held while the process runs: the kernel
    releases it when the process ends, however it ends (kill -9 included)."""

    def __init__(self, database: Path, file: IO[str]) -> None:
        self.database = database
        self._file: IO[str] | None = file

    @property
    def path(self) -> Path:
        return lock_path(self.database)

    @classmethod
    def acquire(cls, database: Path) -> SqliteProcessLock:
        """Take the lock (its folder is created); raises DatabaseInUse when it is held."""
        path = lock_path(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        file = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            raise DatabaseInUse(database) from None
        except BaseException:
            file.close()
            raise
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")  # for the operator who wonders who holds it
        file.flush()
        return cls(database, file)

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def claim_sqlite(url: str) -> SqliteProcessLock | None:
    """For `run`: the process lock of a SQLite file database, None for PostgreSQL and
    in-memory databases. Raises DatabaseInUse, or ValueError for an unusable URL."""
    target = resolve(url)
    path = sqlite_file(target) if target.is_sqlite else None
    return SqliteProcessLock.acquire(path) if path is not None else None


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__

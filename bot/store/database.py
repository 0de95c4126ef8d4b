"""The Store: opens the database (SQLite or PostgreSQL), migrates it, and hands out units of
work, each one transaction."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.store.codec import json_serializer
from bot.store.schema import store_meta
from bot.store.uow import UnitOfWork
from bot.store.urls import DatabaseTarget, resolve, sqlite_file

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_BUSY_TIMEOUT_MS = 5_000
# Serialises `migrate` across processes sharing one PostgreSQL database.
_MIGRATION_LOCK = 0x7A11B07
_BEGIN_OPTION = "tallybot_sqlite_begin"


class Store:
    """The database. Open with `await Store.open(url)`, close with `await store.close()`."""

    def __init__(self, engine: AsyncEngine, target: DatabaseTarget) -> None:
        self._engine = engine
        self._target = target
        self._nonce_salt: str | None = None
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Store:
        """Connect to `url` (sqlite… or postgres…://; Heroku's form and sslmode work).

        SQLite gets WAL, a busy timeout and foreign keys, and its folder is created.
        Raises ValueError for an unusable URL, and the driver's error when the database
        cannot be reached.
        """
        target = resolve(url)
        path = sqlite_file(target) if target.is_sqlite else None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            target.url,
            connect_args=target.connect_args,
            json_serializer=json_serializer,
            pool_pre_ping=not target.is_sqlite,
        )
        if target.is_sqlite:
            _install_sqlite_hooks(engine.sync_engine, busy_timeout_ms)
        try:
            async with engine.connect():
                pass  # fail now, not at the first poll
        except BaseException:
            await engine.dispose()
            raise
        log.info("store opened: %s", target.safe)
        return cls(engine, target)

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self._engine.dialect.name

    @property
    def safe_url(self) -> str:
        """The database URL with its password masked."""
        return self._target.safe

    @property
    def engine(self) -> AsyncEngine:
        """The engine (for tests and the rare raw query)."""
        return self._engine

    async def migrate(self) -> None:
        """Upgrade the schema to the newest version shipped in bot/store/migrations."""
        async with self._connect(immediate=True) as conn, conn.begin():
            if self.dialect == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            await conn.run_sync(_upgrade_to_head)
        log.info("store migrated to the newest schema")

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """One unit of work in one write transaction: committed when the block ends,
        rolled back when it raises. On SQLite it takes the write lock at once."""
        # SQLite has one writer: queue this process's writers here rather than have them
        # spin on the database lock (and fail after busy_timeout under a burst).
        lock = self._write_lock if self._target.is_sqlite else contextlib.nullcontext()
        async with lock, self._connect(immediate=True) as conn, conn.begin():
            yield UnitOfWork(conn, partial(self._salt, conn))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work for reads (commands): never waits for SQLite's write lock."""
        async with self._connect(immediate=False) as conn, conn.begin():
            yield UnitOfWork(conn, partial(self._salt, conn))

    @asynccontextmanager
    async def _connect(self, *, immediate: bool) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as conn:
            if self._target.is_sqlite:
                await conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE" if immediate else ""})
            yield conn

    async def _salt(self, conn: AsyncConnection) -> str:
        """The per-database nonce salt (read once, then cached)."""
        if self._nonce_salt is None:
            query = select(store_meta.c.value).where(store_meta.c.key == "nonce_salt")
            self._nonce_salt = str(await conn.scalar(query))
        return self._nonce_salt


def _upgrade_to_head(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _install_sqlite_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    """Pragmas on every new connection, and our own BEGIN (sqlite3's is not emitted for
    reads and DDL, and a deferred write transaction can fail instead of waiting)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA busy_timeout={int(busy_timeout_ms)}",
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=NORMAL",  # durable across crashes of the process in WAL mode
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

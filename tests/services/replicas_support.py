"""Helpers for the several-process tests: a PostgreSQL database of their own, a store with
the processes table, and sliding-window counts."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Sequence

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.store import Store
from bot.store.processes import processes_meta


async def _admin(url: str, sql: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(sql)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def fresh_pg_database(pg_url: str) -> AsyncIterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    name = f"tallybot_replicas_{secrets.token_hex(4)}"
    await _admin(pg_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def store_with_processes(url: str) -> Store:
    """An opened store whose database has the processes table (created if missing)."""
    store = await Store.open(url)
    async with store.engine.begin() as conn:
        await conn.run_sync(processes_meta.create_all)
    return store


def peak_in_any_window(stamps: Sequence[float], window: float = 1.0) -> int:
    """The most stamps within any `window` seconds (a sliding, half-open window)."""
    ordered = sorted(stamps)
    peak = start = 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= window:
            start += 1
        peak = max(peak, end - start + 1)
    return peak

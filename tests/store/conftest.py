"""Store fixtures: every store test runs on SQLite (a file under tmp_path) and on
PostgreSQL (a database created for this test session, emptied per test, dropped at the end)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.store import Store


async def _admin(url: str, sql: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(sql)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def pg_database(pg_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this session (skips when `pg_url` does)."""
    name = f"tallybot_test_{secrets.token_hex(4)}"
    asyncio.run(_admin(pg_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty database of each backend."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("store")
        return f"sqlite+aiosqlite:///{folder / 'data' / 'tallybot.db'}"
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture
async def empty_store(database_url: str) -> AsyncIterator[Store]:
    """An opened store on an empty database (PostgreSQL: its schema dropped and re-made)."""
    store = await Store.open(database_url)
    if store.dialect == "postgresql":
        async with store.engine.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def store(empty_store: Store) -> Store:
    """A migrated store on each backend."""
    await empty_store.migrate()
    return empty_store

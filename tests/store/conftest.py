"""Store fixtures: every store test runs on SQLite (a file under tmp_path) and on
PostgreSQL (a database created for this test session, emptied per test, dropped at the end)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.store import Store
from tests.conftest import fresh_store


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
async def store(database_url: str) -> AsyncIterator[Store]:
    """A migrated, empty store on each backend."""
    store = await fresh_store(database_url)
    try:
        yield store
    finally:
        await store.close()

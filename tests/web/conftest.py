"""Web fixtures: a real, migrated SQLite store (a file under tmp_path) for every web test;
the store-read tests also run on PostgreSQL where TALLYBOT_TEST_PG_URL is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store
from tests.store.conftest import database_url, empty_store, pg_database, store

__all__ = ["any_store", "database_url", "empty_store", "pg_database", "sqlite_store", "store"]


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'web.db'}")
    try:
        await opened.migrate()
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def any_store(store: Store) -> Store:
    """A migrated store on SQLite and on PostgreSQL (skipped without it, outside CI)."""
    return store

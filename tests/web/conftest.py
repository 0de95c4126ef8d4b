"""Web fixtures: a real, migrated SQLite store (a file under tmp_path) for every web test;
the store-read tests also run on PostgreSQL where TALLYBOT_TEST_PG_URL is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store
from tests.conftest import fresh_store
from tests.store.conftest import empty_store, store

__all__ = ["any_store", "empty_store", "sqlite_store", "store"]


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await fresh_store(f"sqlite+aiosqlite:///{tmp_path / 'web.db'}")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def any_store(store: Store) -> Store:
    """A migrated store on SQLite and on PostgreSQL (skipped without it, outside CI)."""
    return store

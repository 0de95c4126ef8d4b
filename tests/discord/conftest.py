"""Fixtures of the command tests: a real SQLite store seeded with JFK8 and Bessemer (built
and migrated once, copied per test), and a spec'd bot around it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.store import Store
from tests.discord.cogs.fakes import make_bot, seed


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded SQLite file; closing the store checkpoints its WAL into it."""
    path = tmp_path_factory.mktemp("cogs") / "seeded.db"

    async def build() -> None:
        store = await Store.open(_url(path))
        try:
            await store.migrate()
            await seed(store)
        finally:
            await store.close()

    asyncio.run(build())
    return path


@pytest.fixture
async def store(seeded_db: Path, tmp_path: Path) -> AsyncIterator[Store]:
    copy = tmp_path / "t.db"
    shutil.copyfile(seeded_db, copy)
    opened = await Store.open(_url(copy))
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def bot(store: Store) -> Any:
    return make_bot(store)

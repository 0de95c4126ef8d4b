"""Fixtures of the command tests: a real SQLite store seeded with JFK8 and Bessemer (built
and migrated once, copied per test), the same on PostgreSQL when TALLYBOT_TEST_PG_URL is set
(`any_store`), and a spec'd bot around it."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.store import Store
from tests.conftest import admin_sql
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


def _in_a_thread(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to its end on a loop of its own (fixtures made inside a running one)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, make()).result()


@pytest.fixture(scope="session")
def pg_seeded(pg_url: str) -> Iterator[str]:
    """A PostgreSQL database for this session, migrated and seeded (skips without one)."""
    name = f"tallybot_cogs_{secrets.token_hex(4)}"
    _in_a_thread(lambda: admin_sql(pg_url, f'CREATE DATABASE "{name}"'))
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)

    async def build() -> None:
        store = await Store.open(url)
        try:
            await store.migrate()
            await seed(store)
        finally:
            await store.close()

    try:
        _in_a_thread(build)
        yield url
    finally:
        _in_a_thread(lambda: admin_sql(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_store(
    request: pytest.FixtureRequest, seeded_db: Path, tmp_path: Path
) -> AsyncIterator[Store]:
    """The seeded store on SQLite, and on PostgreSQL (its subscriptions emptied first)."""
    if request.param == "sqlite":
        copy = tmp_path / "t.db"
        shutil.copyfile(seeded_db, copy)
        opened = await Store.open(_url(copy))
    else:
        opened = await Store.open(request.getfixturevalue("pg_seeded"))
        async with opened.engine.begin() as conn:
            await conn.exec_driver_sql("DELETE FROM subscriptions")
    try:
        yield opened
    finally:
        await opened.close()

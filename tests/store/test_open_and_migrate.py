"""Opening and migrating the store on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from bot.core.models import Election
from bot.store import Store
from bot.store.schema import metadata
from tests.store.helpers import T0


async def _tables(store: Store) -> set[str]:
    async with store.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_migrate_creates_every_table_on_a_fresh_database(empty_store: Store) -> None:
    assert await _tables(empty_store) == set()
    await empty_store.migrate()
    assert await _tables(empty_store) == set(metadata.tables) | {"alembic_version"}


async def test_migrate_again_changes_nothing_and_keeps_the_data(store: Store) -> None:
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed([Election(id="jfk8", name="Amazon JFK8")], now=T0)
    await store.migrate()
    await store.migrate()
    async with store.read() as uow:
        found = await uow.elections.get("jfk8")
        version = await uow.connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert found == Election(id="jfk8", name="Amazon JFK8")
    assert version == "0001"


async def test_migrated_schema_matches_the_table_definitions(store: Store) -> None:
    def differences(conn: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))

    async with store.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as uow:
            await uow.elections.upsert_from_feed([Election(id="jfk8")], now=T0)
            raise RuntimeError("poll failed half way")
    async with store.read() as uow:
        assert await uow.elections.get("jfk8") is None


async def test_the_sqlite_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there" / "tallybot.db"
    store = await Store.open(f"sqlite+aiosqlite:///{path}")
    try:
        await store.migrate()
    finally:
        await store.close()
    assert path.is_file()


async def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite:///{tmp_path / 'tallybot.db'}", busy_timeout_ms=1234)
    try:
        async with store.read() as uow:
            conn = uow.connection
            assert await conn.scalar(text("PRAGMA journal_mode")) == "wal"
            assert await conn.scalar(text("PRAGMA foreign_keys")) == 1
            assert await conn.scalar(text("PRAGMA busy_timeout")) == 1234
    finally:
        await store.close()


async def test_a_heroku_style_postgres_url_opens(pg_database: str) -> None:
    url = make_url(pg_database)
    heroku = url.set(drivername="postgres").update_query_dict({"sslmode": "disable"})
    store = await Store.open(heroku.render_as_string(hide_password=False))
    try:
        assert store.dialect == "postgresql"
        async with store.read() as uow:
            assert await uow.connection.scalar(text("SELECT 1")) == 1
    finally:
        await store.close()

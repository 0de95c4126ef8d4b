"""Opening and migrating the store on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from bot.core.models import DeliveryMode, Election, Event
from bot.core.plan import NewDelivery
from bot.store import DeliveryState, Store
from bot.store.schema import metadata
from tests.store.helpers import T0, tally


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
    assert version == "0002"


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


async def test_the_outbox_moves_into_posts_and_deliveries_keeping_ids(empty_store: Store) -> None:
    """A database at 0001 with queued, in-flight and sent outbox rows: after the upgrade the
    undelivered ones are deliveries with the same ids (so the same nonces), and new ids
    continue after every old one (a sent row's nonce is never reused)."""
    from alembic import command
    from alembic.config import Config

    from bot.store.codec import dumps, tally_to_json
    from bot.store.database import MIGRATIONS

    def upgrade_to(conn: Connection, revision: str) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, revision)

    snapshot = dumps(tally_to_json(tally(union=1518, against=1154)))
    async with empty_store.engine.begin() as conn:
        await conn.run_sync(upgrade_to, "0001")
        for row_id, state in ((3, "queued"), (4, "sending"), (9, "sent")):
            await conn.execute(
                text(
                    "INSERT INTO outbox (id, target, election_id, round, events, tally, "
                    "generation, state, attempts, next_attempt_at, created_at) VALUES "
                    "(:id, 'channel:1', 'jfk8', 'initial', :events, :tally, 2, :state, 1, "
                    ":when, :when)"
                ),
                {
                    "id": row_id,
                    "events": '["count_updated"]',
                    "tally": snapshot,
                    "state": state,
                    "when": T0.replace(tzinfo=None) if empty_store.dialect == "sqlite" else T0,
                },
            )
    await empty_store.migrate()
    async with empty_store.transaction() as uow:
        moved = [await uow.deliveries.get(i) for i in (3, 4, 9)]
        assert moved[0] is not None
        old_post = (await uow.posts.get_many([moved[0].post_id]))[moved[0].post_id]
        (post,) = await uow.posts.add_many([old_post], T0)
        await uow.deliveries.add_many(
            [NewDelivery(0, "channel:2", DeliveryMode.POST, 0)], [post], T0
        )
        newest = await uow.connection.scalar(text("SELECT MAX(id) FROM deliveries"))
    assert [d.generation if d else None for d in moved] == [2, 2, None]
    assert moved[0] is not None and moved[0].state is DeliveryState.QUEUED
    assert moved[0].events == (Event.COUNT_UPDATED,)
    assert newest == 10

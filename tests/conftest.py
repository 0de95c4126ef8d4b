"""Shared test fixtures: where `../shared` is, the PostgreSQL URL, hypothesis profiles."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.store import Store

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=150)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def shared_path() -> Path | None:
    """`TALLYBOT_SHARED`, else `../shared` beside the repository root; None when absent."""
    configured = os.environ.get("TALLYBOT_SHARED")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder; skips the test when it is absent, except under CI."""
    path = shared_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("../shared (or TALLYBOT_SHARED) is missing, and CI needs it")
        pytest.skip("../shared is absent: set TALLYBOT_SHARED to run tests on the shared data")
    return path


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A PostgreSQL URL for store tests; skips outside CI when none is configured."""
    url = os.environ.get("TALLYBOT_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("TALLYBOT_TEST_PG_URL is not set under CI")
        pytest.skip("TALLYBOT_TEST_PG_URL is not set: no PostgreSQL to test against")
    return url


async def admin_sql(url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE/ALTER/DROP DATABASE)."""
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
    asyncio.run(admin_sql(pg_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin_sql(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty database of each backend."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("store")
        return f"sqlite+aiosqlite:///{folder / 'data' / 'tallybot.db'}"
    url: str = request.getfixturevalue("pg_database")
    return url


_SQLITE_TEMPLATE: dict[str, Path] = {}
_KEEP = ("alembic_version", "store_meta")  # the schema's version and the nonce salt


async def fresh_store(url: str, folder: Path | None = None) -> Store:
    """A migrated, empty store, fast: SQLite copies a database migrated once per session;
    PostgreSQL empties the tables of its session database (migrating it when a test
    dropped the schema)."""
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        template = _SQLITE_TEMPLATE.get("path")
        if template is None:
            template = Path(tempfile.mkdtemp(prefix="tallybot-template-")) / "template.db"
            made = await Store.open(f"sqlite+aiosqlite:///{template}")
            await made.migrate()
            await made.close()
            _SQLITE_TEMPLATE["path"] = template
        shutil.copyfile(template, path)
        return await Store.open(url)
    store = await Store.open(url)
    async with store.engine.begin() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        if not tables or "alembic_version" not in tables:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
    if not tables or "alembic_version" not in tables:
        await store.migrate()
        return store
    data = ", ".join(f'"{t}"' for t in sorted(tables) if t not in _KEEP)
    async with store.engine.begin() as conn:
        await conn.exec_driver_sql(f"TRUNCATE {data} RESTART IDENTITY CASCADE")
    await store.migrate()  # a no-op at head; brings an older schema up
    return store

"""Storage (DESIGN §11: sent deliveries do not grow the database past the retention window):
the space the posts and deliveries tables (with their indexes) take after 10,000 posts were
sent with `database.retention: 0s`, against the space they took after a warm-up of 1,000.

The runtime is the one bot.cli.root.build_runtime builds, with a counting sender: its
poller plans 100 posts a poll (100 elections changed, one channel following all), its
delivery worker sends them and prunes (the worker's own loop; the bench shortens its
pruning period from 60 s to `PRUNE_EVERY_S` so that 10,000 posts need not take an hour).
SQLite sizes come from `dbstat`, PostgreSQL's from `pg_total_relation_size`. PostgreSQL runs
when TALLYBOT_BENCH_PG_URL (else TALLYBOT_TEST_PG_URL) names a server, in a database of its
own made and dropped around the run (as bench/failover.py does), with `PG_POSTS` posts and a
plain `VACUUM posts, deliveries` every `VACUUM_EVERY_S` doing autovacuum's work (the bot
leaves that to the server: with autovacuum off, deleted rows' space is never reused). Its
warm-up, `PG_WARMUP` posts, spans several of those vacuums: the tables' steady size holds the
rows deleted since the last vacuum, so a warm-up shorter than a vacuum period measures the
tables before they reach it and calls the steady state growth."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bench.common import CountingSender, Figure, bench_feed, bench_settings, subscribe_channels
from bench.documents import native_feed
from bench.replicas import pg_server_url
from bot.cli.root import build_runtime
from bot.services import delivery as delivery_module
from bot.services.runtime import Runtime
from bot.store import ALL_ELECTIONS, Store
from tests.services.replicas_support import fresh_pg_database

TARGET_RATIO = 1.1  # flat, give or take a few pages
ELECTIONS = 100  # changed at every poll: one post each
PRUNE_EVERY_S = 0.5
PG_POSTS = 4_000
PG_WARMUP = 2_000
VACUUM_EVERY_S = 2.0
TABLES = ("posts", "deliveries")


@dataclass(frozen=True)
class Sizes:
    """The two tables' bytes (indexes included), the database's, and their rows."""

    tables: int
    database: int
    rows: int


async def measure(posts: int = 10_000, warmup: int = 1_000) -> list[Figure]:
    """The SQLite figure, and PostgreSQL's when TALLYBOT_BENCH_PG_URL is set."""
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        folder = Path(tmp)
        figures = [
            await _figure(f"sqlite+aiosqlite:///{folder / 'bench.db'}", folder, posts, warmup)
        ]
        server = pg_server_url()
        if server:
            pg_posts = min(posts, PG_POSTS)
            pg_warmup = min(warmup * 2, PG_WARMUP)
            async with fresh_pg_database(server) as pg_url:
                figures.append(await _figure(pg_url, folder, pg_posts, pg_warmup))
    return figures


async def _figure(url: str, folder: Path, posts: int, warmup: int) -> Figure:
    store = await _fresh(url)
    try:
        dialect = store.dialect
        vacuum = await _autovacuum(store) if dialect == "postgresql" else "n/a"
        async with _vacuuming(store):
            before, after, sent_s, pruned_s = await _run(store, folder, posts, warmup)
    finally:
        await store.close()
    name = "SQLite" if dialect == "sqlite" else "PostgreSQL"
    how = "dbstat" if dialect == "sqlite" else "pg_total_relation_size"
    vacuumed = (
        ""
        if dialect == "sqlite"
        else f"; a plain VACUUM of the two tables every {VACUUM_EVERY_S:g} s, as autovacuum "
        f"would do (this server's autovacuum: {vacuum})"
    )
    return Figure(
        key="storage",
        name=f"Storage, {name}: posts + deliveries after {posts:,} sent posts, retention 0s",
        value=after.tables / max(1, before.tables),
        unit="×",
        target=TARGET_RATIO,
        detail=(
            f"{_kb(after.tables)} after {posts:,} more sent posts, {_kb(before.tables)} after the "
            f"first {warmup:,} ({how}, indexes included{vacuumed}); {after.rows} row(s) left; "
            f"the whole database {_kb(before.database)} → {_kb(after.database)} (the tally "
            f"history keeps every change: {posts:,} rows); sent in {sent_s:.1f} s, all pruned "
            f"{pruned_s:.1f} s after the last send"
        ),
        extra={
            "before_bytes": before.tables,
            "after_bytes": after.tables,
            "rows_left": after.rows,
            "database_before": before.database,
            "database_after": after.database,
        },
    )


async def _fresh(url: str) -> Store:
    """A migrated store on a new database."""
    store = await Store.open(url)
    await store.migrate()
    return store


async def _run(
    store: Store, folder: Path, posts: int, warmup: int
) -> tuple[Sizes, Sizes, float, float]:
    path = folder / "feed.json"
    _write(path, native_feed(ELECTIONS))
    sender = CountingSender()
    settings = bench_settings(bench_feed("bench", path.as_uri()), retention_s=0.0)
    async with aiohttp.ClientSession() as session:
        runtime = build_runtime(settings, store, session, sender)
        await subscribe_channels(store, [1], [ALL_ELECTIONS])
        await _poll(runtime, "stored")  # the silent baseline
        with _pruning_every(PRUNE_EVERY_S):
            runtime.worker.start()
            try:
                bump = await _send(runtime, sender, path, warmup, bump=0)
                await _pruned(runtime)
                before = await sizes(store)
                started = time.perf_counter()
                await _send(runtime, sender, path, posts, bump=bump)
                sent = time.perf_counter()
                await _pruned(runtime)
                pruned = time.perf_counter()
                after = await sizes(store)
            finally:
                await runtime.worker.stop()
    return before, after, sent - started, pruned - sent


async def _send(runtime: Runtime, sender: CountingSender, path: Path, posts: int, bump: int) -> int:
    """Poll documents with every election moved on until `posts` more were sent."""
    goal = sender.count + posts
    while sender.count < goal:
        bump += 1
        changed = min(ELECTIONS, goal - sender.count)
        _write(path, native_feed(ELECTIONS, changed=changed, bump=bump))
        await _poll(runtime, "stored")
        await sender.wait_for(sender.count + changed, 60)
    return bump


async def _poll(runtime: Runtime, outcome: str) -> None:
    report = await runtime.poller.poll("bench")
    if report.outcome != outcome:
        raise RuntimeError(f"storage bench poll: expected {outcome}, got {report}")


async def _pruned(runtime: Runtime, limit_s: float = 30.0) -> None:
    """Until the worker has pruned every sent delivery and post (it says nothing when; an
    idle worker looks again every 5 s, a woken one at once)."""
    for _ in range(int(limit_s / 0.1)):
        if not (await sizes(runtime.store)).rows:
            return
        runtime.worker.wake()
        await asyncio.sleep(0.1)
    raise TimeoutError(f"sent deliveries and posts still there after {limit_s:g} s")


async def sizes(store: Store) -> Sizes:
    async with store.read() as uow:
        conn = uow.connection
        rows = 0
        for table in TABLES:
            rows += int(await conn.scalar(text(f"SELECT COUNT(*) FROM {table}")) or 0)
        if store.dialect == "sqlite":
            tables = await conn.scalar(
                text(
                    "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name IN ('posts', 'deliveries'))"
                )
            )
            database = await conn.scalar(
                text("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
            )
        else:
            tables = await conn.scalar(
                text(
                    "SELECT pg_total_relation_size('posts') + pg_total_relation_size('deliveries')"
                )
            )
            database = await conn.scalar(text("SELECT pg_database_size(current_database())"))
    return Sizes(int(tables or 0), int(database or 0), rows)


@contextmanager
def _pruning_every(seconds: float) -> Iterator[None]:
    """The delivery worker prunes every `seconds` (its module's constant, read each loop)."""
    original = delivery_module.PRUNE_EVERY_S
    delivery_module.PRUNE_EVERY_S = seconds
    try:
        yield
    finally:
        delivery_module.PRUNE_EVERY_S = original


async def _autovacuum(store: Store) -> str:
    async with store.read() as uow:
        return str(await uow.connection.scalar(text("SHOW autovacuum")))


@asynccontextmanager
async def _vacuuming(store: Store) -> AsyncIterator[None]:
    """On PostgreSQL, VACUUM the two tables every VACUUM_EVERY_S while the block runs."""
    if store.dialect != "postgresql":
        yield
        return

    async def vacuum() -> None:
        async with store.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            while True:
                await asyncio.sleep(VACUUM_EVERY_S)
                await conn.exec_driver_sql("VACUUM posts, deliveries")

    task = asyncio.create_task(vacuum(), name="bench-vacuum")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def _write(path: Path, body: bytes) -> None:
    path.write_bytes(body)


def _kb(size: int) -> str:
    return f"{size / 1024:,.0f} KB"

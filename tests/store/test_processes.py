"""The processes table: heartbeats upserted, live ones counted in a window, the dead pruned."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import Store
from bot.store.processes import ProcessInfo, ProcessRepo, this_process
from tests.store.helpers import T0

WINDOW = timedelta(seconds=10)


@pytest.fixture
async def repo_store(store: Store) -> Store:
    """A migrated store (the processes table is part of the schema)."""
    return store


def process(
    name: str, *, leader: bool = False, shard_ids: tuple[int, ...] | None = None
) -> ProcessInfo:
    return ProcessInfo(f"host:{name}", "host", len(name), T0, leader, shard_ids)


async def test_a_heartbeat_is_one_row_per_process_refreshed_in_place(repo_store: Store) -> None:
    async with repo_store.transaction() as uow:
        repo = ProcessRepo(uow.connection)
        await repo.beat(process("a"), T0)
        await repo.beat(process("a", leader=True, shard_ids=(0, 1)), T0 + timedelta(seconds=3))
        await repo.beat(process("b"), T0 + timedelta(seconds=3))
    async with repo_store.read() as uow:
        rows = await ProcessRepo(uow.connection).alive(T0 + timedelta(seconds=4), WINDOW)

    assert [r.info.id for r in rows] == ["host:a", "host:b"]
    assert rows[0].info.leader and rows[0].info.shard_ids == (0, 1)
    assert rows[0].heartbeat_at == T0 + timedelta(seconds=3)
    assert rows[1].info.shard_ids is None and not rows[1].info.leader


async def test_only_recent_heartbeats_count_as_alive(repo_store: Store) -> None:
    async with repo_store.transaction() as uow:
        repo = ProcessRepo(uow.connection)
        await repo.beat(process("old"), T0)
        await repo.beat(process("new"), T0 + timedelta(seconds=8))
        at_9 = await repo.count_alive(T0 + timedelta(seconds=9), WINDOW)
        at_12 = await repo.count_alive(T0 + timedelta(seconds=12), WINDOW)
        at_20 = await repo.count_alive(T0 + timedelta(seconds=20), WINDOW)
    assert (at_9, at_12, at_20) == (2, 1, 0)


async def test_a_process_that_leaves_or_went_silent_long_ago_is_removed(repo_store: Store) -> None:
    async with repo_store.transaction() as uow:
        repo = ProcessRepo(uow.connection)
        for name in ("a", "b", "c"):
            await repo.beat(process(name), T0)
        await repo.beat(process("c"), T0 + timedelta(hours=2))
        await repo.leave("host:a")
        pruned = await repo.prune(T0 + timedelta(hours=1))
        rows = await repo.alive(T0 + timedelta(hours=2), WINDOW)
    assert pruned == 1
    assert [r.info.id for r in rows] == ["host:c"]


def test_this_process_has_an_id_of_its_own_at_every_start() -> None:
    first, second = this_process(T0), this_process(T0)
    assert first.pid == second.pid and first.host == second.host
    assert first.id != second.id and len(first.id) <= 64

"""The `processes` table: one row per running `run` process, its heartbeat refreshed every few
seconds, so every process knows how many share Discord's rate budget (DESIGN §9).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    RowMapping,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store._sql import insert_for
from bot.store.schema import processes

# The key heartbeats take turns on ("7a11b07": tallybot, "bea7": beat); the leader's lock
# and the migration lock use others.
BEAT_LOCK_KEY = 0x7A11B07_BEA7


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """One process as it describes itself in its heartbeat."""

    id: str
    host: str
    pid: int
    started_at: datetime
    leader: bool = False
    shard_ids: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class ProcessRow:
    """A process as the table holds it."""

    info: ProcessInfo
    heartbeat_at: datetime


def this_process(started_at: datetime) -> ProcessInfo:
    """This process: its host, pid and an id of its own (pids repeat across restarts)."""
    host = socket.gethostname()[:200]
    return ProcessInfo(
        id=f"{host}:{os.getpid()}:{secrets.token_hex(4)}",
        host=host,
        pid=os.getpid(),
        started_at=started_at,
    )


class ProcessRepo:
    """Heartbeats over one connection (use inside `Store.transaction()`: `ProcessRepo(uow.
    connection)`)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def beat(self, info: ProcessInfo, now: datetime) -> None:
        """Insert or refresh this process's row. On PostgreSQL, heartbeats take turns (a
        transaction lock, held to commit): two processes starting together would otherwise
        each count itself alone, before the other's row is committed, and both send at the
        whole rate until their next beat."""
        if self._conn.dialect.name == "postgresql":
            await self._conn.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": BEAT_LOCK_KEY}
            )
        values = {
            "id": info.id,
            "host": info.host,
            "pid": info.pid,
            "leader": info.leader,
            "shard_ids": _shards_text(info.shard_ids),
            "started_at": info.started_at,
            "heartbeat_at": now,
        }
        insert = insert_for(self._conn, processes).values(values)
        refreshed = {k: insert.excluded[k] for k in ("leader", "shard_ids", "heartbeat_at")}
        await self._conn.execute(
            insert.on_conflict_do_update(index_elements=["id"], set_=refreshed)
        )

    async def count_alive(self, now: datetime, window: timedelta) -> int:
        """Processes whose last heartbeat is younger than `window`."""
        query = select(func.count()).where(processes.c.heartbeat_at > now - window)
        return int(await self._conn.scalar(query) or 0)

    async def alive(self, now: datetime, window: timedelta) -> list[ProcessRow]:
        """The live processes, oldest first."""
        query = (
            select(processes)
            .where(processes.c.heartbeat_at > now - window)
            .order_by(processes.c.started_at, processes.c.id)
        )
        return [_row(r) for r in (await self._conn.execute(query)).mappings()]

    async def leave(self, process_id: str) -> None:
        """Remove a process that stops cleanly: the others' shares grow at their next beat."""
        await self._conn.execute(delete(processes).where(processes.c.id == process_id))

    async def prune(self, before: datetime) -> int:
        """Forget processes silent since `before` (killed ones leave their row behind)."""
        result = await self._conn.execute(
            delete(processes).where(processes.c.heartbeat_at < before)
        )
        return int(result.rowcount or 0)


def _shards_text(shard_ids: Sequence[int] | None) -> str | None:
    return None if shard_ids is None else ",".join(str(s) for s in shard_ids)


def _row(m: RowMapping) -> ProcessRow:
    shards = m["shard_ids"]
    info = ProcessInfo(
        id=m["id"],
        host=m["host"],
        pid=m["pid"],
        started_at=m["started_at"],
        leader=m["leader"],
        shard_ids=tuple(int(s) for s in shards.split(",")) if shards else None,
    )
    return ProcessRow(info, m["heartbeat_at"])

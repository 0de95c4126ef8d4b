"""Per-feed state: validators, content hash, first sight, health and back-off."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store._sql import AnyRow, insert_for
from bot.store.records import FeedState
from bot.store.schema import feed_state as feed_state_t

_FIELDS = tuple(f.name for f in dataclasses.fields(FeedState))


class FeedStateRepo:
    """Feed state in one unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, feed_id: str) -> FeedState | None:
        """The stored state of a feed, or None for a feed never polled."""
        query = select(feed_state_t).where(feed_state_t.c.feed_id == feed_id)
        row = (await self._conn.execute(query)).first()
        return None if row is None else _state(row)

    async def get_all(self) -> list[FeedState]:
        """Every feed's state, by id (for /feeds)."""
        query = select(feed_state_t).order_by(feed_state_t.c.feed_id)
        return [_state(row) for row in await self._conn.execute(query)]

    async def save(self, state: FeedState) -> None:
        """Insert or replace a feed's state."""
        values = {name: getattr(state, name) for name in _FIELDS}
        values["problems"] = list(state.problems) or None
        insert = insert_for(self._conn, feed_state_t).values(values)
        updated = {name: insert.excluded[name] for name in _FIELDS if name != "feed_id"}
        await self._conn.execute(
            insert.on_conflict_do_update(index_elements=["feed_id"], set_=updated)
        )


def _state(row: AnyRow) -> FeedState:
    values = {name: getattr(row, name) for name in _FIELDS}
    values["problems"] = tuple(row.problems or ())
    return FeedState(**values)

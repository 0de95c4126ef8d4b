"""Live messages: the one message per (target, election, round) that follows a count."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store._sql import AnyRow, chunked, insert_for
from bot.store.records import LiveMessage
from bot.store.schema import live_messages as live_t

_c = live_t.c


class LiveMessageRepo:
    """Live messages in one unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def existing(self, keys: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str, str]]:
        """(target, election, round) of every live message of these (election, round)s."""
        wanted = set(keys)
        found: set[tuple[str, str, str]] = set()
        for batch in chunked({election_id for election_id, _ in wanted}):
            query = select(_c.target, _c.election_id, _c.round).where(_c.election_id.in_(batch))
            for target, election_id, round_ in await self._conn.execute(query):
                if (election_id, round_) in wanted:
                    found.add((target, election_id, round_))
        return frozenset(found)

    async def get(self, target: str, election_id: str, round_: str) -> LiveMessage | None:
        query = select(live_t).where(_key(target, election_id, round_))
        row = (await self._conn.execute(query)).first()
        return None if row is None else _live(row)

    async def save(self, message: LiveMessage, now: datetime) -> None:
        """Record (or replace) the live message of its (target, election, round)."""
        values = {
            "target": message.target,
            "election_id": message.election_id,
            "round": message.round,
            "message_id": message.message_id,
            "channel_id": message.channel_id,
            "subscription_id": message.subscription_id,
            "post_id": message.post_id,
            "created_at": now,
            "updated_at": now,
        }
        insert = insert_for(self._conn, live_t).values(values)
        changed = ("message_id", "channel_id", "subscription_id", "post_id", "updated_at")
        await self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=["target", "election_id", "round"],
                set_={name: insert.excluded[name] for name in changed},
            )
        )

    async def touch(
        self, target: str, election_id: str, round_: str, post_id: int, now: datetime
    ) -> None:
        """An edit went out: the message now shows `post_id`."""
        await self._conn.execute(
            update(live_t)
            .where(_key(target, election_id, round_))
            .values(post_id=post_id, updated_at=now)
        )

    async def forget(self, target: str, election_id: str, round_: str) -> bool:
        """The message is gone (deleted in Discord): the next change creates a new one."""
        result = await self._conn.execute(delete(live_t).where(_key(target, election_id, round_)))
        return bool(result.rowcount)

    async def for_subscriptions(self, ids: Iterable[int]) -> list[LiveMessage]:
        """The live messages of these subscriptions (for /subscriptions)."""
        found: list[LiveMessage] = []
        for batch in chunked(set(ids)):
            query = select(live_t).where(_c.subscription_id.in_(batch)).order_by(_c.created_at)
            found.extend(_live(row) for row in await self._conn.execute(query))
        return found


def _key(target: str, election_id: str, round_: str) -> ColumnElement[bool]:
    return and_(_c.target == target, _c.election_id == election_id, _c.round == round_)


def _live(row: AnyRow) -> LiveMessage:
    return LiveMessage(
        target=row.target,
        election_id=row.election_id,
        round=row.round,
        message_id=row.message_id,
        channel_id=row.channel_id,
        subscription_id=row.subscription_id,
        post_id=row.post_id,
    )

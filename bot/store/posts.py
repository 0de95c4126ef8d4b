"""Posts: each change of one (election, round) stored once, whatever its number of targets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import Event, Post
from bot.store._sql import AnyRow, chunked
from bot.store.codec import encode_tally, tally_from_json, tally_to_json
from bot.store.records import StoredPost
from bot.store.schema import deliveries as deliveries_t
from bot.store.schema import posts as posts_t

_c = posts_t.c


class PostRepo:
    """Posts in one unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, posts: Sequence[Post], now: datetime) -> list[StoredPost]:
        """Store posts, in order (one INSERT … RETURNING each: a poll plans at most one post
        per election, and the deliveries need their ids)."""
        stored = []
        for post in posts:
            values = {
                "election_id": post.election_id,
                "round": post.round,
                "events": [e.value for e in post.events],
                "tally": encode_tally(post.tally),
                "previous": None if post.previous is None else encode_tally(post.previous),
                "other_rounds": [tally_to_json(t) for t in post.other_rounds],
                "planned_at": post.planned_at or now,
            }
            new_id = await self._conn.scalar(posts_t.insert().values(values).returning(_c.id))
            stored.append(StoredPost(int(new_id), post))
        return stored

    async def get_many(self, ids: Iterable[int]) -> dict[int, Post]:
        """Posts by id."""
        found: dict[int, Post] = {}
        for batch in chunked(set(ids)):
            for row in await self._conn.execute(select(posts_t).where(_c.id.in_(batch))):
                found[row.id] = _post(row)
        return found

    async def prune(self, before: datetime) -> int:
        """Delete posts planned before `before` that no delivery points at any more."""
        d = deliveries_t.c
        needed = exists().where(or_(d.post_id == _c.id, d.first_post_id == _c.id))
        result = await self._conn.execute(delete(posts_t).where(_c.planned_at < before, ~needed))
        return int(result.rowcount)


def _post(row: AnyRow) -> Post:
    return Post(
        election_id=row.election_id,
        round=row.round,
        events=tuple(Event(e) for e in row.events),
        tally=tally_from_json(row.tally),
        previous=None if row.previous is None else tally_from_json(row.previous),
        other_rounds=tuple(tally_from_json(t) for t in row.other_rounds),
        planned_at=row.planned_at,
    )

"""Deliveries: one post (or a span of coalesced posts) to one target, claimed with a lease,
settled only by the lease holder, in order per (target, election, round) (DESIGN §7).

A delivery is claimable when it is queued and due, or when it is `sending` under a lease
that expired (its holder died: the same nonce goes out again, and Discord answers a repeated
nonce with the first message). It is never claimable while an older delivery to the same
(target, election, round) is still open, so a target never sees a stale state last.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import DeliveryMode, Event
from bot.core.plan import Merge, NewDelivery, OpenDelivery
from bot.store._sql import AnyRow, bulk_insert, chunked
from bot.store.records import Delivery, DeliveryState, StoredPost
from bot.store.schema import deliveries as deliveries_t

_c = deliveries_t.c
# Literal predicates (not bound parameters) so SQLite and PostgreSQL use the partial indexes.
_QUEUED = text("deliveries.state = 'queued'")
_OPEN = text("deliveries.state IN ('queued', 'sending')")
_SETTLED = text("deliveries.state IN ('sent', 'failed')")
NONCE_MAX = 25
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_QUEUED_V, _SENDING_V = DeliveryState.QUEUED.value, DeliveryState.SENDING.value


def base36(number: int) -> str:
    """`number` (≥ 0) in base 36, lower case."""
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _DIGITS[rest] + digits
        if number == 0:
            return digits


def make_nonce(salt: str, delivery_id: int, generation: int) -> str:
    """The Discord nonce of a delivery: per-database salt, id, generation. The salt keeps a
    recreated database (ids from 1 again) from reusing a nonce Discord still remembers."""
    nonce = f"tb{salt}{base36(delivery_id)}-{base36(generation)}"
    if len(nonce) > NONCE_MAX:
        raise ValueError(f"nonce {nonce!r} is longer than {NONCE_MAX} characters")
    return nonce


class DeliveryRepo:
    """Deliveries in one unit of work."""

    def __init__(self, conn: AsyncConnection, salt: Callable[[], Awaitable[str]]) -> None:
        self._conn = conn
        self._salt = salt  # the per-database nonce salt, read once

    async def add_many(
        self, planned: Sequence[NewDelivery], posts: Sequence[StoredPost], now: datetime
    ) -> None:
        """Queue the plan's new deliveries (`posts[d.post]` is each one's stored post)."""
        rows = [_new_row(d, posts[d.post], now) for d in planned]
        await bulk_insert(self._conn, deliveries_t, rows)

    async def merge(self, merges: Sequence[Merge], posts: Sequence[StoredPost]) -> int:
        """Point queued deliveries at newer posts (coalescing); returns how many took it."""
        if not merges:
            return 0
        statement = (
            update(deliveries_t)
            .where(_c.id == bindparam("row_id"), _QUEUED)
            .values(
                post_id=bindparam("new_post_id"),
                events=bindparam("new_events"),
                mention_role_id=bindparam("new_role"),
                generation=_c.generation + bindparam("bump"),
            )
        )
        params = [
            {
                "row_id": m.delivery_id,
                "new_post_id": posts[m.post].id,
                "new_events": [e.value for e in m.events],
                "new_role": m.mention_role_id,
                "bump": 1 if m.new_nonce else 0,
            }
            for m in merges
        ]
        result = await self._conn.execute(statement, params)
        return int(result.rowcount)

    async def open_for(self, keys: Iterable[tuple[str, str]]) -> list[OpenDelivery]:
        """The open deliveries of these (election, round)s, for the planner; locked against
        concurrent claims until this transaction ends (PostgreSQL)."""
        wanted = set(keys)
        found: list[OpenDelivery] = []
        for batch in chunked({election_id for election_id, _ in wanted}):
            query = (
                select(*_OPEN_COLUMNS)
                .where(_OPEN, _c.election_id.in_(batch))
                .order_by(_c.id)
                .with_for_update()
            )
            for row in await self._conn.execute(query):
                if (row.election_id, row.round) in wanted:
                    found.append(_open(row))
        return found

    async def claim(
        self, holder: str, limit: int, now: datetime, lease: timedelta
    ) -> list[Delivery]:
        """Lease up to `limit` claimable deliveries to `holder`: expired leases first, then
        queued ones by their rank in their post's fan-out (so polls interleave), oldest
        first. PostgreSQL skips rows another claimer holds (FOR UPDATE SKIP LOCKED)."""
        older = deliveries_t.alias("older")
        blocked = exists().where(
            older.c.target == _c.target,
            older.c.election_id == _c.election_id,
            older.c.round == _c.round,
            older.c.id < _c.id,
            older.c.state.in_([_QUEUED_V, _SENDING_V]),
        )
        expired = (
            select(_c.id)
            .where(_c.state == _SENDING_V, _c.lease_expires_at < now, ~blocked)
            .order_by(_c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await self._conn.scalars(expired)).all())
        if len(ids) < limit:
            due = (
                select(_c.id)
                .where(_QUEUED, _c.next_attempt_at <= now, ~blocked)
                .order_by(_c.seq, _c.id)
                .limit(limit - len(ids))
                .with_for_update(skip_locked=True)
            )
            ids.extend((await self._conn.scalars(due)).all())
        if not ids:
            return []
        claimed = (
            update(deliveries_t)
            .where(_c.id.in_(ids))
            .values(state=_SENDING_V, lease_holder=holder, lease_expires_at=now + lease)
            .returning(*deliveries_t.c)
        )
        rows = (await self._conn.execute(claimed)).all()
        order = {delivery_id: index for index, delivery_id in enumerate(ids)}
        salt = await self._salt()
        return sorted((_delivery(row, salt) for row in rows), key=lambda d: order[d.id])

    async def renew(self, holder: str, ids: Iterable[int], until: datetime) -> int:
        """Extend `holder`'s leases on these deliveries (still in flight)."""
        total = 0
        for batch in chunked(set(ids)):
            result = await self._conn.execute(
                update(deliveries_t)
                .where(_c.id.in_(batch), _c.lease_holder == holder, _c.state == _SENDING_V)
                .values(lease_expires_at=until)
            )
            total += int(result.rowcount)
        return total

    async def mark_sent(
        self, delivery_id: int, holder: str, now: datetime, message_id: int | None = None
    ) -> bool:
        """Delivered; False when `holder` no longer holds it (its lease expired and another
        process took it)."""
        return await self._settle(
            delivery_id,
            holder,
            state=DeliveryState.SENT.value,
            settled_at=now,
            last_error=None,
            message_id=message_id,
            lease_holder=None,
            lease_expires_at=None,
        )

    async def reschedule(
        self, delivery_id: int, holder: str, error: str, next_attempt_at: datetime
    ) -> bool:
        """A transient failure: queued again for later, attempts + 1, same nonce."""
        return await self._settle(
            delivery_id,
            holder,
            state=_QUEUED_V,
            attempts=_c.attempts + 1,
            last_error=error,
            next_attempt_at=next_attempt_at,
            lease_holder=None,
            lease_expires_at=None,
        )

    async def recreate_live(self, delivery_id: int, holder: str, now: datetime) -> bool:
        """A live edit whose message is gone (404 Unknown Message): the same change goes out
        at once as a new live message, with a nonce of its own."""
        return await self._settle(
            delivery_id,
            holder,
            state=_QUEUED_V,
            mode=DeliveryMode.LIVE_CREATE.value,
            generation=_c.generation + 1,
            next_attempt_at=now,
            lease_holder=None,
            lease_expires_at=None,
        )

    async def mark_failed(self, delivery_id: int, holder: str, error: str, now: datetime) -> bool:
        """Failed for good (its subscription is disabled, say)."""
        return await self._settle(
            delivery_id,
            holder,
            state=DeliveryState.FAILED.value,
            attempts=_c.attempts + 1,
            last_error=error,
            settled_at=now,
            lease_holder=None,
            lease_expires_at=None,
        )

    async def requeue_all_in_flight(self) -> int:
        """SQLite at start (one process only): whatever a crash left `sending` was ours, so
        it goes back to queued at once with the same nonce, without waiting for its lease."""
        result = await self._conn.execute(
            update(deliveries_t)
            .where(_c.state == _SENDING_V)
            .values(state=_QUEUED_V, lease_holder=None, lease_expires_at=None)
        )
        return int(result.rowcount)

    async def queued_count(self) -> int:
        """Deliveries not yet sent or given up (queued or in flight)."""
        query = select(func.count()).select_from(deliveries_t).where(_OPEN)
        return int(await self._conn.scalar(query) or 0)

    async def get(self, delivery_id: int) -> Delivery | None:
        row = (await self._conn.execute(select(deliveries_t).where(_c.id == delivery_id))).first()
        return None if row is None else _delivery(row, await self._salt())

    async def prune(self, before: datetime) -> int:
        """Delete deliveries sent (or given up) before `before`; returns how many."""
        result = await self._conn.execute(
            delete(deliveries_t).where(_SETTLED, _c.settled_at < before)
        )
        return int(result.rowcount)

    async def _settle(self, delivery_id: int, holder: str, **values: Any) -> bool:
        result = await self._conn.execute(
            update(deliveries_t)
            .where(and_(_c.id == delivery_id, _c.state == _SENDING_V, _c.lease_holder == holder))
            .values(**values)
        )
        return bool(result.rowcount)


def _delivery(row: AnyRow, salt: str) -> Delivery:
    return Delivery(
        id=row.id,
        post_id=row.post_id,
        first_post_id=row.first_post_id,
        target=row.target,
        subscription_id=row.subscription_id,
        election_id=row.election_id,
        round=row.round,
        mode=DeliveryMode(row.mode),
        language=row.language,
        guild_id=row.guild_id,
        mention_role_id=row.mention_role_id,
        events=tuple(Event(e) for e in row.events),
        generation=row.generation,
        seq=row.seq,
        state=DeliveryState(row.state),
        lease_holder=row.lease_holder,
        lease_expires_at=row.lease_expires_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        message_id=row.message_id,
        created_at=row.created_at,
        settled_at=row.settled_at,
        nonce=make_nonce(salt, row.id, row.generation),
    )


_OPEN_COLUMNS = (
    _c.id,
    _c.target,
    _c.election_id,
    _c.round,
    _c.mode,
    _c.events,
    _c.state,
    _c.mention_role_id,
)


def _open(row: AnyRow) -> OpenDelivery:
    return OpenDelivery(
        id=row.id,
        target=row.target,
        election_id=row.election_id,
        round=row.round,
        mode=DeliveryMode(row.mode),
        events=tuple(Event(e) for e in row.events),
        queued=row.state == _QUEUED_V,
        mention_role_id=row.mention_role_id,
    )


def _new_row(planned: NewDelivery, stored: StoredPost, now: datetime) -> dict[str, Any]:
    post = stored.post
    return {
        "post_id": stored.id,
        "first_post_id": stored.id,
        "target": planned.target,
        "subscription_id": planned.subscription_id,
        "election_id": post.election_id,
        "round": post.round,
        "mode": planned.mode.value,
        "language": planned.language,
        "guild_id": planned.guild_id,
        "mention_role_id": planned.mention_role_id,
        "events": [e.value for e in post.events],
        "generation": 0,
        "seq": planned.seq,
        "state": _QUEUED_V,
        "lease_holder": None,
        "lease_expires_at": None,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "message_id": None,
        "created_at": now,
        "settled_at": None,
    }

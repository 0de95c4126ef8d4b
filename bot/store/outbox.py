"""The outbox: deliveries queued in the poller's transaction, claimed and settled by the
delivery worker; queued count-only updates coalesce (DESIGN §7)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import Event, Tally
from bot.store._sql import AnyRow, bulk_insert, chunked, utcnow
from bot.store.codec import EncodedJSON, encode_tally, tally_from_json
from bot.store.records import EnqueueReport, OutboxItem, OutboxRow, OutboxState
from bot.store.schema import outbox as outbox_t

_c = outbox_t.c
# Literal predicates (not bound parameters) so SQLite and PostgreSQL use the partial indexes.
_QUEUED = text("outbox.state = 'queued'")
_OPEN = text("outbox.state IN ('queued', 'sending')")
_COUNT_ONLY = frozenset({Event.COUNT_UPDATED})
NONCE_MAX = 25
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"

OutboxKey = tuple[str, str, str]  # (target, election id, round)


def base36(number: int) -> str:
    """`number` (≥ 0) in base 36, lower case."""
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _DIGITS[rest] + digits
        if number == 0:
            return digits


def make_nonce(salt: str, row_id: int, generation: int) -> str:
    """The Discord nonce of an outbox row: per-database salt, row id, generation.

    The salt keeps a recreated database (ids from 1 again) from reusing a nonce Discord
    still remembers, which would swallow the post.
    """
    nonce = f"tb{salt}{base36(row_id)}-{base36(generation)}"
    if len(nonce) > NONCE_MAX:
        raise ValueError(f"nonce {nonce!r} is longer than {NONCE_MAX} characters")
    return nonce


def union_events(*groups: Iterable[Event]) -> tuple[Event, ...]:
    """The events of all groups, each once, in Event enum order."""
    present = {event for group in groups for event in group}
    return tuple(event for event in Event if event in present)


class OutboxRepo:
    """The outbox in one unit of work."""

    def __init__(self, conn: AsyncConnection, salt: Callable[[], Awaitable[str]]) -> None:
        self._conn = conn
        self._salt = salt

    async def enqueue_many(
        self, items: Sequence[OutboxItem], *, now: datetime | None = None
    ) -> EnqueueReport:
        """Queue posts, coalescing into queued count-only rows for the same key.

        An item merges into the newest open row of its (target, election, round) when that
        row is still queued and its events are only `count_updated`: the row then carries
        the union of events, the item's tally and mention role, and a new nonce. Otherwise
        the item gets its own row, so no other event is ever dropped or merged away.
        """
        stamp = now or utcnow()
        open_rows = await self._newest_open({(i.election_id, i.round) for i in items})
        merged: dict[int, dict[str, Any]] = {}
        fresh: dict[OutboxKey, dict[str, Any]] = {}
        order: list[dict[str, Any]] = []
        coalesced = 0
        for item in items:
            if self._coalesce(item, fresh.get(item.key), open_rows.get(item.key), merged):
                coalesced += 1
                continue
            fresh[item.key] = _new_row(item, stamp)
            order.append(fresh[item.key])
        encoded = _TallyEncoder()
        await self._apply_merges(list(merged.values()), encoded)
        await bulk_insert(self._conn, outbox_t, [encoded.row(row) for row in order])
        return EnqueueReport(inserted=len(order), coalesced=coalesced)

    @staticmethod
    def _coalesce(
        item: OutboxItem,
        pending: dict[str, Any] | None,
        stored: AnyRow | None,
        merged: dict[int, dict[str, Any]],
    ) -> bool:
        """Merge `item` into the newest open row of its key if that row is count-only and
        queued: one inserted earlier in this batch (`pending`), else a stored one."""
        if pending is not None:
            if not _count_only(pending["events"]):
                return False
            _merge_into(pending, item)
            return True
        if stored is None or stored.state != OutboxState.QUEUED.value:
            return False
        target = merged.get(stored.id) or _row_update(stored)
        if not _count_only(target["events"]):
            return False
        _merge_into(target, item)
        target["generation"] += 1
        merged[stored.id] = target
        return True

    async def claim(self, limit: int, now: datetime) -> list[OutboxRow]:
        """Move up to `limit` due queued rows to `sending` and return them in id order.

        On PostgreSQL rows locked by another claimer are skipped (FOR UPDATE SKIP LOCKED),
        so concurrent workers never get the same row.
        """
        due = (
            select(_c.id)
            .where(_QUEUED, _c.next_attempt_at <= now)
            .order_by(_c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = (
            update(outbox_t)
            .where(_c.id.in_(due.scalar_subquery()))
            .values(state=OutboxState.SENDING.value)
            .returning(*outbox_t.c)
        )
        rows = (await self._conn.execute(claimed)).all()
        salt = await self._salt()
        return sorted((_outbox_row(row, salt) for row in rows), key=lambda r: r.id)

    async def mark_sent(self, row_id: int, *, now: datetime | None = None) -> bool:
        """A claimed row was delivered; False when it was not `sending` (or is gone)."""
        return await self._settle(
            row_id, state=OutboxState.SENT.value, sent_at=now or utcnow(), last_error=None
        )

    async def reschedule(self, row_id: int, error: str, next_attempt_at: datetime) -> bool:
        """A claimed row failed transiently: queue it again for later, attempts + 1."""
        return await self._settle(
            row_id,
            state=OutboxState.QUEUED.value,
            attempts=_c.attempts + 1,
            last_error=error,
            next_attempt_at=next_attempt_at,
        )

    async def mark_failed(self, row_id: int, error: str) -> bool:
        """A claimed row failed for good (its subscription is disabled, say)."""
        return await self._settle(
            row_id, state=OutboxState.FAILED.value, attempts=_c.attempts + 1, last_error=error
        )

    async def requeue_inflight(self) -> int:
        """At start: rows left `sending` by a crash go back to `queued` with the same nonce
        (Discord's nonce check covers a post that did go out). Returns how many."""
        result = await self._conn.execute(
            update(outbox_t)
            .where(_c.state == OutboxState.SENDING.value)
            .values(state=OutboxState.QUEUED.value)
        )
        return int(result.rowcount)

    async def pending_count(self) -> int:
        """Rows not yet delivered or given up (queued or sending)."""
        return int(
            await self._conn.scalar(select(func.count()).select_from(outbox_t).where(_OPEN)) or 0
        )

    async def get(self, row_id: int) -> OutboxRow | None:
        """One row by id (tests, diagnostics)."""
        row = (await self._conn.execute(select(outbox_t).where(_c.id == row_id))).first()
        return None if row is None else _outbox_row(row, await self._salt())

    async def prune_sent(self, before: datetime) -> int:
        """Delete rows sent before `before`; returns how many."""
        result = await self._conn.execute(
            delete(outbox_t).where(_c.state == OutboxState.SENT.value, _c.sent_at < before)
        )
        return int(result.rowcount)

    async def _newest_open(self, keys: set[tuple[str, str]]) -> dict[OutboxKey, AnyRow]:
        """The newest queued-or-sending row of each (target, election, round) for these
        (election, round) pairs, locked against concurrent claims on PostgreSQL."""
        newest: dict[OutboxKey, AnyRow] = {}
        for batch in chunked({election_id for election_id, _ in keys}):
            query = (
                select(
                    _c.id, _c.target, _c.election_id, _c.round, _c.events, _c.generation, _c.state
                )
                .where(_OPEN, _c.election_id.in_(batch))
                .order_by(_c.id)
                .with_for_update()
            )
            for row in await self._conn.execute(query):
                if (row.election_id, row.round) in keys:
                    newest[(row.target, row.election_id, row.round)] = row
        return newest

    async def _apply_merges(self, updates: list[dict[str, Any]], encoded: _TallyEncoder) -> None:
        if not updates:
            return
        statement = (
            update(outbox_t)
            .where(_c.id == bindparam("row_id"), _QUEUED)
            .values(
                events=bindparam("new_events"),
                tally=bindparam("new_tally"),
                mention_role_id=bindparam("new_mention_role_id"),
                generation=bindparam("new_generation"),
            )
        )
        params = [
            {
                "row_id": u["id"],
                "new_events": [e.value for e in u["events"]],
                "new_tally": encoded(u["tally"]),
                "new_mention_role_id": u["mention_role_id"],
                "new_generation": u["generation"],
            }
            for u in updates
        ]
        await self._conn.execute(statement, params)

    async def _settle(self, row_id: int, **values: Any) -> bool:
        result = await self._conn.execute(
            update(outbox_t)
            .where(_c.id == row_id, _c.state == OutboxState.SENDING.value)
            .values(**values)
        )
        return bool(result.rowcount)


def _count_only(events: Iterable[Event]) -> bool:
    return set(events) == _COUNT_ONLY


def _row_update(row: AnyRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "events": tuple(Event(e) for e in row.events),
        "generation": row.generation,
    }


def _merge_into(row: dict[str, Any], item: OutboxItem) -> None:
    """Fold a newer item into a pending row or update: newest tally, all events."""
    row["events"] = union_events(row.get("events", ()), item.events)
    row["tally"] = item.tally
    row["mention_role_id"] = item.mention_role_id


def _new_row(item: OutboxItem, now: datetime) -> dict[str, Any]:
    return {
        "target": item.target,
        "subscription_id": item.subscription_id,
        "election_id": item.election_id,
        "round": item.round,
        "events": union_events(item.events),
        "tally": item.tally,
        "mention_role_id": item.mention_role_id,
        "generation": 0,
        "state": OutboxState.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


class _TallyEncoder:
    """Encodes each distinct tally once: a fan-out puts one tally in a thousand rows."""

    def __init__(self) -> None:
        self._done: dict[int, tuple[Tally, EncodedJSON]] = {}

    def __call__(self, tally: Tally) -> EncodedJSON:
        # Keyed by identity, holding the tally so its id cannot be reused meanwhile.
        hit = self._done.get(id(tally))
        if hit is None:
            hit = self._done[id(tally)] = (tally, encode_tally(tally))
        return hit[1]

    def row(self, row: dict[str, Any]) -> dict[str, Any]:
        return row | {"events": [e.value for e in row["events"]], "tally": self(row["tally"])}


def _outbox_row(row: AnyRow, salt: str) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        target=row.target,
        election_id=row.election_id,
        round=row.round,
        events=tuple(Event(e) for e in row.events),
        tally=tally_from_json(row.tally),
        subscription_id=row.subscription_id,
        mention_role_id=row.mention_role_id,
        generation=row.generation,
        nonce=make_nonce(salt, row.id, row.generation),
        state=OutboxState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )

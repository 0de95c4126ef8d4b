"""Source tallies (every source's reports, with full history) and published tallies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import Tally
from bot.store._sql import CHUNK, AnyRow, bulk_insert, chunked, utcnow
from bot.store.codec import encode_tally, tally_digest, tally_from_json
from bot.store.records import Key, Published, SourceTally
from bot.store.schema import published as published_t
from bot.store.schema import source_tallies as history_t

SourceKey = tuple[str, str, str]  # (election id, round, source)
_h = history_t.c
# Literal, so SQLite and PostgreSQL match it to the partial index.
_LATEST = text("source_tallies.latest")


class SourceTallyRepo:
    """Every source's reports in one unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record_many(
        self, tallies: Iterable[Tally], *, now: datetime | None = None
    ) -> list[Tally]:
        """Append each tally that differs from its source's latest (bulk); return those.

        "Differs" ignores `updated_at`: a feed that only bumps its timestamp adds nothing.
        Elections must exist first (`elections.upsert_from_feed`).
        """
        incoming = {(t.election_id, t.round, t.source): t for t in tallies}
        if not incoming:
            return []
        known = await self._latest_digests(incoming)
        stamp = now or utcnow()
        changed: list[Tally] = []
        retired: list[int] = []
        rows: list[dict[str, Any]] = []
        for key, tally in incoming.items():
            digest = tally_digest(tally)
            previous = known.get(key)
            if previous is not None and previous[1] == digest:
                continue
            if previous is not None:
                retired.append(previous[0])
            changed.append(tally)
            rows.append(
                {
                    "election_id": tally.election_id,
                    "round": tally.round,
                    "source": tally.source,
                    "digest": digest,
                    "latest": True,
                    "tally": encode_tally(tally),
                    "seen_at": stamp,
                }
            )
        for batch in chunked(retired):
            await self._conn.execute(update(history_t).where(_h.id.in_(batch)).values(latest=False))
        await bulk_insert(self._conn, history_t, rows)
        return changed

    async def latest(self, keys: Iterable[Key]) -> dict[Key, list[SourceTally]]:
        """Every source's latest tally for these (election, round) keys, each list ordered
        by source id; keys no source has are left out. One query per 900 elections."""
        wanted = set(keys)
        found: dict[Key, list[SourceTally]] = defaultdict(list)
        for batch in chunked({election_id for election_id, _ in wanted}):
            query = _latest_rows(_h.election_id.in_(batch)).order_by(
                _h.election_id, _h.round, _h.source
            )
            for row in await self._conn.execute(query):
                item = _source_tally(row)
                key = (item.tally.election_id, item.tally.round)
                if key in wanted:
                    found[key].append(item)
        return dict(found)

    async def latest_for_election(self, election_id: str) -> list[SourceTally]:
        """Every source's latest tally of every round of one election (for /feeds, /status)."""
        query = _latest_rows(_h.election_id == election_id)
        return [
            _source_tally(row)
            for row in await self._conn.execute(query.order_by(_h.round, _h.source))
        ]

    async def history(self, election_id: str) -> dict[str, list[SourceTally]]:
        """Per published round (first published first): every report of the source that
        publishes it, oldest first. The series /history charts."""
        p = published_t.c
        query = (
            select(_h.tally, _h.seen_at)
            .join(
                published_t,
                and_(p.election_id == _h.election_id, p.round == _h.round, p.source == _h.source),
            )
            .where(_h.election_id == election_id)
            .order_by(p.first_published_at, p.round, _h.id)
        )
        series: dict[str, list[SourceTally]] = {}
        for row in await self._conn.execute(query):
            item = _source_tally(row)
            series.setdefault(item.tally.round, []).append(item)
        return series

    async def count_by_source(self) -> dict[str, int]:
        """How many (election, round) tallies each source holds (for /feeds)."""
        query = select(_h.source, func.count()).where(_LATEST).group_by(_h.source)
        return {source: count for source, count in await self._conn.execute(query)}

    async def _latest_digests(
        self, keys: Collection[SourceKey]
    ) -> dict[SourceKey, tuple[int, str]]:
        """(row id, digest) of each key's latest row: per source, all of its latest rows
        when asked about many elections, else those of the elections asked about."""
        by_source: dict[str, set[str]] = defaultdict(set)
        for election_id, _, source in keys:
            by_source[source].add(election_id)
        found: dict[SourceKey, tuple[int, str]] = {}
        for source, election_ids in by_source.items():
            base = select(_h.id, _h.election_id, _h.round, _h.digest).where(
                _LATEST, _h.source == source
            )
            if len(election_ids) > CHUNK:
                queries = [base]
            else:
                queries = [base.where(_h.election_id.in_(b)) for b in chunked(election_ids)]
            for query in queries:
                for row_id, election_id, round_, digest in await self._conn.execute(query):
                    found[(election_id, round_, source)] = (row_id, digest)
        return found


class PublishedRepo:
    """Published tallies in one unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get_many(self, keys: Iterable[Key]) -> dict[Key, Published]:
        """The published tally of each of these keys that has one."""
        wanted = set(keys)
        found: dict[Key, Published] = {}
        for batch in chunked({election_id for election_id, _ in wanted}):
            query = select(published_t).where(published_t.c.election_id.in_(batch))
            for row in await self._conn.execute(query):
                item = _published(row)
                if item.key in wanted:
                    found[item.key] = item
        return found

    async def set_many(self, items: Iterable[Published], *, now: datetime | None = None) -> None:
        """Insert or replace published tallies (bulk); `first_published_at` is kept."""
        stamp = now or utcnow()
        rows = [
            {
                "election_id": item.tally.election_id,
                "round": item.tally.round,
                "source": item.tally.source,
                "tally": encode_tally(item.tally),
                "count_started_posted": item.count_started_posted,
                "first_published_at": stamp,
                "updated_at": stamp,
            }
            for item in {item.key: item for item in items}.values()
        ]
        await bulk_insert(
            self._conn,
            published_t,
            rows,
            conflict=("election_id", "round"),
            update=("source", "tally", "count_started_posted", "updated_at"),
        )

    async def rounds(self, election_id: str) -> list[Published]:
        """Every published round of an election, first published first."""
        query = (
            select(published_t)
            .where(published_t.c.election_id == election_id)
            .order_by(published_t.c.first_published_at, published_t.c.round)
        )
        return [_published(row) for row in await self._conn.execute(query)]

    async def rounds_many(self, election_ids: Iterable[str]) -> dict[str, list[Published]]:
        """Every published round of each of these elections, first published first; those
        with none are left out. One query per 900 elections (the web page loads them all)."""
        found: dict[str, list[Published]] = {}
        c = published_t.c
        for batch in chunked(set(election_ids)):
            query = (
                select(published_t)
                .where(c.election_id.in_(batch))
                .order_by(c.election_id, c.first_published_at, c.round)
            )
            for row in await self._conn.execute(query):
                item = _published(row)
                found.setdefault(item.tally.election_id, []).append(item)
        return found

    async def has_any(self, election_id: str) -> bool:
        """Whether the election has at least one published round."""
        return bool(await self.with_any([election_id]))

    async def with_any(self, election_ids: Iterable[str]) -> set[str]:
        """Those of these elections that have at least one published round (one query per
        900 ids: the poller asks for a whole document at once)."""
        found: set[str] = set()
        for batch in chunked(set(election_ids)):
            query = (
                select(published_t.c.election_id)
                .where(published_t.c.election_id.in_(batch))
                .distinct()
            )
            found.update((await self._conn.scalars(query)).all())
        return found


def _latest_rows(condition: Any) -> Select[Any, Any]:
    """Tally and seen_at of each source's latest row matching `condition`."""
    return select(_h.tally, _h.seen_at).where(_LATEST, condition)


def _source_tally(row: AnyRow) -> SourceTally:
    return SourceTally(tally=tally_from_json(row.tally), seen_at=row.seen_at)


def _published(row: AnyRow) -> Published:
    return Published(
        tally=tally_from_json(row.tally),
        count_started_posted=row.count_started_posted,
        updated_at=row.updated_at,
        first_published_at=row.first_published_at,
    )

"""Elections: metadata from feeds and from config (config wins), lookups and search."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, exists, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import Election
from bot.store._sql import AnyRow, bulk_insert, chunked, utcnow
from bot.store.codec import JSONDict, election_digest, election_from_json, election_to_json
from bot.store.schema import election_aliases as aliases_t
from bot.store.schema import elections as elections_t

SEARCH_LIMIT = 25


class ElectionRepo:
    """Elections in one unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def upsert_from_feed(
        self, elections: Iterable[Election], *, now: datetime | None = None
    ) -> int:
        """Store what a feed says about elections (config values of declared ones win).

        Writes only elections whose feed metadata changed; returns how many it wrote.
        """
        incoming = {e.id: e for e in elections}
        if not incoming:
            return 0
        existing = await self._raw(incoming)
        stamp = now or utcnow()
        rows = []
        for election_id, election in incoming.items():
            digest = election_digest(election)
            row = existing.get(election_id)
            if row is not None and row.feed_digest == digest:
                continue
            if row is not None and row.declared:
                rows.append(
                    _declared_row(row.config_meta, election_to_json(election), digest, stamp)
                )
            else:
                rows.append(_plain_row(election, digest, stamp))
        await self._write(rows)
        return len(rows)

    async def sync_declared(
        self, elections: Sequence[Election], *, now: datetime | None = None
    ) -> None:
        """Make the config's `elections:` the declared set: upsert those (config values win
        over the feeds'), and undeclare the others."""
        stamp = now or utcnow()
        wanted = {e.id: e for e in elections}
        declared_now = await self.declared_ids()
        existing = await self._raw(set(wanted) | declared_now)
        rows = []
        for election_id, election in wanted.items():
            row = existing.get(election_id)
            feed, digest = _feed_side(row)
            rows.append(_declared_row(election_to_json(election), feed, digest, stamp))
        for election_id in declared_now - set(wanted):
            row = existing[election_id]
            # With no feed describing it, the old config values stay its metadata.
            described = election_from_json(row.feed_meta or row.config_meta)
            rows.append(_plain_row(described, row.feed_digest, stamp))
        await self._write(rows)

    async def get(self, key: str) -> Election | None:
        """The election with this id, else the one with this alias (case-insensitive)."""
        key = key.strip().lower()
        row = (await self._conn.execute(select(elections_t).where(elections_t.c.id == key))).first()
        if row is None:
            query = (
                select(elections_t)
                .join(aliases_t, aliases_t.c.election_id == elections_t.c.id)
                .where(aliases_t.c.alias == key)
                .order_by(elections_t.c.declared.desc(), elections_t.c.id)
                .limit(1)
            )
            row = (await self._conn.execute(query)).first()
        return None if row is None else _election(row)

    async def get_many(self, ids: Iterable[str]) -> dict[str, Election]:
        """The elections with these ids (unknown ids are left out)."""
        found: dict[str, Election] = {}
        for batch in chunked(set(ids)):
            query = select(elections_t).where(elections_t.c.id.in_(batch))
            for row in await self._conn.execute(query):
                found[row.id] = _election(row)
        return found

    async def declared_ids(self) -> set[str]:
        """Ids of the elections config declares (known from the start, DESIGN §4)."""
        query = select(elections_t.c.id).where(elections_t.c.declared == true())
        return set((await self._conn.scalars(query)).all())

    async def list_all(self) -> list[Election]:
        """Every election, by id."""
        rows = await self._conn.execute(select(elections_t).order_by(elections_t.c.id))
        return [_election(row) for row in rows]

    async def search(self, text: str, limit: int = SEARCH_LIMIT) -> list[Election]:
        """Autocomplete: ids, aliases, names and case numbers containing `text`.

        Exact matches first, then prefixes, then the rest; at most `limit` (≤ 25).
        """
        limit = max(0, min(limit, SEARCH_LIMIT))
        needle = text.strip().lower()
        e = elections_t
        if not needle:
            query = select(e).order_by(e.c.declared.desc(), e.c.id).limit(limit)
            return [_election(row) for row in await self._conn.execute(query)]
        prefix, contains = _like(needle) + "%", "%" + _like(needle) + "%"

        def alias(condition: Any) -> Any:
            return exists().where(aliases_t.c.election_id == e.c.id, condition)

        name = func.lower(func.coalesce(e.c.name, ""))
        rank = case(
            (or_(e.c.id == needle, alias(aliases_t.c.alias == needle)), literal(0)),
            (or_(e.c.id.like(prefix, "\\"), alias(aliases_t.c.alias.like(prefix, "\\"))), 1),
            (name.like(prefix, "\\"), 2),
            else_=3,
        )
        query = (
            select(e)
            .where(
                or_(
                    e.c.id.like(contains, "\\"),
                    name.like(contains, "\\"),
                    func.lower(func.coalesce(e.c.case_number, "")).like(contains, "\\"),
                    alias(aliases_t.c.alias.like(contains, "\\")),
                )
            )
            .order_by(rank, e.c.id)
            .limit(limit)
        )
        return [_election(row) for row in await self._conn.execute(query)]

    async def _raw(self, ids: Iterable[str]) -> dict[str, AnyRow]:
        found: dict[str, AnyRow] = {}
        for batch in chunked(set(ids)):
            query = select(elections_t).where(elections_t.c.id.in_(batch))
            for row in await self._conn.execute(query):
                found[row.id] = row
        return found

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        updated = [c.name for c in elections_t.c if c.name != "id"]
        await bulk_insert(self._conn, elections_t, rows, conflict=("id",), update=updated)
        ids = [row["id"] for row in rows]
        for batch in chunked(ids):
            await self._conn.execute(delete(aliases_t).where(aliases_t.c.election_id.in_(batch)))
        alias_rows = [
            {"alias": alias, "election_id": row["id"]} for row in rows for alias in row["aliases"]
        ]
        await bulk_insert(self._conn, aliases_t, alias_rows)


def _plain_row(election: Election, digest: str | None, now: datetime) -> dict[str, Any]:
    """The row of an election config does not declare: the feed's values as they are."""
    return _columns(election) | {
        "declared": False,
        "config_meta": None,
        "feed_meta": None,
        "feed_digest": digest,
        "updated_at": now,
    }


def _declared_row(
    config: JSONDict, feed: JSONDict | None, digest: str | None, now: datetime
) -> dict[str, Any]:
    """The row of a declared election: config's values where it gives them, else the
    feed's; both sides kept so either can change later."""
    return _columns(_merge(election_from_json(config), feed)) | {
        "declared": True,
        "config_meta": config,
        "feed_meta": feed,
        "feed_digest": digest,
        "updated_at": now,
    }


def _feed_side(row: AnyRow | None) -> tuple[JSONDict | None, str | None]:
    """What the feeds said of an election, as stored: kept aside for a declared one, the
    columns themselves for one that was not declared."""
    if row is None:
        return None, None
    if row.declared:
        return row.feed_meta, row.feed_digest
    if row.feed_digest is None:
        return None, None  # not from a feed: left over from an earlier config
    return election_to_json(_election(row)), row.feed_digest


def _columns(election: Election) -> dict[str, Any]:
    return {
        "id": election.id,
        "name": election.name,
        "short_name": election.short_name,
        "aliases": _clean_aliases(election.id, election.aliases),
        "case_number": election.case_number,
        "unit": election.unit,
        "employer": election.employer,
        "location": election.location,
        "url": election.url,
    }


def _merge(config: Election, feed: JSONDict | None) -> Election:
    if feed is None:
        return config
    base = election_from_json(feed)
    return Election(
        id=config.id,
        name=config.name or base.name,
        short_name=config.short_name or base.short_name,
        aliases=config.aliases + base.aliases,
        case_number=config.case_number or base.case_number,
        unit=config.unit,
        employer=config.employer or base.employer,
        location=config.location or base.location,
        url=config.url or base.url,
    )


def _clean_aliases(election_id: str, aliases: Iterable[str]) -> list[str]:
    """Lower-case, each once, never the election's own id."""
    return list(dict.fromkeys(a.lower() for a in aliases if a.lower() != election_id))


def _election(row: AnyRow) -> Election:
    return Election(
        id=row.id,
        name=row.name,
        short_name=row.short_name,
        aliases=tuple(row.aliases),
        case_number=row.case_number,
        unit=row.unit,
        employer=row.employer,
        location=row.location,
        url=row.url,
    )


def _like(text: str) -> str:
    """`text` with LIKE's wildcards escaped (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

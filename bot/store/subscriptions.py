"""Subscriptions: channels, webhooks and DMs following an election (or all), static or not."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import Level, SubscriptionMode
from bot.store._sql import AnyRow, chunked, insert_for, utcnow
from bot.store.records import (
    ALL_ELECTIONS,
    StaticSubscription,
    StaticSyncReport,
    Subscription,
    SubscriptionKind,
)
from bot.store.schema import subscriptions as subs_t

_c = subs_t.c


class SubscriptionRepo:
    """Subscriptions in one unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self,
        kind: SubscriptionKind,
        target_id: int,
        election_id: str,
        *,
        level: Level = Level.ALL,
        guild_id: int | None = None,
        mention_role_id: int | None = None,
        created_by: int | None = None,
        webhook_url: str | None = None,
        mode: SubscriptionMode = SubscriptionMode.POST,
        language: str | None = None,
        now: datetime | None = None,
    ) -> tuple[Subscription, bool]:
        """Subscribe; when (kind, target, election) already exists, return it unchanged.

        Returns (subscription, created).
        """
        values = {
            "kind": kind.value,
            "target_id": target_id,
            "election_id": election_id,
            "level": level.value,
            "mode": mode.value,
            "language": language,
            "guild_id": guild_id,
            "mention_role_id": mention_role_id,
            "created_by": created_by,
            "webhook_url": webhook_url,
            "static": False,
            "created_at": now or utcnow(),
        }
        insert = insert_for(self._conn, subs_t).values(values)
        inserted = await self._conn.scalar(
            insert.on_conflict_do_nothing(
                index_elements=["kind", "target_id", "election_id"]
            ).returning(_c.id)
        )
        existing = await self.find(kind, target_id, election_id)
        assert existing is not None  # inserted, or there already
        return existing, inserted is not None

    async def get(self, subscription_id: int) -> Subscription | None:
        """One subscription by id."""
        return (await self.get_many([subscription_id])).get(subscription_id)

    async def get_many(self, ids: Iterable[int]) -> dict[int, Subscription]:
        """Subscriptions by id (the delivery worker resolves its rows' webhooks with this)."""
        found: dict[int, Subscription] = {}
        for batch in chunked(set(ids)):
            for row in await self._conn.execute(select(subs_t).where(_c.id.in_(batch))):
                found[row.id] = _subscription(row)
        return found

    async def find(
        self, kind: SubscriptionKind, target_id: int, election_id: str
    ) -> Subscription | None:
        """The subscription of one target to one election (or "all"), if any."""
        row = (
            await self._conn.execute(select(subs_t).where(_same(kind, target_id, election_id)))
        ).first()
        return None if row is None else _subscription(row)

    async def update(
        self,
        subscription_id: int,
        *,
        level: Level,
        mention_role_id: int | None,
        mode: SubscriptionMode = SubscriptionMode.POST,
        language: str | None = None,
        guild_id: int | None = None,
    ) -> Subscription | None:
        """Change level, mention role, mode and language, and re-enable it (a repeated
        /subscribe is a retry)."""
        values: dict[str, Any] = {
            "level": level.value,
            "mention_role_id": mention_role_id,
            "mode": mode.value,
            "language": language,
            "disabled_reason": None,
            "disabled_at": None,
        }
        if guild_id is not None:
            values["guild_id"] = guild_id
        await self._conn.execute(update(subs_t).where(_c.id == subscription_id).values(values))
        return await self.get(subscription_id)

    async def remove(self, kind: SubscriptionKind, target_id: int, election_id: str) -> bool:
        """Unsubscribe a target from one election (or "all"); False when it was not there.
        Its undelivered deliveries and its live messages go with it."""
        result = await self._conn.execute(delete(subs_t).where(_same(kind, target_id, election_id)))
        return bool(result.rowcount)

    async def channels_without_guild(self) -> list[Subscription]:
        """Channel subscriptions whose server is not known yet (the config's, before the
        bot has seen the channel)."""
        condition = and_(_c.kind == SubscriptionKind.CHANNEL.value, _c.guild_id.is_(None))
        return await self._select(condition)

    async def set_guild(self, subscription_id: int, guild_id: int) -> bool:
        """Record the server a subscription's channel belongs to (for /subscriptions)."""
        result = await self._conn.execute(
            update(subs_t).where(_c.id == subscription_id).values(guild_id=guild_id)
        )
        return bool(result.rowcount)

    async def list_by_guild(self, guild_id: int) -> list[Subscription]:
        """A server's subscriptions, disabled ones included (for /subscriptions)."""
        return await self._select(_c.guild_id == guild_id)

    async def list_by_target(self, kind: SubscriptionKind, target_id: int) -> list[Subscription]:
        """One channel's, webhook's or user's subscriptions."""
        return await self._select(and_(_c.kind == kind.value, _c.target_id == target_id))

    async def matching(self, election_ids: Iterable[str]) -> list[Subscription]:
        """Enabled subscriptions to any of these elections or to "all", by id."""
        ids = {*election_ids, ALL_ELECTIONS}
        condition = and_(_c.disabled_at.is_(None), _c.election_id.in_(sorted(ids)))
        return await self._select(condition)

    async def disable(
        self, subscription_id: int, reason: str, *, now: datetime | None = None
    ) -> bool:
        """Stop delivering to a subscription and record why (403/404 kinds); False if gone."""
        result = await self._conn.execute(
            update(subs_t)
            .where(_c.id == subscription_id)
            .values(disabled_reason=reason, disabled_at=now or utcnow())
        )
        return bool(result.rowcount)

    async def sync_static(
        self, entries: Sequence[StaticSubscription], *, now: datetime | None = None
    ) -> StaticSyncReport:
        """Make the static subscriptions follow the config, matching entries by key.

        New keys are added (adopting a /subscribe row for the same target and election);
        changed entries are updated and re-enabled; keys gone from config are removed; a
        disabled one whose entry is unchanged stays disabled (`still_disabled`).
        """
        stamp = now or utcnow()
        stored = {s.static_key: s for s in await self._select(_c.static.is_(True))}
        added: list[Subscription] = []
        changed: list[Subscription] = []
        still_disabled: list[Subscription] = []
        for entry in {e.key: e for e in entries}.values():
            current = stored.pop(entry.key, None)
            if current is None:
                adopted = await self.find(entry.kind, entry.target_id, entry.election_id)
                if adopted is None:
                    added.append(await self._insert_static(entry, stamp))
                else:
                    changed.append(await self._apply_static(adopted.id, entry))
            elif not _same_settings(current, entry):
                changed.append(await self._apply_static(current.id, entry))
            elif current.disabled:
                still_disabled.append(current)
        removed = list(stored.values())
        for batch in chunked([s.id for s in removed]):
            await self._conn.execute(delete(subs_t).where(_c.id.in_(batch)))
        return StaticSyncReport(
            added=tuple(added),
            changed=tuple(changed),
            removed=tuple(removed),
            still_disabled=tuple(still_disabled),
        )

    async def _insert_static(self, entry: StaticSubscription, now: datetime) -> Subscription:
        values = _static_values(entry) | {
            "kind": entry.kind.value,
            "target_id": entry.target_id,
            "election_id": entry.election_id,
            "created_at": now,
        }
        new_id = await self._conn.scalar(subs_t.insert().values(values).returning(_c.id))
        created = await self.get(int(new_id))
        assert created is not None
        return created

    async def _apply_static(self, subscription_id: int, entry: StaticSubscription) -> Subscription:
        await self._conn.execute(
            update(subs_t).where(_c.id == subscription_id).values(_static_values(entry))
        )
        result = await self.get(subscription_id)
        assert result is not None
        return result

    async def _select(self, condition: Any) -> list[Subscription]:
        rows = await self._conn.execute(select(subs_t).where(condition).order_by(_c.id))
        return [_subscription(row) for row in rows]


def _same(kind: SubscriptionKind, target_id: int, election_id: str) -> Any:
    return and_(_c.kind == kind.value, _c.target_id == target_id, _c.election_id == election_id)


def _static_values(entry: StaticSubscription) -> dict[str, Any]:
    """The columns a static entry sets (it re-enables: a changed entry is a retry)."""
    return {
        "level": entry.level.value,
        "mode": entry.mode.value,
        "language": entry.language,
        "mention_role_id": entry.mention_role_id,
        "guild_id": entry.guild_id,
        "webhook_url": entry.webhook_url,
        "static": True,
        "static_key": entry.key,
        "disabled_reason": None,
        "disabled_at": None,
    }


def _same_settings(current: Subscription, entry: StaticSubscription) -> bool:
    return (
        current.level == entry.level
        and current.mode == entry.mode
        and current.language == entry.language
        and current.mention_role_id == entry.mention_role_id
        and current.guild_id == entry.guild_id
        and current.webhook_url == entry.webhook_url
    )


def _subscription(row: AnyRow) -> Subscription:
    return Subscription(
        id=row.id,
        kind=SubscriptionKind(row.kind),
        target_id=row.target_id,
        election_id=row.election_id,
        level=Level(row.level),
        mode=SubscriptionMode(row.mode),
        language=row.language,
        created_at=row.created_at,
        guild_id=row.guild_id,
        mention_role_id=row.mention_role_id,
        created_by=row.created_by,
        static=row.static,
        static_key=row.static_key,
        disabled_reason=row.disabled_reason,
        disabled_at=row.disabled_at,
        webhook_url=row.webhook_url,
    )

"""One source's tallies into the store: load → plan → write → notify, in one transaction
(DESIGN §2). Feeds and `/report` both come through here, so the decision is the same
pure planner wherever it runs.

Before the transaction each tally is put on its declared ballot (config `choices`) and
checked against what the store's columns hold: an election that cannot be stored is
skipped with a problem, and the rest of its document goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import text

from bot.core.ballot import conform
from bot.core.models import DeclaredBallot, SubscriptionMode
from bot.core.plan import Plan, PlanInput, RoundState, SourceRanking, Subscriber, plan
from bot.feeds.base import ParsedTally, Problem
from bot.store import Published, Store, Subscription, UnitOfWork
from bot.store.faults import describe_store_error, is_outage
from bot.store.limits import unwritable

log = logging.getLogger(__name__)

# Serialises planning across processes sharing one PostgreSQL database: two plans of the
# same round must not both read the same "before" (a /report racing a poll).
PLAN_LOCK = 0x7A11B08

Key = tuple[str, str]
InTransaction = Callable[[UnitOfWork], Awaitable[None]]


class Wakeups(Protocol):
    """Who hears of a plan: inside its transaction (PostgreSQL NOTIFY, so the other
    processes hear of it at commit), and after commit (this process's delivery worker, the
    web page's event streams)."""

    async def planned(self, uow: UnitOfWork, result: Plan) -> None: ...

    def committed(self, result: Plan) -> None: ...


class NoWakeups:
    """Nobody to tell (a `check` or a test that reads the store itself)."""

    async def planned(self, uow: UnitOfWork, result: Plan) -> None:
        return None

    def committed(self, result: Plan) -> None:
        return None


class Pipeline:
    """Plans and writes what sources report. One per process."""

    def __init__(
        self,
        store: Store,
        *,
        ranking: SourceRanking,
        declared: frozenset[str] = frozenset(),
        ballots: Mapping[Key, DeclaredBallot] | None = None,
        extra_subscribers: Sequence[Subscriber] = (),
        wakeups: Wakeups | None = None,
    ) -> None:
        self._store = store
        self._ranking = ranking
        self._declared = declared
        self._ballots = dict(ballots or {})
        self._extra = tuple(extra_subscribers)
        self._wakeups = wakeups or NoWakeups()

    @property
    def ranking(self) -> SourceRanking:
        return self._ranking

    def ballot(self, election_id: str) -> DeclaredBallot | None:
        """The ballot config declares for an election (any round), if any."""
        return next((b for (e, _), b in self._ballots.items() if e == election_id), None)

    def check(self, parsed: Sequence[ParsedTally]) -> tuple[list[ParsedTally], list[Problem]]:
        """Each tally on its declared ballot, and only what the store can hold: the rest is
        skipped with a problem naming the election."""
        ready: list[ParsedTally] = []
        skipped: list[Problem] = []
        for item in parsed:
            tally, election = item.tally, item.election
            ballot = self._ballots.get((tally.election_id, tally.round))
            if ballot is not None:
                conformed, why = conform(tally, ballot)
                if conformed is None:
                    skipped.append(Problem(election.id, "choices", f"{why}: skipped"))
                    continue
                item = replace(item, tally=conformed)
            why_not = unwritable(election, item.tally)
            if why_not is not None:
                skipped.append(Problem(election.id, None, f"cannot be stored: {why_not}"))
                continue
            ready.append(item)
        return ready, skipped

    async def ingest(
        self,
        ready: Sequence[ParsedTally],
        *,
        silent: bool,
        now: datetime,
        also: InTransaction | None = None,
    ) -> tuple[Plan, list[Problem]]:
        """Store a source's checked tallies (`check`) and plan; `silent`: a feed's
        first-sight baseline; `also` runs in the same transaction (the poller saves the
        feed's state there). Returns the plan and the elections the store refused."""
        skipped: list[Problem] = []
        try:
            result = await self._write(ready, silent, now, also)
        except Exception as error:
            if is_outage(error) or len(ready) < 2:
                raise
            # Data the checks did not foresee: find the election that carries it, so the
            # rest of the document goes on (DESIGN §4: one bad election is skipped).
            result = await self._bisect(ready, silent, now, skipped, error)
            if also is not None:
                async with self._store.transaction() as uow:
                    await also(uow)
        self._wakeups.committed(result)
        for note in result.notes:
            log.debug("plan: %s", note)
        return result, skipped

    async def _bisect(
        self,
        parsed: Sequence[ParsedTally],
        silent: bool,
        now: datetime,
        skipped: list[Problem],
        error: BaseException,
    ) -> Plan:
        """Write halves on their own until the elections the store refuses are found. The
        combined plan is for counting and wake-ups: each half's deliveries are written."""
        if len(parsed) == 1:
            election = parsed[0].election.id
            skipped.append(Problem(election, None, f"{store_failure_text(error)}: skipped"))
            return Plan()
        half = len(parsed) // 2
        plans = []
        for part in (parsed[:half], parsed[half:]):
            try:
                plans.append(await self._write(part, silent, now, None))
            except Exception as failure:
                if is_outage(failure):
                    raise
                plans.append(await self._bisect(part, silent, now, skipped, failure))
        return Plan(
            published=plans[0].published + plans[1].published,
            posts=plans[0].posts + plans[1].posts,
            deliveries=plans[0].deliveries + plans[1].deliveries,
            merges=plans[0].merges + plans[1].merges,
            notes=plans[0].notes + plans[1].notes,
        )

    async def _write(
        self,
        parsed: Sequence[ParsedTally],
        silent: bool,
        now: datetime,
        also: InTransaction | None,
    ) -> Plan:
        async with self._store.transaction() as uow:
            if self._store.dialect == "postgresql":
                await uow.connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLAN_LOCK}
                )
            result = await self._plan_in(uow, parsed, silent, now)
            if also is not None:
                await also(uow)
            await self._wakeups.planned(uow, result)
        return result

    async def _plan_in(
        self, uow: UnitOfWork, parsed: Sequence[ParsedTally], silent: bool, now: datetime
    ) -> Plan:
        await uow.elections.upsert_from_feed([p.election for p in parsed], now=now)
        changed = await uow.tallies.record_many([p.tally for p in parsed], now=now)
        if not changed:
            return Plan()
        keys = list(dict.fromkeys((t.election_id, t.round) for t in changed))
        elections = {election_id for election_id, _ in keys}
        latest = await uow.tallies.latest(keys)
        published = await uow.published.get_many(keys)
        result = plan(
            PlanInput(
                keys=keys,
                latest={key: {s.source: s.tally for s in rows} for key, rows in latest.items()},
                before={
                    key: RoundState(p.tally, p.count_started_posted) for key, p in published.items()
                },
                published_rounds={
                    eid: [p.tally for p in rounds]
                    for eid, rounds in (await uow.published.rounds_many(elections)).items()
                },
                ranking=self._ranking,
                now=now,
                silent=silent,
                declared=self._declared,
                subscribers=[
                    *self._extra,
                    *(_subscriber(s) for s in await uow.subscriptions.matching(elections)),
                ],
                open_deliveries=await uow.deliveries.open_for(keys),
                live_messages=await uow.live.existing(keys),
            )
        )
        await write_plan(uow, result, now)
        return result


async def write_plan(uow: UnitOfWork, result: Plan, now: datetime) -> None:
    """The plan's published state, posts, deliveries and merges."""
    await uow.published.set_many(
        [Published(u.tally, u.count_started_posted) for u in result.published], now=now
    )
    if not result.posts:
        return
    stored = await uow.posts.add_many(result.posts, now)
    await uow.deliveries.add_many(result.deliveries, stored, now)
    await uow.deliveries.merge(result.merges, stored)


def _subscriber(sub: Subscription) -> Subscriber:
    return Subscriber(
        target=sub.target,
        election_id=sub.election_id,
        level=sub.level,
        mode=SubscriptionMode(sub.mode),
        subscription_id=sub.id,
        language=sub.language,
        guild_id=sub.guild_id,
        mention_role_id=sub.mention_role_id,
    )


def store_failure_text(error: BaseException) -> str:
    """How a failed write is told in logs and feed health: never its parameters."""
    kind = "store unavailable" if is_outage(error) else "the store refused the write"
    return f"{kind}: {describe_store_error(error)}"

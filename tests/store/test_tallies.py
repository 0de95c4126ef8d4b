"""Source tallies (history, skip-unchanged, latest per source) and published tallies."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

from bot.core.models import Election, SourceKind, Status
from bot.store import Published, Store
from tests.store.helpers import T0, seed_elections, tally


async def test_an_unchanged_tally_adds_no_history_even_with_a_new_timestamp(store: Store) -> None:
    await seed_elections(store, "jfk8")
    first = tally(union=1518, against=1154, updated_at=T0)
    async with store.transaction() as uow:
        assert await uow.tallies.record_many([first], now=T0) == [first]
        again = dataclasses.replace(first, updated_at=T0 + timedelta(minutes=1))
        assert await uow.tallies.record_many([again], now=T0 + timedelta(minutes=1)) == []
        latest = await uow.tallies.latest([("jfk8", "initial")])
    assert [s.tally for s in latest[("jfk8", "initial")]] == [first]
    assert latest[("jfk8", "initial")][0].seen_at == T0


async def test_each_change_appends_and_history_follows_the_published_source(store: Store) -> None:
    await seed_elections(store, "jfk8")
    steps = [(0, 0, Status.SCHEDULED), (1518, 1154, Status.PAUSED), (2654, 2131, Status.FINAL)]
    async with store.transaction() as uow:
        for minute, (union, against, status) in enumerate(steps):
            when = T0 + timedelta(minutes=minute)
            await uow.tallies.record_many(
                [tally(union=union, against=against, status=status)], now=when
            )
            # A lower source that does not publish: not part of the chart.
            report = tally(
                union=union + 1, against=against, source="report", kind=SourceKind.REPORT
            )
            await uow.tallies.record_many([report], now=when)
        await uow.published.set_many([Published(tally(union=2654, against=2131))], now=T0)
        series = await uow.tallies.history("jfk8")
    assert list(series) == ["initial"]
    points = series["initial"]
    assert [(p.tally.choices[0].votes, p.tally.status) for p in points] == [
        (u, s) for u, _, s in steps
    ]
    assert [p.seen_at for p in points] == [T0 + timedelta(minutes=m) for m in range(3)]
    assert {p.source for p in points} == {"organizers"}


async def test_history_lists_rounds_in_the_order_they_were_published(store: Store) -> None:
    await seed_elections(store, "bessemer")
    initial = tally("bessemer", 738, 1798, source="nlrb", kind=SourceKind.OFFICIAL)
    rerun = dataclasses.replace(initial, round="rerun", choices=initial.choices[:1])
    async with store.transaction() as uow:
        await uow.tallies.record_many([initial, rerun], now=T0)
        await uow.published.set_many([Published(rerun)], now=T0 + timedelta(days=300))
        await uow.published.set_many([Published(initial)], now=T0)
        assert list(await uow.tallies.history("bessemer")) == ["initial", "rerun"]
        assert [p.tally.round for p in await uow.published.rounds("bessemer")] == [
            "initial",
            "rerun",
        ]


async def test_latest_gives_every_sources_newest_tally_for_the_keys_asked(store: Store) -> None:
    await seed_elections(store, "jfk8", "ldj5")
    official = tally(union=2654, against=2131, source="nlrb", kind=SourceKind.OFFICIAL)
    async with store.transaction() as uow:
        await uow.tallies.record_many(
            [tally(union=10), tally("ldj5", 5), tally(union=5, round_="rerun")], now=T0
        )
        await uow.tallies.record_many([tally(union=20), official], now=T0 + timedelta(seconds=1))
        latest = await uow.tallies.latest([("jfk8", "initial"), ("nobody", "initial")])
        assert await uow.tallies.count_by_source() == {"organizers": 3, "nlrb": 1}
        whole = await uow.tallies.latest_for_election("jfk8")
    assert list(latest) == [("jfk8", "initial")]
    assert [s.tally for s in latest[("jfk8", "initial")]] == [official, tally(union=20)]
    assert [(s.tally.round, s.source) for s in whole] == [
        ("initial", "nlrb"),
        ("initial", "organizers"),
        ("rerun", "organizers"),
    ]


async def test_published_upsert_replaces_the_tally_and_keeps_its_first_time(store: Store) -> None:
    await seed_elections(store, "jfk8", "ldj5")
    key = ("jfk8", "initial")
    async with store.transaction() as uow:
        assert not await uow.published.has_any("jfk8")
        await uow.published.set_many([Published(tally(union=1))], now=T0)
        later = T0 + timedelta(hours=5)
        newer = tally(union=2654, against=2131, status=Status.FINAL)
        await uow.published.set_many([Published(newer, count_started_posted=True)], now=later)
        found = await uow.published.get_many([key, ("jfk8", "rerun"), ("ldj5", "initial")])
        assert await uow.published.has_any("jfk8")
        assert await uow.published.with_any(["jfk8", "ldj5"]) == {"jfk8"}
    assert list(found) == [key]
    assert found[key] == Published(
        newer, count_started_posted=True, updated_at=later, first_published_at=T0
    )


async def test_writing_5000_source_tallies_in_one_poll(store: Store) -> None:
    """Prints the time (not asserted): the poller stores a 5,000-election feed at once."""
    ids = [f"election-{i}" for i in range(5000)]
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed([Election(id=i) for i in ids], now=T0)
    batch = [tally(i, union=n, against=7) for n, i in enumerate(ids)]
    started = time.perf_counter()
    async with store.transaction() as uow:
        written = await uow.tallies.record_many(batch, now=T0)
    elapsed = time.perf_counter() - started
    changed = [dataclasses.replace(t, challenged=1) if n < 10 else t for n, t in enumerate(batch)]
    started = time.perf_counter()
    async with store.transaction() as uow:
        rewritten = await uow.tallies.record_many(changed, now=T0 + timedelta(seconds=1))
    again = time.perf_counter() - started
    print(
        f"\n[{store.dialect}] 5,000 new source tallies: {elapsed * 1000:.0f} ms; "
        f"same 5,000 with 10 changed: {again * 1000:.0f} ms"
    )
    assert len(written) == 5000
    assert len(rewritten) == 10

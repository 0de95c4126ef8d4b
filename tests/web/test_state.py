"""The web edge's snapshot of the published state, read from a real store (SQLite, and
PostgreSQL where configured): everything at start, then only what the hub names; every
answer built once per state."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import pytest

from bot.core.models import Election
from bot.store import Store
from bot.web.state import Snapshot
from tests.web.support import BESSEMER, JFK8, T0, bessemer, eventually, jfk8, publish, serve


def _clock() -> datetime:
    return T0 + timedelta(days=400)


async def _seed(store: Store) -> None:
    await publish(
        store,
        None,
        [bessemer("initial", 738, 1798, 505, 5867)],
        elections=[BESSEMER],
        now=T0 - timedelta(days=365),
    )
    await publish(
        store, None, [bessemer("rerun", 875, 993, 416, 6153)], now=T0 - timedelta(days=30)
    )
    await publish(store, None, [jfk8(1518, 1154)], elections=[JFK8], now=T0)


async def test_rounds_many_gives_every_round_first_published_first(any_store: Store) -> None:
    await _seed(any_store)
    async with any_store.read() as uow:
        found = await uow.published.rounds_many(["bessemer", "jfk8", "unknown"])
    assert sorted(found) == ["bessemer", "jfk8"]
    assert [p.tally.round for p in found["bessemer"]] == ["initial", "rerun"]
    assert found["jfk8"][0].tally.choices[0].votes == 1518


async def test_the_first_load_reads_every_election_and_orders_by_latest_change(
    any_store: Store,
) -> None:
    await _seed(any_store)
    snapshot = Snapshot(_clock)
    changed = await snapshot.load_all(any_store)
    assert snapshot.loaded and sorted(s.id for s in changed) == ["bessemer", "jfk8"]
    assert [s.id for s in snapshot.ordered()] == ["jfk8", "bessemer"]
    state = snapshot.get("bessemer")
    assert state is not None and state.latest is not None
    assert state.latest.tally.round == "rerun"
    assert snapshot.resolve("Staten-Island") == "jfk8" and snapshot.resolve("nope") is None
    document = json.loads(snapshot.feed().content)
    assert [(e["id"], e["round"]) for e in document["elections"]] == [
        ("bessemer", "initial"),
        ("bessemer", "rerun"),
        ("jfk8", "initial"),
    ]


async def test_a_refresh_reads_only_the_named_elections_and_reports_real_changes(
    any_store: Store,
) -> None:
    await _seed(any_store)
    snapshot = Snapshot(_clock)
    await snapshot.load_all(any_store)
    feed, version = snapshot.feed(), snapshot.version
    assert snapshot.feed() is feed  # built once per state
    assert await snapshot.refresh(any_store, ["jfk8", "bessemer"]) == []
    assert snapshot.version == version and snapshot.feed() is feed

    await publish(
        any_store, None, [jfk8(2654, 2131, challenged=67, void=17)], now=T0 + timedelta(days=1)
    )
    [state] = await snapshot.refresh(any_store, ["jfk8"])
    assert state.id == "jfk8" and state.rounds[0].tally.challenged == 67
    assert snapshot.version == version + 1
    assert snapshot.feed() is not feed and snapshot.feed().etag != feed.etag
    assert snapshot.feed().modified_at == T0 + timedelta(days=1)


async def test_a_name_change_without_a_publication_moves_last_modified_on(
    sqlite_store: Store,
) -> None:
    await publish(sqlite_store, None, [jfk8(1518, 1154)], elections=[JFK8], now=T0)
    later = T0 + timedelta(hours=3)
    snapshot = Snapshot(lambda: later)
    await snapshot.load_all(sqlite_store)
    async with sqlite_store.transaction() as uow:
        await uow.elections.upsert_from_feed([Election(id="jfk8", name="JFK8 renamed")])
    [state] = await snapshot.refresh(sqlite_store, ["jfk8"])
    assert state.election.name == "JFK8 renamed"
    assert state.document.modified_at == later


async def test_an_election_never_published_is_listed_last_and_not_in_the_feed(
    sqlite_store: Store,
) -> None:
    await publish(sqlite_store, None, [jfk8(1, 0)], elections=[JFK8], now=T0)
    async with sqlite_store.transaction() as uow:
        await uow.elections.upsert_from_feed([BESSEMER])
    snapshot = Snapshot(lambda: T0)
    await snapshot.load_all(sqlite_store)
    assert [s.id for s in snapshot.ordered()] == ["jfk8", "bessemer"]
    assert [e["id"] for e in json.loads(snapshot.feed().content)["elections"]] == ["jfk8"]


async def test_the_app_waits_out_a_store_that_cannot_be_read(
    sqlite_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await publish(sqlite_store, None, [jfk8(1, 0)], elections=[JFK8], now=T0)
    async with serve(sqlite_store) as web:
        async with sqlite_store.engine.begin() as conn:  # the table goes away for a while
            await conn.exec_driver_sql("ALTER TABLE published RENAME TO published_away")
        web.hub.publish(["jfk8"])
        await eventually(lambda: web.context.store_down)
        async with sqlite_store.engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE published_away RENAME TO published")
        await publish(sqlite_store, web.hub, [jfk8(2, 0)], now=T0)
        await eventually(lambda: not web.context.store_down)
        response = await web.client.get("/e/jfk8.json")
        assert b'"votes":2' in await response.read()
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.web.context" and r.levelno >= logging.WARNING
    ]
    assert len(warnings) == 1 and "could not be read: OperationalError" in warnings[0]
    assert "SELECT" not in warnings[0]

"""Elections: metadata from feeds and config (config wins), lookup and autocomplete."""

from __future__ import annotations

from bot.core.models import Election
from bot.store import Store
from tests.store.helpers import T0

JFK8_FEED = Election(
    id="jfk8",
    name="Amazon.com Services LLC",
    aliases=("29-rc-288020",),
    case_number="29-RC-288020",
    employer="Amazon.com Services LLC",
    location="Staten Island, NY",
)
JFK8_CONFIG = Election(
    id="jfk8", name="Amazon JFK8 (Staten Island, NY)", aliases=("staten-island",), unit="A"
)


async def test_feed_metadata_is_stored_and_unchanged_metadata_costs_no_write(store: Store) -> None:
    async with store.transaction() as uow:
        assert await uow.elections.upsert_from_feed([JFK8_FEED], now=T0) == 1
        assert await uow.elections.upsert_from_feed([JFK8_FEED], now=T0) == 0
        assert await uow.elections.get("jfk8") == JFK8_FEED


async def test_config_values_win_over_the_feeds_and_the_feed_fills_the_rest(store: Store) -> None:
    async with store.transaction() as uow:
        await uow.elections.sync_declared([JFK8_CONFIG], now=T0)
        await uow.elections.upsert_from_feed([JFK8_FEED], now=T0)
        merged = await uow.elections.get("jfk8")
        assert await uow.elections.declared_ids() == {"jfk8"}
    assert merged == Election(
        id="jfk8",
        name="Amazon JFK8 (Staten Island, NY)",
        aliases=("staten-island", "29-rc-288020"),
        case_number="29-RC-288020",
        unit="A",
        employer="Amazon.com Services LLC",
        location="Staten Island, NY",
    )


async def test_declaring_an_election_after_the_feed_keeps_the_feeds_values(store: Store) -> None:
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed([JFK8_FEED], now=T0)
        await uow.elections.sync_declared([JFK8_CONFIG], now=T0)
        merged = await uow.elections.get("jfk8")
    assert merged is not None
    assert merged.name == JFK8_CONFIG.name
    assert merged.location == "Staten Island, NY"


async def test_an_election_dropped_from_config_is_undeclared_and_keeps_the_feeds_values(
    store: Store,
) -> None:
    async with store.transaction() as uow:
        await uow.elections.sync_declared([JFK8_CONFIG], now=T0)
        await uow.elections.upsert_from_feed([JFK8_FEED], now=T0)
        await uow.elections.sync_declared([], now=T0)
        assert await uow.elections.declared_ids() == set()
        assert await uow.elections.get("jfk8") == JFK8_FEED


async def test_lookup_by_id_or_alias_ignores_case(store: Store) -> None:
    async with store.transaction() as uow:
        await uow.elections.sync_declared([JFK8_CONFIG], now=T0)
    async with store.read() as uow:
        assert (await uow.elections.get("JFK8")) == JFK8_CONFIG
        assert (await uow.elections.get(" Staten-Island ")) == JFK8_CONFIG
        assert await uow.elections.get("bessemer") is None
        assert await uow.elections.get_many(["jfk8", "nope"]) == {"jfk8": JFK8_CONFIG}


async def test_search_ranks_exact_then_prefix_then_contains(store: Store) -> None:
    elections = [
        Election(id="jfk8", name="Amazon JFK8", aliases=("staten-island",)),
        Election(id="ldj5", name="Amazon LDJ5, near JFK8"),
        Election(id="jfk8-rerun", name="Amazon JFK8 rerun"),
        Election(id="bessemer", name="Amazon Bessemer", case_number="10-RC-269250"),
    ]
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed(elections, now=T0)
    async with store.read() as uow:
        assert [e.id for e in await uow.elections.search("jfk8")] == ["jfk8", "jfk8-rerun", "ldj5"]
        assert [e.id for e in await uow.elections.search("staten")] == ["jfk8"]
        assert [e.id for e in await uow.elections.search("10-rc")] == ["bessemer"]
        assert [e.id for e in await uow.elections.search("AMAZON")] == [
            "bessemer",
            "jfk8",
            "jfk8-rerun",
            "ldj5",
        ]
        assert await uow.elections.search("%") == []  # LIKE wildcards are literal
        assert len(await uow.elections.search("")) == 4


async def test_search_returns_at_most_25(store: Store) -> None:
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed(
            [Election(id=f"amazon-{i:02d}") for i in range(40)], now=T0
        )
    async with store.read() as uow:
        found = await uow.elections.search("amazon", limit=100)
        assert [e.id for e in found] == [f"amazon-{i:02d}" for i in range(25)]
        assert len(await uow.elections.list_all()) == 40

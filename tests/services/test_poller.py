"""The poller: first sight, failed fetches backed off, rejected documents not, problems
logged once per document and summarised, parsing off the loop with a time limit."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.core.models import Level
from bot.feeds.fetch import Fetcher
from bot.services.outage import StoreHealth
from bot.services.poller import Poller
from tests.support.jfk8 import jfk8
from tests.support.pipeline_rig import FEED, Rig, pipeline_rig


@pytest.fixture
async def rig(database_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    async with pipeline_rig(database_url, tmp_path) as rig:
        yield rig


async def published_votes(rig: Rig) -> list[int]:
    async with rig.store.read() as uow:
        [published] = await uow.published.rounds("jfk8")
    return [c.votes for c in published.tally.choices]


async def test_the_first_document_is_a_silent_baseline_except_declared_elections(rig: Rig) -> None:
    walden = {**jfk8("counting", 3, 1)["elections"][0], "id": "walden"}
    document = jfk8("counting", 10, 5)
    rig.write({**document, "elections": [walden, *document["elections"]]})
    assert await rig.poll() == "stored"
    await rig.deliver()
    # jfk8 is declared in config: known from the start, so its first tally posts.
    assert [o.post.election_id for o in rig.sender.to("console")] == ["jfk8"]


async def test_a_failing_fetch_keeps_the_last_good_state_and_backs_off(rig: Rig) -> None:
    await rig.publish(jfk8("counting", 10, 5))
    rig.path.unlink()
    report = await rig.runtime.poller.poll(FEED)
    assert report.outcome == "failed" and "file not found" in (report.error or "")
    assert await rig.poll() == "skipped"  # backing off
    assert await published_votes(rig) == [10, 5]
    rig.clock.advance(10)
    await rig.publish(jfk8("counting", 12, 5))
    async with rig.store.read() as uow:
        state = await uow.feeds.get(FEED)
    assert state is not None and state.failures == 0
    assert await published_votes(rig) == [12, 5]


async def test_a_document_that_does_not_parse_is_not_backed_off_nor_parsed_twice(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    await rig.publish(jfk8("counting", 10, 5))
    rig.write("{not json")
    with caplog.at_level(logging.WARNING, logger="bot.services.poller"):
        assert await rig.poll() == "rejected"
        assert await rig.poll() == "rejected"  # polled again at once: no backoff
    assert sum("rejected" in r.message for r in caplog.records) == 1  # logged once
    async with rig.store.read() as uow:
        state = await uow.feeds.get(FEED)
    assert state is not None and state.failures == 0 and state.failed_hash
    assert state.last_error and "not valid JSON" in state.last_error
    assert await published_votes(rig) == [10, 5]
    await rig.publish(jfk8("counting", 11, 5))  # the publisher fixed it
    assert await published_votes(rig) == [11, 5]


async def test_problems_are_logged_once_per_document_as_a_summary(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    await rig.publish(jfk8("counting", 10, 5))
    good = jfk8("counting", 11, 5)["elections"][0]
    bad = [{"id": f"bad-{n}", "choices": "none"} for n in range(50)]
    document = {"feed_version": 1, "elections": [good, *bad]}
    with caplog.at_level(logging.WARNING, logger="bot.services.poller"):
        await rig.publish(document)
        await rig.publish(document)  # the same document: not parsed, not logged again
    lines = [r.message for r in caplog.records if "problem(s)" in r.message]
    assert len(lines) == 1 and "50 problem(s)" in lines[0] and "(and 47 more)" in lines[0]
    assert await published_votes(rig) == [11, 5]  # the good election went on
    async with rig.store.read() as uow:
        state = await uow.feeds.get(FEED)
    assert state is not None and state.problem_count == 50 and len(state.problems) == 20


async def test_a_document_past_the_parse_time_limit_is_a_failed_document(rig: Rig) -> None:
    async with aiohttp.ClientSession() as session:
        impatient = Poller(
            rig.store,
            Fetcher(session, "tallybot-test"),
            rig.runtime.poller.feeds,
            rig.runtime.pipeline,
            StoreHealth(),
            parse_time_limit_s=0.0,  # every parse is over the limit
        )
        rig.write(jfk8("counting", 10, 5))
        report = await impatient.poll(FEED)
    assert report.outcome == "rejected" and "longer than" in (report.error or "")


async def test_a_subscription_at_level_final_hears_only_the_result(rig: Rig) -> None:
    await rig.subscribe(5, "jfk8", Level.FINAL)
    await rig.publish(jfk8("counting", 10, 5))
    await rig.publish(jfk8("paused", 1518, 1154))
    await rig.publish(jfk8("final", 2654, 2131, challenged=67, void=17))
    [result] = rig.sender.to("channel:5")
    assert "count_final" in {e.value for e in result.post.events}

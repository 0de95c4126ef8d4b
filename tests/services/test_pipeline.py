"""The pipeline: declared ballots, what the store cannot hold skipped per election, and a
native feed racing /report during a count (the furthest count wins, a lagging source never
posts a correction)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import DeclaredChoiceSettings, ElectionSettings
from bot.core.models import Choice, Election, Event, SourceKind, Tally
from bot.core.plan import REPORT_SOURCE
from bot.feeds.base import ParsedTally
from tests.support.jfk8 import jfk8
from tests.support.pipeline_rig import Rig, pipeline_rig, settings_for


@pytest.fixture
async def rig(database_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    async with pipeline_rig(database_url, tmp_path) as rig:
        yield rig


def report(union: int, against: int, challenged: int = 0) -> ParsedTally:
    tally = Tally(
        "jfk8",
        choices=(Choice("Amazon Labor Union", union), Choice("No union", against, True)),
        challenged=challenged,
        source=REPORT_SOURCE,
        source_kind=SourceKind.REPORT,
    )
    return ParsedTally(tally, Election("jfk8"))


async def published(rig: Rig) -> tuple[str, list[int]]:
    async with rig.store.read() as uow:
        [round_] = await uow.published.rounds("jfk8")
    return round_.tally.source, [c.votes for c in round_.tally.choices]


async def test_a_feed_and_report_race_and_the_furthest_count_wins(rig: Rig) -> None:
    await rig.publish(jfk8("counting", 100, 90))
    outcome = await rig.runtime.report(report(300, 250))  # the reporter is ahead
    assert outcome.publisher == REPORT_SOURCE and outcome.posts == 1
    await rig.deliver()
    await rig.publish(jfk8("counting", 200, 180))  # the feed lags: nothing posts
    assert await published(rig) == (REPORT_SOURCE, [300, 250])
    await rig.publish(jfk8("counting", 400, 330))  # the feed overtakes
    assert await published(rig) == ("organizers", [400, 330])
    lagging = await rig.runtime.report(report(350, 300))
    assert lagging.posts == 0 and lagging.publisher == "organizers"
    await rig.deliver()
    events = [o.post.events for o in rig.sender.to("console")]
    assert all(Event.CORRECTION not in e for e in events), events
    assert [[c.votes for c in o.post.tally.choices] for o in rig.sender.to("console")][-2:] == [
        [300, 250],
        [400, 330],
    ]


async def test_a_reporters_own_lower_report_is_a_correction(rig: Rig) -> None:
    await rig.publish(jfk8("counting", 10, 5))
    await rig.runtime.report(report(300, 250))
    await rig.runtime.report(report(300, 240))  # a slip at the table, corrected
    await rig.deliver()
    last = rig.sender.to("console")[-1]
    assert Event.CORRECTION in last.post.events


async def test_a_declared_ballot_names_the_choices_and_fills_in_the_figures(
    database_url: str, tmp_path: Path
) -> None:
    declared = ElectionSettings(
        id="jfk8",
        case_number="29-RC-288020",
        choices=(
            DeclaredChoiceSettings(name="Amazon Labor Union"),
            DeclaredChoiceSettings(name="No union", against=True),
        ),
        ballots_cast=4869,
    )
    settings = settings_for(tmp_path / "feed.json", elections=(declared,))
    async with pipeline_rig(database_url, tmp_path, settings=settings) as rig:
        document = jfk8("counting", 1518, 1154)
        document["elections"][0]["choices"] = [
            {"name": "ALU", "votes": 1518},
            {"name": "Votes against", "votes": 1154, "against": True},
        ]
        await rig.publish(document)
        [post] = rig.sender.to("console")
    assert [c.name for c in post.post.tally.choices] == ["Amazon Labor Union", "No union"]
    assert post.post.tally.ballots_cast == 4869  # declared, the feed had none


async def test_a_tally_that_cannot_match_the_declared_ballot_is_skipped(
    database_url: str, tmp_path: Path
) -> None:
    three = ElectionSettings(
        id="jfk8",
        choices=(
            DeclaredChoiceSettings(name="Teamsters"),
            DeclaredChoiceSettings(name="UAW"),
            DeclaredChoiceSettings(name="No union", against=True),
        ),
    )
    settings = settings_for(tmp_path / "feed.json", elections=(three,))
    async with pipeline_rig(database_url, tmp_path, settings=settings) as rig:
        ready, problems = rig.runtime.pipeline.check([report(5, 3)])
    assert ready == [] and problems[0].field == "choices" and "declared" in problems[0].error


async def test_what_the_store_cannot_hold_is_skipped_and_the_rest_goes_on(rig: Rig) -> None:
    good = report(10, 5)
    nul = replace(good, election=replace(good.election, name="JFK8\x00"))
    long_round = ParsedTally(
        replace(good.tally, election_id="ldj5", round="runoff-" + "x" * 40), Election("ldj5")
    )
    ready, problems = rig.runtime.pipeline.check([nul, long_round, report(11, 5)])
    assert [p.tally.choices[0].votes for p in ready] == [11]
    reasons = " ".join(p.error for p in problems)
    assert "NUL" in reasons and "the most the store holds is 40" in reasons
    plan, refused = await rig.runtime.pipeline.ingest(ready, silent=False, now=rig.clock())
    assert refused == [] and len(plan.posts) == 1

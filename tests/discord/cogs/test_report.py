"""/report: who may report, the `counts` syntax, validation as a feed, and the pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.cli.root import build_runtime
from bot.core.models import Choice, DeclaredBallot, Election, Level, SourceKind, Status, Tally
from bot.discord.cogs._report import ReportInput, build_report, parse_counts
from bot.discord.cogs.errors import UserError
from bot.discord.cogs.report import Reports
from bot.store import Published, Store, SubscriptionKind
from tests.discord.cogs.fakes import (
    CHANNEL_ID,
    JFK8,
    OWNER_ID,
    REPORTER_ID,
    REPORTER_ROLE_ID,
    T0,
    answer_of,
    invoke,
    jfk8_tally,
    make_interaction,
    make_member,
)
from tests.support.pipeline_rig import RecordingSender

BALLOT = [Choice("Amazon Labor Union", 0), Choice("No union", 0, against=True)]


def cog(bot: Any) -> Reports:
    return Reports(bot, clock=lambda: T0 + timedelta(hours=9))


def reporter(bot: Any, user_id: int = REPORTER_ID, roles: tuple[int, ...] = ()) -> Any:
    return make_interaction(bot, user=make_member(user_id, roles), command="report")


async def test_a_non_reporter_is_refused(bot: Any) -> None:
    reports = cog(bot)
    interaction = make_interaction(bot, user=make_member(4242, (1, 2)), command="report")
    await invoke(reports.report, reports, interaction, election="jfk8", counts="1600 1200")
    answer = answer_of(interaction)
    assert answer.ephemeral and "Only the configured reporters" in answer.text
    bot.runtime.report.assert_not_awaited()


@pytest.mark.parametrize(
    ("user_id", "roles"), [(REPORTER_ID, ()), (4242, (REPORTER_ROLE_ID,)), (OWNER_ID, ())]
)
async def test_reporters_by_id_or_role_and_owners_may_report(
    bot: Any, user_id: int, roles: tuple[int, ...]
) -> None:
    reports = cog(bot)
    interaction = reporter(bot, user_id, roles)
    await invoke(reports.report, reports, interaction, election="jfk8", counts="1600 1200")
    bot.runtime.report.assert_awaited_once()


async def test_a_good_report_goes_to_ingest_report_as_a_validated_report_tally(bot: Any) -> None:
    reports = cog(bot)
    interaction = reporter(bot)
    await invoke(
        reports.report, reports, interaction, election="staten-island", counts="1,700–1,300"
    )
    [parsed] = bot.runtime.report.await_args.args
    tally = parsed.tally
    assert (tally.source, tally.source_kind) == ("report", SourceKind.REPORT)
    assert tally.choices == (
        Choice("Amazon Labor Union", 1700),
        Choice("No union", 1300, against=True),
    )
    assert (tally.election_id, tally.round, tally.status) == ("jfk8", "initial", Status.COUNTING)
    assert (tally.challenged, tally.void, tally.eligible_voters) == (0, 0, 8325)
    assert tally.updated_at == T0 + timedelta(hours=9)
    assert parsed.election == JFK8  # the stored metadata, not a stripped-down copy

    answer = answer_of(interaction)
    assert answer.ephemeral and answer.deferred and answer.via == "edit"
    assert "Amazon Labor Union **1,700** · No union **1,300**" in answer.text
    # The organizers' feed publishes JFK8 and outranks /report: said, not hidden.
    assert "`organizers` publishes this round" in answer.text


async def test_report_options_override_the_published_values(bot: Any) -> None:
    reports = cog(bot)
    await invoke(
        reports.report,
        reports,
        reporter(bot),
        election="bessemer",
        counts="880 990",
        challenged=410,
        void=3,
        status="final",
        round_="rerun",
    )
    [parsed] = bot.runtime.report.await_args.args
    tally = parsed.tally
    assert (tally.round, tally.status, tally.challenged, tally.void) == (
        "rerun",
        Status.FINAL,
        410,
        3,
    )
    assert [c.name for c in tally.choices] == ["RWDSU", "No union"]
    assert tally.eligible_voters == 6153  # the rerun's own


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ("1518 1154", [1518, 1154]),
        ("1518-1154", [1518, 1154]),
        ("1,518–1,154", [1518, 1154]),
        (" 1518 / 1154 ", [1518, 1154]),
    ],
)
def test_counts_are_read_in_ballot_order(counts: str, expected: list[int]) -> None:
    assert parse_counts(counts, BALLOT) == expected


@pytest.mark.parametrize(
    ("counts", "says"),
    [
        ("1518,1154", "`1518,1154` is not a number of votes"),
        ("abc def", "`abc` is not a number of votes"),
        ("1518", "You gave 1 count but the ballot has 2 choices"),
        ("1 2 3", "You gave 3 counts but the ballot has 2 choices"),
    ],
)
def test_malformed_counts_say_how_to_write_them(counts: str, says: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_counts(counts, BALLOT)
    assert says in caught.value.message
    assert "**Amazon Labor Union**, **No union**" in caught.value.message
    assert "e.g. `1000 1100`" in caught.value.message


async def test_a_malformed_report_is_a_clear_ephemeral_error(bot: Any) -> None:
    reports = cog(bot)
    interaction = reporter(bot)
    await invoke(reports.report, reports, interaction, election="jfk8", counts="1518,1154")
    answer = answer_of(interaction)
    assert answer.ephemeral and "is not a number of votes" in answer.text
    bot.runtime.report.assert_not_awaited()


def test_the_native_parser_validates_a_report_like_a_feed() -> None:
    published = [jfk8_tally(1518, 1154)]
    with pytest.raises(UserError) as caught:
        build_report(JFK8, published, ReportInput("99999999 1"), T0)
    assert "`choices.0.votes`" in caught.value.message
    with pytest.raises(UserError) as caught:
        build_report(JFK8, published, ReportInput("1 1", round="second"), T0)
    assert "`round`" in caught.value.message
    with pytest.raises(UserError, match="no published tally"):
        build_report(JFK8, [], ReportInput("1 1"), T0)


async def test_without_a_running_pipeline_reports_are_refused(bot: Any) -> None:
    bot.runtime = None
    reports = cog(bot)
    interaction = reporter(bot)
    await invoke(reports.report, reports, interaction, election="jfk8", counts="1 1")
    assert "pipeline is not running" in answer_of(interaction).text


async def test_a_report_published_by_report_queues_posts_through_the_real_poller(
    store: Store, bot: Any
) -> None:
    walden = Election(id="walden", name="Walden Galleria")
    first = Tally(
        election_id="walden",
        choices=(Choice("Workers United", 10), Choice("No union", 8, against=True)),
        source="report",
        source_kind=SourceKind.REPORT,
    )
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed([walden])
        await uow.tallies.record_many([first])
        await uow.published.set_many([Published(first, True)])
        await uow.subscriptions.add(SubscriptionKind.CHANNEL, CHANNEL_ID, "walden", level=Level.ALL)
    async with aiohttp.ClientSession() as session:
        bot.runtime = build_runtime(bot.settings, store, session, RecordingSender())
        reports = cog(bot)
        interaction = reporter(bot)
        await invoke(reports.report, reports, interaction, election="walden", counts="14 9")
    assert "1 post queued" in answer_of(interaction).text
    async with store.transaction() as uow:
        [delivery] = await uow.deliveries.claim("t", 10, datetime.now(UTC), timedelta(seconds=30))
        post = (await uow.posts.get_many([delivery.post_id]))[delivery.post_id]
        published = await uow.published.rounds("walden")
    assert delivery.target == f"channel:{CHANNEL_ID}"
    assert [c.votes for c in post.tally.choices] == [14, 9]
    assert published[0].tally.source == "report"


async def test_a_declared_ballot_lets_the_first_report_start_the_count(
    store: Store, bot: Any
) -> None:
    declared = DeclaredBallot(
        "walden",
        choices=(Choice("Workers United", 0), Choice("No union", 0, against=True)),
        eligible_voters=60,
    )
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed([Election(id="walden", name="Walden Galleria")])
    bot.runtime.pipeline.ballot.return_value = declared
    reports = cog(bot)
    interaction = reporter(bot)
    await invoke(reports.report, reports, interaction, election="walden", counts="12 7")
    [parsed] = bot.runtime.report.await_args.args
    assert [(c.name, c.votes) for c in parsed.tally.choices] == [
        ("Workers United", 12),
        ("No union", 7),
    ]
    assert parsed.tally.eligible_voters == 60

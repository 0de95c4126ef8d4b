"""/feeds and /sync: owners only; feed health from the stored state and the scheduler."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.discord.cogs.owner import Owner
from bot.store import FeedState, Store
from tests.discord.cogs.fakes import (
    GUILD_ID,
    OWNER_ID,
    T0,
    answer_of,
    invoke,
    make_interaction,
    make_member,
)


def owner(bot: Any, command: str = "feeds") -> Any:
    return make_interaction(bot, user=make_member(OWNER_ID), command=command)


async def test_feeds_for_a_non_owner_is_refused(bot: Any) -> None:
    cog = Owner(bot, clock=lambda: T0)
    interaction = make_interaction(bot, command="feeds")
    await invoke(cog.feeds, cog, interaction)
    answer = answer_of(interaction)
    assert answer.ephemeral and "Only the bot's owners" in answer.text
    bot.is_owner.assert_awaited_once_with(interaction.user)


async def test_feeds_shows_success_errors_failures_and_next_poll(store: Store, bot: Any) -> None:
    async with store.transaction() as uow:
        await uow.feeds.save(FeedState("organizers", last_success_at=T0, baseline_done=True))
        await uow.feeds.save(
            FeedState(
                "nlrb",
                last_success_at=T0 - timedelta(days=1),
                last_error="HTTP 200 from www.nlrb.gov is a firewall page",
                last_error_at=T0 - timedelta(minutes=5),
                failures=3,
                next_attempt_at=T0 + timedelta(minutes=20),
                problems=(
                    {"election": "walden", "field": "ballot_type", "error": "a UD vote: skipped"},
                ),
                problem_count=4,
            )
        )
    cog = Owner(bot, clock=lambda: T0)
    interaction = owner(bot)
    await invoke(cog.feeds, cog, interaction)
    answer = answer_of(interaction)
    assert answer.ephemeral
    [embed] = answer.embeds
    assert "2 feeds configured, 1 failing" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    organizers = fields["• organizers · native · every 15s"]
    assert f"last success <t:{int(T0.timestamp())}:R>" in organizers
    next_poll = int((T0 + timedelta(seconds=15)).timestamp())
    assert f"next poll <t:{next_poll}:R>" in organizers
    assert "1 tally held" in organizers  # JFK8's initial round, from the seed
    nlrb = fields["⚠️ nlrb · nlrb-csv · every 10m"]
    assert "2 tallies held" in nlrb  # Bessemer's two rounds
    assert "failing (3 in a row)" in nlrb and "firewall page" in nlrb
    assert "backing off" in nlrb
    assert "4 problems in the last document" in nlrb, nlrb
    assert "walden/ballot\\_type" in nlrb  # markdown-escaped feed text


async def test_feeds_poll_polls_that_feed_first(bot: Any) -> None:
    cog = Owner(bot, clock=lambda: T0)
    interaction = owner(bot)
    await invoke(cog.feeds, cog, interaction, poll="Organizers")
    bot.runtime.poll_now.assert_awaited_once_with("organizers")
    assert answer_of(interaction).deferred
    unknown = owner(bot)
    await invoke(cog.feeds, cog, unknown, poll="nope")
    assert "There is no feed `nope`" in answer_of(unknown).text


async def test_sync_syncs_to_this_server_by_default_or_globally(bot: Any) -> None:
    bot.sync_commands.return_value = ["status", "subscribe"]
    cog = Owner(bot)
    here = owner(bot, command="sync")
    await invoke(cog.sync, cog, here)
    bot.sync_commands.assert_awaited_once_with(GUILD_ID)
    answer = answer_of(here)
    assert answer.ephemeral and "Synced 2 commands to this server: `/status` and `/subscribe`" in (
        answer.text
    )

    bot.sync_commands.reset_mock()
    everywhere = owner(bot, command="sync")
    await invoke(cog.sync, cog, everywhere, scope="global")
    bot.sync_commands.assert_awaited_once_with(None)


async def test_sync_for_a_non_owner_is_refused(bot: Any) -> None:
    cog = Owner(bot)
    interaction = make_interaction(bot, command="sync")
    await invoke(cog.sync, cog, interaction)
    assert "Only the bot's owners" in answer_of(interaction).text
    bot.sync_commands.assert_not_awaited()

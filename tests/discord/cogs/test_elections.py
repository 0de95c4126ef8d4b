"""/status, /history, /elections and election autocomplete, on a real store."""

from __future__ import annotations

from typing import Any

from bot.core.models import Election
from bot.discord.cogs import _elections
from bot.discord.cogs.elections import Elections
from bot.store import Store
from tests.discord.cogs.fakes import T0, answer_of, invoke, make_interaction, mention_free

PNG = b"\x89PNG\r\n\x1a\n"


def cog(bot: Any) -> Elections:
    return Elections(bot, clock=lambda: T0)


async def test_status_answers_in_public_with_the_numbers_from_the_store(bot: Any) -> None:
    elections = cog(bot)
    interaction = make_interaction(bot)
    await invoke(elections.status, elections, interaction, election="jfk8")
    answer = answer_of(interaction)
    assert answer.via == "response" and not answer.ephemeral
    assert "1,518" in answer.text and "1,154" in answer.text and "8,325" in answer.text
    assert mention_free(answer.kwargs["allowed_mentions"])
    bot.runtime.report.assert_not_awaited()  # no live fetch, no pipeline
    bot.runtime.poller.poll.assert_not_awaited()


async def test_status_takes_an_alias_and_shows_the_latest_round_with_earlier_summarised(
    bot: Any,
) -> None:
    elections = cog(bot)
    interaction = make_interaction(bot)
    await invoke(elections.status, elections, interaction, election="Bessemer")
    [embed] = answer_of(interaction).embeds
    assert embed["author"]["name"].startswith("Rerun")  # the 2022 rerun in full
    assert "993" in embed["description"] and "1,798" not in embed["description"]
    values = {f["name"]: f["value"] for f in embed["fields"]}
    assert "416 (determinative)" in values["Challenged"]
    assert values["Eligible voters"] == "6,153"
    earlier = [v for v in values.values() if "738–1,798" in v]  # the 2021 tally, one line
    assert earlier and "505 challenged" in earlier[0]

    initial = make_interaction(bot)
    await invoke(elections.status, elections, initial, election="bessemer", round_="initial")
    assert "5,867" in answer_of(initial).text


async def test_status_of_an_unknown_round_lists_the_rounds(bot: Any) -> None:
    elections = cog(bot)
    interaction = make_interaction(bot)
    await invoke(elections.status, elections, interaction, election="bessemer", round_="runoff")
    answer = answer_of(interaction)
    assert answer.ephemeral
    assert "`initial`" in answer.text and "`rerun`" in answer.text


async def test_an_unknown_id_gets_an_ephemeral_reply_suggesting_the_closest(bot: Any) -> None:
    elections = cog(bot)
    interaction = make_interaction(bot)
    await invoke(elections.status, elections, interaction, election="jfk")
    answer = answer_of(interaction)
    assert answer.ephemeral
    assert "`jfk8`" in answer.text and "Did you mean" in answer.text


async def test_an_exact_name_typed_without_the_list_is_understood(store: Store) -> None:
    async with store.read() as uow:
        assert (await _elections.resolve(uow, "amazon jfk8 (staten island, ny)")).id == "jfk8"


async def test_suggestions_also_come_from_spelling(store: Store) -> None:
    async with store.read() as uow:
        assert (await _elections.suggest(uow, "besemer"))[0] == "bessemer"
        assert await _elections.suggest(uow, "staten-islnd") == ["jfk8"]
        assert await _elections.suggest(uow, "zzzz") == []


async def test_autocomplete_offers_jfk8_for_jf(bot: Any) -> None:
    elections = cog(bot)
    choices = await elections._status_election(make_interaction(bot), "jf")
    assert [c.value for c in choices] == ["jfk8"]
    assert choices[0].name.startswith("jfk8 — Amazon JFK8")
    everything = await elections._status_election(make_interaction(bot), "")
    assert {c.value for c in everything} == {"jfk8", "bessemer"} and len(everything) <= 25


async def test_autocomplete_never_offers_more_than_25(store: Store, bot: Any) -> None:
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed([Election(id=f"jf-{n}") for n in range(40)])
    choices = await cog(bot)._status_election(make_interaction(bot), "jf")
    assert len(choices) == 25 and all(len(c.name) <= 100 for c in choices)


async def test_round_autocomplete_lists_the_chosen_elections_rounds(bot: Any) -> None:
    interaction = make_interaction(bot, election="bessemer")
    choices = await cog(bot)._status_round(interaction, "")
    assert [c.value for c in choices] == ["rerun", "initial"]


async def test_history_defers_then_answers_with_a_png_and_an_embed(bot: Any) -> None:
    elections = cog(bot)
    interaction = make_interaction(bot)
    await invoke(elections.history, elections, interaction, election="staten-island")
    interaction.response.defer.assert_awaited_once()
    answer = answer_of(interaction)
    # The public "thinking…" placeholder, edited with the chart.
    assert answer.via == "edit" and answer.deferred and not answer.ephemeral
    [chart] = answer.files
    assert chart.filename == "jfk8-history.png"
    assert chart.fp.read().startswith(PNG)
    [embed] = answer.embeds
    assert embed["image"]["url"] == "attachment://jfk8-history.png"
    assert "3 reported counts" in embed["description"]


async def test_history_of_an_unknown_election_is_refused_before_deferring(bot: Any) -> None:
    elections = cog(bot)
    interaction = make_interaction(bot)
    await invoke(elections.history, elections, interaction, election="nope")
    interaction.response.defer.assert_not_awaited()
    assert answer_of(interaction).ephemeral


async def test_elections_lists_and_filters_with_pages(store: Store, bot: Any) -> None:
    elections = cog(bot)
    interaction = make_interaction(bot)
    await invoke(elections.elections, elections, interaction, filter_=None, page=1)
    text = answer_of(interaction).text
    assert "`bessemer`" in text and "`jfk8`" in text and "1,518–1,154" in text

    filtered = make_interaction(bot)
    await invoke(elections.elections, elections, filtered, filter_="staten", page=1)
    text = answer_of(filtered).text
    assert "`jfk8`" in text and "bessemer" not in text

    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed([Election(id=f"unit-{n:02}") for n in range(25)])
    last = make_interaction(bot)
    await invoke(elections.elections, elections, last, filter_="unit", page=3)
    text = answer_of(last).text
    assert "Page 3 of 3" in text and "`unit-24`" in text and "`unit-09`" not in text

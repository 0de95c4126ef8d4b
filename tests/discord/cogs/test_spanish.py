"""Replies in the user's language (DESIGN §13): the user's locale when the bot speaks it, else
the server's preferred locale, else `defaults.language`; every reply and error of every
command in Spanish, with Babel's numbers and no English template word left; an /alerts DM
keeps the locale its user had when subscribing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal
from discord import app_commands

from bot.config import DefaultsSettings
from bot.discord.cogs._replies import language_of
from bot.discord.cogs.elections import Elections
from bot.discord.cogs.owner import Owner
from bot.discord.cogs.report import Reports
from bot.discord.cogs.subscriptions import Subscriptions
from bot.discord.tree import GENERIC_FAILURE
from bot.render.i18n import LOCALES, translator
from bot.store import Store, SubscriptionKind
from tests.discord.cogs.fakes import (
    MANAGER,
    MEMBER_ID,
    ORGANIZER_ID,
    OWNER_ID,
    REPORTER_ID,
    T0,
    Answer,
    answer_of,
    invoke,
    make_interaction,
    make_member,
    run,
    tree,
)
from tests.render.catalogue_util import leaked_english, shown_text

ES = LOCALES["es"]
FEED_WORDS = (
    "Amazon JFK8 (Staten Island, NY)",
    "Amazon BHM1 (Bessemer, AL)",
    "Amazon Labor Union",
    "RWDSU",
    "JFK8",
    "organizers",
    "native",
)


def _ours(text: str) -> str:
    """Without feed words, identifiers in code and links: what the catalogues translate."""
    for words in FEED_WORDS:
        text = text.replace(words, " ")
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"https?://\S+", " ", text)


def words(answer: Answer) -> str:
    """What a reader sees of an answer: its content and every embed's text."""
    return shown_text(answer.kwargs.get("content"), answer.embeds)


def spanish(answer: Answer | str) -> None:
    text = answer if isinstance(answer, str) else words(answer)
    assert leaked_english(_ours(text)) == set(), text


def es(bot: Any, locale: str = "es-ES", **options: Any) -> Any:
    return make_interaction(bot, locale=locale, **options)


def organizer(bot: Any, locale: str = "es-419", **options: Any) -> Any:
    user = make_member(ORGANIZER_ID)
    return make_interaction(bot, user=user, permissions=MANAGER, locale=locale, **options)


@pytest.mark.parametrize(
    ("locale", "guild_locale", "default", "expected"),
    [
        ("es-ES", None, "en", "es"),
        ("es-419", "en-US", "en", "es"),  # the user's own locale first
        ("en-US", "es-419", "es", "en"),
        ("fr", "es-419", "en", "es"),  # a locale we do not speak: the server's
        ("pt-BR", "en-GB", "es", "en"),
        ("fr", None, "es", "es"),  # neither: defaults.language
        ("ja", None, "en", "en"),
    ],
)
async def test_a_reply_is_in_the_users_language_else_the_servers_else_the_default(
    bot: Any, locale: str, guild_locale: str | None, default: str, expected: str
) -> None:
    bot.settings = bot.settings.model_copy(update={"defaults": DefaultsSettings(language=default)})
    interaction = make_interaction(bot, locale=locale, guild_locale=guild_locale)
    assert language_of(interaction) == expected
    elections = Elections(bot, clock=lambda: T0)
    await invoke(elections.status, elections, interaction, election="jfk8")
    same = make_interaction(bot, locale="es-ES" if expected == "es" else "en-US")
    await invoke(elections.status, elections, same, election="jfk8")
    assert answer_of(interaction).embeds == answer_of(same).embeds


async def test_status_in_spanish_writes_babels_numbers_and_sin_sindicato(bot: Any) -> None:
    elections = Elections(bot, clock=lambda: T0)
    interaction = es(bot)
    await invoke(elections.status, elections, interaction, election="jfk8")
    text = words(answer_of(interaction))
    for votes in (1518, 1154, 8325):
        assert format_decimal(votes, locale=ES) in text
    assert "Sin sindicato" in text and "No union" not in text
    spanish(text)
    english = make_interaction(bot)
    await invoke(elections.status, elections, english, election="jfk8")
    assert leaked_english(_ours(words(answer_of(english))))  # the check finds English


async def test_history_elections_and_status_errors_in_spanish(bot: Any) -> None:
    elections = Elections(bot, clock=lambda: T0)
    chart = es(bot, command="history")
    await invoke(elections.history, elections, chart, election="jfk8")
    [embed] = answer_of(chart).embeds
    spanish(embed["title"] + "\n" + embed["description"])
    listing = es(bot, command="elections")
    await invoke(elections.elections, elections, listing)
    spanish(answer_of(listing))
    unknown = es(bot, locale="es-419")
    await invoke(elections.status, elections, unknown, election="jfk9")
    answer = answer_of(unknown)
    assert answer.ephemeral and "`jfk8`" in answer.text
    spanish(answer)
    no_round = es(bot)
    await invoke(elections.status, elections, no_round, election="bessemer", round_="runoff")
    spanish(answer_of(no_round))


async def test_a_refused_input_names_the_option_as_spanish_discord_shows_it(bot: Any) -> None:
    elections = Elections(bot, clock=lambda: T0)
    interaction = es(bot)
    await run(elections.status, elections, interaction, election="jfk\0")
    text = answer_of(interaction).kwargs["content"]
    localised = translator("es").find("option name", "election")
    assert localised and f"`{localised}`" in text and "U+0000" in text
    spanish(text)


async def test_library_errors_and_the_generic_failure_in_spanish(bot: Any) -> None:
    t = translator("es")
    missing = es(bot)
    error = app_commands.MissingPermissions(["manage_channels", "embed_links"])
    await tree().on_error(missing, error)
    names = [t.pgettext("permission", "Manage Channels"), t.pgettext("permission", "Embed Links")]
    text = answer_of(missing).text
    assert format_list(names, locale=ES) in text
    spanish(text)
    cooldown = es(bot)
    await tree().on_error(
        cooldown, app_commands.CommandOnCooldown(app_commands.Cooldown(1, 9), 4.2)
    )
    spanish(answer_of(cooldown))
    broken = es(bot)
    await tree().on_error(broken, app_commands.CommandInvokeError(_command(), KeyError()))
    generic = answer_of(broken).text
    assert generic != GENERIC_FAILURE
    spanish(generic)


async def test_subscribe_and_its_notes_in_spanish(store: Store, bot: Any) -> None:
    cog = Subscriptions(bot)
    first = organizer(bot)
    await invoke(cog.subscribe, cog, first, election="all")
    spanish(answer_of(first))
    live = organizer(bot)
    await invoke(cog.subscribe, cog, live, election="jfk8", mode="live", language="es")
    text = words(answer_of(live))
    assert str(Locale.parse("es").get_display_name(Locale.parse(ES))) in text  # "español"
    spanish(text)  # the overlap with `all` too
    back = organizer(bot)
    await invoke(cog.subscribe, cog, back, election="jfk8", mode="post", level="final")
    spanish(answer_of(back))  # the change of mode
    listing = organizer(bot, command="subscriptions")
    await invoke(cog.subscriptions, cog, listing)
    spanish(answer_of(listing))
    gone = organizer(bot)
    await invoke(cog.unsubscribe, cog, gone, election="bessemer")
    spanish(answer_of(gone))  # the channel follows other elections
    member = make_interaction(bot, locale="es-ES", command="subscribe")
    await invoke(cog.subscribe, cog, member, election="jfk8")
    spanish(answer_of(member))  # Manage Channels, as Spanish Discord names it


@pytest.mark.parametrize(("locale", "stored"), [("es-419", "es"), ("en-GB", "en"), ("fr", None)])
async def test_alerts_keep_the_users_locale_as_the_dms_language(
    store: Store, bot: Any, locale: str, stored: str | None
) -> None:
    cog = Subscriptions(bot)
    interaction = make_interaction(bot, locale=locale, command="alerts")
    await invoke(cog.alerts, cog, interaction, election="jfk8")
    async with store.read() as uow:
        sub = await uow.subscriptions.find(SubscriptionKind.DM, MEMBER_ID, "jfk8")
    assert sub is not None and sub.language == stored
    if stored == "es":
        spanish(answer_of(interaction))
        off = make_interaction(bot, locale=locale, command="alerts")
        await invoke(cog.alerts, cog, off, election="jfk8", state="off")
        spanish(answer_of(off))


async def test_the_all_choice_is_labelled_in_the_users_language(bot: Any) -> None:
    cog = Subscriptions(bot)
    [everything, *_] = await cog._subscribe_election(es(bot), "")
    assert everything.value == "all"
    assert everything.name == translator("es").pgettext("choice", "all — every election")
    assert everything.name != (await cog._subscribe_election(make_interaction(bot), ""))[0].name


async def test_report_replies_in_spanish(store: Store, bot: Any) -> None:
    reports = Reports(bot, clock=lambda: T0)
    user = make_member(REPORTER_ID)
    done = make_interaction(bot, user=user, locale="es-ES", command="report")
    await invoke(reports.report, reports, done, election="jfk8", counts="1700 1300")
    text = words(answer_of(done))
    assert f"Sin sindicato **{format_decimal(1300, locale=ES)}**" in text
    spanish(text)  # the feed that publishes the round, named
    malformed = make_interaction(bot, user=user, locale="es-ES", command="report")
    await invoke(reports.report, reports, malformed, election="jfk8", counts="17OO 1300")
    assert "**Sin sindicato**" in answer_of(malformed).text
    spanish(answer_of(malformed))
    stranger = make_interaction(bot, locale="es-ES", command="report")
    await invoke(reports.report, reports, stranger, election="jfk8", counts="1 1")
    spanish(answer_of(stranger))


async def test_feeds_and_sync_in_spanish(bot: Any) -> None:
    owner = Owner(bot, clock=lambda: T0)
    feeds = make_interaction(bot, user=make_member(OWNER_ID), locale="es-ES", command="feeds")
    await invoke(owner.feeds, owner, feeds)
    spanish(answer_of(feeds))
    unknown = make_interaction(bot, user=make_member(OWNER_ID), locale="es-ES", command="feeds")
    await invoke(owner.feeds, owner, unknown, poll="nope")
    spanish(answer_of(unknown))
    bot.sync_commands.return_value = ["status", "subscribe"]
    sync = make_interaction(bot, user=make_member(OWNER_ID), locale="es-ES", command="sync")
    await invoke(owner.sync, owner, sync)
    spanish(answer_of(sync))
    refused = make_interaction(bot, locale="es-ES", command="feeds")
    await invoke(owner.feeds, owner, refused)
    spanish(answer_of(refused))


def _command() -> Any:
    @app_commands.command(name="history", description="x")
    async def history(interaction: Any) -> None:
        return None

    return history

"""DESIGN §13 end to end: real discord.py against the double, in Spanish: the commands
synced with their es-ES and es-419 localisations (the double checks them against the
spec and Discord's naming rule); a post in Spanish for a subscription in Spanish, and for
a guild whose preferred locale is Spanish when its subscription names no language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from babel.numbers import format_decimal

from bot.config import SubscriptionSettings
from bot.render.i18n import LOCALES
from tests.discord_e2e.conftest import BotRig
from tests.render.catalogue_util import leaked_english, shown_text
from tests.support.jfk8 import jfk8

pytestmark = pytest.mark.e2e

SPANISH = ("es-ES", "es-419")


async def test_the_synced_commands_carry_their_spanish_localisations(rig: BotRig) -> None:
    commands = {c["name"]: c for c in rig.double.commands(rig.double.guild)}
    assert len(commands) >= 10
    for name, command in commands.items():
        for locale in SPANISH:
            assert command["name_localizations"].get(locale), (name, locale)
            assert command["description_localizations"].get(locale), (name, locale)
        for option in command["options"]:
            assert all(option["name_localizations"].get(locale) for locale in SPANISH), option
            for choice in option.get("choices", []):
                assert choice["name_localizations"]["es-419"], choice
    assert commands["status"]["name_localizations"]["es-419"] == "estado"
    assert commands["subscribe"]["name_localizations"]["es-ES"] == "suscribir"
    assert rig.double.take_problems() == []  # nothing the double refused


def _words_of(message: dict[str, Any]) -> str:
    """What a reader sees of a message: its content and every embed's text."""
    return shown_text(message.get("content"), message.get("embeds") or [])


def _ours(text: str) -> str:
    """Without feed text (names, the source) and links: what the catalogues must translate."""
    for name in ("Amazon JFK8 (Staten Island, NY)", "Amazon Labor Union", *FEED_WORDS):
        text = text.replace(name, " ")
    return re.sub(r"https?://\S+", " ", text)


FEED_WORDS = ("ALU count watchers, unofficial", "Amazon JFK8")


def _is_spanish_day_one(message: dict[str, Any]) -> None:
    text = _words_of(message)
    es = LOCALES["es"]
    title = message["embeds"][0]["title"]
    assert "recuento en pausa" in title, title
    assert f"{format_decimal(1518, locale=es)}–{format_decimal(1154, locale=es)}" in text
    assert "Sin sindicato" in text and "No union" not in text
    assert leaked_english(_ours(text)) == set(), text


async def test_a_guild_whose_locale_is_es_419_gets_spanish_posts(rig: BotRig) -> None:
    guild = rig.double.guild
    guild.preferred_locale = "es-419"
    await rig.double.push_guild_update(guild)
    assert rig.bot is not None
    bot = rig.bot
    await rig.double.wait_until(
        lambda: str(getattr(bot.get_guild(guild.id), "preferred_locale", "")) == "es-419",
        5,
        "the guild's new locale",
    )
    await rig.double.send_interaction(
        "subscribe", {"election": "jfk8"}, user=rig.double.organizer
    )  # no language: the guild's
    await rig.publish(jfk8("paused", 1518, 1154))
    [message] = await rig.double.wait_for_messages(rig.double.channel)
    _is_spanish_day_one(message)


async def test_a_subscription_in_spanish_gets_spanish_posts_in_an_english_guild(
    rig: BotRig,
) -> None:
    english = rig.double.world.add_channel(rig.double.guild, "english-posts")
    rig.subscriptions = (
        SubscriptionSettings(election="jfk8", channel_id=rig.double.channel.id, language="es"),
        SubscriptionSettings(election="jfk8", channel_id=english.id),
    )
    await rig.stop()
    await rig.start()  # the config's subscriptions are synced at start
    await rig.publish(jfk8("paused", 1518, 1154), fetched=2)
    [spanish] = await rig.double.wait_for_messages(rig.double.channel)
    [control] = await rig.double.wait_for_messages(english)
    _is_spanish_day_one(spanish)
    assert "count paused" in control["embeds"][0]["title"]  # the guild's en-US, the default
    assert leaked_english(_ours(_words_of(control)))  # the check finds English when it is there


def _reply_words(callback: dict[str, Any]) -> str:
    return _words_of(callback.get("data") or {})


async def test_a_spanish_user_gets_status_and_errors_in_spanish(rig: BotRig) -> None:
    await rig.double.send_interaction("subscribe", {"election": "jfk8"}, user=rig.double.organizer)
    await rig.publish(jfk8("paused", 1518, 1154))
    await rig.double.wait_for_messages(rig.double.channel)  # published
    status = await rig.double.send_interaction("status", {"election": "jfk8"}, locale="es-419")
    _is_spanish_day_one((await status.response())["data"])
    unknown = await rig.double.send_interaction("status", {"election": "jfk9"}, locale="es-ES")
    text = _reply_words(await unknown.response())
    assert "`jfk8`" in text and leaked_english(_ours(text)) == set(), text


async def test_an_alerts_dm_keeps_the_language_its_user_had_when_subscribing(
    rig: BotRig,
) -> None:
    handle = await rig.double.send_interaction(
        "alerts", {"election": "jfk8", "level": "all"}, user=rig.double.member, locale="es-ES"
    )
    reply = _reply_words(await handle.response())
    assert leaked_english(_ours(reply)) == set(), reply
    await rig.publish(jfk8("paused", 1518, 1154))  # the guild stays en-US
    [dm] = await rig.double.wait_until(
        lambda: rig.double.dm_messages(rig.double.member) or None, 10, "a DM"
    )
    _is_spanish_day_one(dm)

"""The slash commands in Spanish (DESIGN §8, §13): every command name, description, option
name, option description and choice name carries its es-ES and es-419 localisation; the
base names stay English; Spanish names are names Discord accepts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, cast

import discord
import pytest
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.config import Settings
from bot.core.models import Status
from bot.discord.client import TallyBot
from bot.discord.cogs import add_cogs
from bot.discord.translator import CatalogueTranslator, is_command_name, localisable
from bot.render.i18n import translator
from bot.render.labels import status_label

SPANISH = ("es-ES", "es-419")
Json = dict[str, Any]
DESCRIPTION_MAX = 100  # Discord's limit for descriptions and choice names


async def _payloads() -> list[Json]:
    """What `tree.sync()` sends: each command's payload, translated."""
    bot = TallyBot(settings=Settings(), store=cast(Any, None), session=cast(Any, None))
    await bot.tree.set_translator(CatalogueTranslator())
    await add_cogs(bot)
    translator = bot.tree.translator
    assert translator is not None
    return [await c.get_translated_payload(bot.tree, translator) for c in bot.tree.get_commands()]


def _named(payloads: list[Json]) -> Iterator[tuple[str, Json]]:
    """Every command and option (path, payload), then every choice."""
    for command in payloads:
        yield f"/{command['name']}", command
        for option in command.get("options", []):
            yield f"/{command['name']} {option['name']}", option


def _choices(payloads: list[Json]) -> Iterator[tuple[str, Json]]:
    for command in payloads:
        for option in command.get("options", []):
            for choice in option.get("choices", []):
                yield f"/{command['name']} {option['name']}={choice['value']}", choice


async def test_every_command_and_option_has_a_spanish_name_and_description() -> None:
    payloads = await _payloads()
    assert len(payloads) >= 10
    for path, item in _named(payloads):
        names, descriptions = item["name_localizations"], item["description_localizations"]
        for locale in SPANISH:
            assert names.get(locale), (path, locale)
            assert descriptions.get(locale), (path, locale)
        assert names["es-ES"] == names["es-419"], path
        assert len(descriptions["es-ES"]) <= DESCRIPTION_MAX, path


async def test_every_choice_has_a_spanish_name() -> None:
    choices = list(_choices(await _payloads()))
    assert len(choices) >= 10  # levels, on/off, statuses, sync scopes
    for path, choice in choices:
        localised = choice.get("name_localizations", {})
        assert all(localised.get(locale) for locale in SPANISH), path
        assert len(localised["es-ES"]) <= DESCRIPTION_MAX, path


async def test_the_base_names_stay_english_and_spanish_reads_spanish() -> None:
    by_name = {c["name"]: c for c in await _payloads()}
    assert {"status", "history", "subscribe", "report"} <= by_name.keys()
    assert by_name["status"]["name_localizations"]["es-ES"] == "estado"
    assert by_name["history"]["name_localizations"]["es-419"] == "historial"
    [election] = [o for o in by_name["status"]["options"] if o["name"] == "election"]
    assert election["name_localizations"]["es-ES"] == "elección"
    [status] = [o for o in by_name["report"]["options"] if o["name"] == "status"]
    paused = next(c for c in status["choices"] if c["value"] == "paused")
    assert paused["name"] == "Count paused"
    assert paused["name_localizations"]["es-ES"] == "Recuento en pausa"


async def test_spanish_names_are_names_discord_accepts_and_unique_in_their_command() -> None:
    for command in await _payloads():
        assert is_command_name(command["name_localizations"]["es-ES"]), command["name"]
        names = [o["name_localizations"]["es-ES"] for o in command.get("options", [])]
        assert all(is_command_name(name) for name in names), names
        assert len(set(names)) == len(names), command["name"]
    spanish = [c["name_localizations"]["es-ES"] for c in await _payloads()]
    assert len(set(spanish)) == len(spanish)


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("estado", True),
        ("cancelar-suscripción", True),
        ("ronda_2", True),
        ("Estado", False),
        ("mi comando", False),
        ("x" * 33, False),
        ("", False),
        ("¿estado?", False),
    ],
)
def test_command_names_follow_discords_rule(name: str, accepted: bool) -> None:
    assert is_command_name(name) is accepted


async def test_a_string_the_catalogue_lacks_is_left_english_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    translator = CatalogueTranslator()
    context = app_commands.TranslationContext(location=Where.command_description, data=None)
    unknown = app_commands.locale_str("A description nobody translated.")
    with caplog.at_level(logging.WARNING, logger="bot.discord.translator"):
        for _ in range(2):
            spanish = discord.Locale.spain_spanish
            assert await translator.translate(unknown, spanish, context) is None
    assert len(caplog.records) == 1 and "nobody translated" in caplog.records[0].getMessage()


async def test_languages_we_do_not_speak_get_no_localisation() -> None:
    translator = CatalogueTranslator()
    context = app_commands.TranslationContext(location=Where.command_name, data=None)
    status = app_commands.locale_str("status")
    assert await translator.translate(status, discord.Locale.french, context) is None
    assert await translator.translate(status, discord.Locale.american_english, context) is None
    latin = discord.Locale.latin_american_spanish
    assert await translator.translate(status, latin, context) == "estado"


async def test_report_status_choices_are_the_status_labels_translated_once() -> None:
    """One set of Spanish words for a status: /report's choices say what posts say."""
    by_name = {c["name"]: c for c in await _payloads()}
    [status] = [o for o in by_name["report"]["options"] if o["name"] == "status"]
    spanish = translator("es")
    choices = {c["value"]: c for c in status["choices"]}
    assert set(choices) == {s.value for s in Status}
    for value, choice in choices.items():
        label = status_label(spanish, Status(value))
        assert choice["name_localizations"]["es-ES"] == label, value
        assert choice["name"] == status_label(translator("en"), Status(value))
    bot = TallyBot(settings=Settings(), store=cast(Any, None), session=cast(Any, None))
    await add_cogs(bot)
    asked = await localisable(bot.tree)
    assert ("status", "Counting") in asked and ("option choice", "Counting") not in asked

"""DESIGN §13 end to end: real discord.py against the double, in Spanish: the commands
synced with their es-ES and es-419 localisations (the double checks them against the
spec and Discord's naming rule)."""

from __future__ import annotations

import pytest

from tests.discord_e2e.conftest import BotRig

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

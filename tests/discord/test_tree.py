"""The tree's one error handler: readable ephemeral answers, unexpected errors logged."""

from __future__ import annotations

import logging
from typing import Any
from unittest.mock import MagicMock

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs import add_cogs
from bot.discord.cogs.errors import UserError
from bot.discord.tree import GENERIC_FAILURE, user_message
from bot.render.i18n import translator
from bot.render.said import said
from tests.discord.cogs.fakes import answer_of, make_interaction, mention_free, tree


async def test_a_user_error_becomes_an_ephemeral_reply(bot: Any) -> None:
    interaction = make_interaction(bot)
    wrapped = app_commands.CommandInvokeError(_command(), UserError("Pick a text channel."))
    await tree().on_error(interaction, wrapped)
    answer = answer_of(interaction)
    assert answer.via == "response" and answer.ephemeral
    assert answer.kwargs["content"] == "Pick a text channel."
    assert mention_free(answer.kwargs["allowed_mentions"])


@pytest.mark.parametrize(("locale", "language"), [("es-419", "es"), ("en-GB", "en")])
async def test_a_user_error_is_told_in_the_users_language(
    bot: Any, locale: str, language: str
) -> None:
    refusal = said("{channel} no longer exists.", channel="<#5>")
    interaction = make_interaction(bot, locale=locale)
    await tree().on_error(
        interaction, app_commands.CommandInvokeError(_command(), UserError(refusal))
    )
    expected = translator(language).gettext("{channel} no longer exists.").format(channel="<#5>")
    assert answer_of(interaction).kwargs["content"] == expected


async def test_an_unexpected_error_is_logged_with_the_command_and_answered_generically(
    bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    interaction = make_interaction(bot, command="history")
    boom = app_commands.CommandInvokeError(_command(), RuntimeError("disk on fire"))
    with caplog.at_level(logging.ERROR, logger="bot.discord.tree"):
        await tree().on_error(interaction, boom)
    [record] = caplog.records
    assert "/history" in record.getMessage()
    assert record.exc_info is not None and "disk on fire" in str(record.exc_info[1])
    answer = answer_of(interaction)
    assert answer.ephemeral and answer.kwargs["content"] == GENERIC_FAILURE
    assert "disk on fire" not in answer.text  # never shown to the user


@pytest.mark.parametrize("ephemeral", [True, False])
async def test_after_a_defer_the_placeholder_is_edited_to_tell(bot: Any, ephemeral: bool) -> None:
    interaction = make_interaction(bot)
    await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    await tree().on_error(interaction, app_commands.CommandInvokeError(_command(), KeyError()))
    answer = answer_of(interaction)
    assert answer.via == "edit" and answer.ephemeral is ephemeral
    assert answer.kwargs["content"] == GENERIC_FAILURE
    assert answer.kwargs["embeds"] == [] and answer.kwargs["attachments"] == []
    interaction.delete_original_response.assert_not_awaited()


async def test_when_the_placeholder_cannot_be_edited_a_followup_tells(bot: Any) -> None:
    interaction = make_interaction(bot)
    await interaction.response.defer(thinking=True)
    interaction.edit_original_response.side_effect = discord.NotFound(_http_response(404), "x")
    await tree().on_error(interaction, app_commands.CommandInvokeError(_command(), KeyError()))
    interaction.followup.send.assert_awaited_once()
    assert interaction.followup.send.await_args.kwargs["ephemeral"] is True


async def test_an_expired_interaction_is_logged_not_raised(
    bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    interaction = make_interaction(bot)
    response = _http_response(404)
    interaction.response.send_message.side_effect = discord.NotFound(response, "Unknown")
    await tree().on_error(interaction, app_commands.CheckFailure())
    assert "could not answer interaction" in caplog.text


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (app_commands.MissingPermissions(["manage_channels"]), "You need Manage Channels"),
        (app_commands.BotMissingPermissions(["embed_links"]), "I need Embed Links"),
        (app_commands.CommandOnCooldown(app_commands.Cooldown(1, 10), 4.2), "in 5 seconds"),
        (app_commands.NoPrivateMessage(), "only in a server"),
        (app_commands.CheckFailure(), "You can't use this command here"),
        (
            app_commands.TransformerError(
                "123", discord.AppCommandOptionType.channel, app_commands.Transformer()
            ),
            "a channel I can see",
        ),
        (app_commands.CommandNotFound("status", []), "try again in a minute"),
    ],
)
def test_library_errors_get_readable_text(error: Exception, says: str) -> None:
    message = user_message(error)
    assert message is not None and says in message


def test_anything_else_is_unexpected() -> None:
    assert user_message(app_commands.CommandInvokeError(_command(), ValueError())) is None
    assert user_message(RuntimeError()) is None


async def test_add_cogs_registers_every_command_of_design_section_8(bot: Any) -> None:
    client = commands.Bot(
        command_prefix="!", intents=discord.Intents(guilds=True), tree_cls=type(tree())
    )
    await add_cogs(client)
    names = {c.name for c in client.tree.get_commands()}
    assert names == {
        "status",
        "history",
        "elections",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "alerts",
        "report",
        "feeds",
        "sync",
    }
    options = {
        c.name: [p.display_name for p in c.parameters]
        for c in client.tree.get_commands()
        if isinstance(c, app_commands.Command)
    }
    assert options["status"] == ["election", "round"]
    assert options["subscribe"] == ["election", "channel", "level", "role", "mode", "language"]
    assert options["unsubscribe"] == ["election", "channel"]
    for command in client.tree.walk_commands():
        assert command.description and len(command.description) <= 100
        assert isinstance(command, app_commands.Command)
        for parameter in command.parameters:
            assert parameter.description not in ("…", "", None), (command.name, parameter.name)
    await client.close()


def _command() -> Any:
    @app_commands.command(name="history", description="x")
    async def history(interaction: discord.Interaction) -> None:
        return None

    return history


def _http_response(status: int) -> Any:
    response = MagicMock()
    response.status = status
    response.reason = "Not Found"
    return response

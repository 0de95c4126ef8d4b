"""The command tree: one error handler that turns every slash command failure into an
ephemeral answer the user can read, in their language, and logs what the user cannot fix."""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.core.models import DEFAULT_LANGUAGE
from bot.discord.cogs._access import permission_names
from bot.discord.cogs._inputs import check_options
from bot.discord.cogs._replies import language_of, no_mentions
from bot.discord.cogs.errors import UserError, code
from bot.render.rich import Code
from bot.render.said import Said, nsaid, psaid, said

if TYPE_CHECKING:
    from bot.discord.client import TallyBot

log = logging.getLogger(__name__)

_GENERIC = said("Something went wrong on my side; it was logged. Please try again later.")
GENERIC_FAILURE = str(_GENERIC)
_OPTION_KINDS: dict[discord.AppCommandOptionType, Said] = {
    discord.AppCommandOptionType.channel: psaid("option kind", "a channel I can see"),
    discord.AppCommandOptionType.role: psaid("option kind", "a role"),
    discord.AppCommandOptionType.user: psaid("option kind", "a member"),
    discord.AppCommandOptionType.integer: psaid("option kind", "a whole number"),
    discord.AppCommandOptionType.number: psaid("option kind", "a number"),
}


def explain(error: Exception) -> Said | str | None:
    """What to tell the user about `error`, or None when it is unexpected (to be logged).

    Precedence, first match wins:
    1. `CommandInvokeError` is unwrapped to the exception the command raised;
    2. `UserError` (ours, raised by a command or a check): its own message;
    3. `MissingPermissions`: the permissions the member lacks;
    4. `BotMissingPermissions`: the permissions the bot lacks;
    5. `CommandOnCooldown`: when to try again;
    6. `NoPrivateMessage`, then any other `CheckFailure`: not allowed here;
    7. `TransformerError`: an option value that could not be used;
    8. `CommandNotFound` / `CommandSignatureMismatch`: commands out of sync with Discord;
    9. anything else: None, so the caller logs it with the command and answers generically.
    """
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserError):
        return error.said or error.message
    if isinstance(error, app_commands.MissingPermissions):
        names = permission_names(error.missing_permissions)
        return said("You need {permissions} to use this command.", permissions=names)
    if isinstance(error, app_commands.BotMissingPermissions):
        names = permission_names(error.missing_permissions)
        return said("I need {permissions} here to do that.", permissions=names)
    if isinstance(error, app_commands.CommandOnCooldown):
        seconds = math.ceil(error.retry_after)
        return nsaid(
            "Slow down: try again in {seconds} second.",
            "Slow down: try again in {seconds} seconds.",
            seconds,
            seconds=seconds,
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return said("This command works only in a server.")
    if isinstance(error, app_commands.CheckFailure):
        return said("You can't use this command here.")
    if isinstance(error, app_commands.TransformerError):
        wanted = _OPTION_KINDS.get(error.type) or psaid(
            "option kind", "a value of type {type}", type=Code(error.type.name)
        )
        value = code(str(getattr(error.value, "name", error.value)))
        return said("I couldn't use {value} here: it needs {wanted}.", value=value, wanted=wanted)
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return said("This command changed since Discord last loaded it: try again in a minute.")
    return None


def user_message(error: Exception, language: str = DEFAULT_LANGUAGE) -> str | None:
    """`explain`'s answer written in `language`, or None when the error is unexpected."""
    found = explain(error)
    if found is None or isinstance(found, str):
        return found
    return found.markdown(language)


class TallyTree(app_commands.CommandTree["TallyBot"]):
    """Every command and autocomplete is checked here first (text options, `_inputs`), and
    every error of every command ends here: the user gets an ephemeral answer (see
    `user_message` for the precedence); unexpected errors are logged with the command's
    name and answered with a generic "it was logged"."""

    async def interaction_check(self, interaction: discord.Interaction[TallyBot]) -> bool:
        """Refuse bad text options before any command or autocomplete sees them: a command
        gets an ephemeral reply saying what is wrong, an autocomplete no choices."""
        try:
            check_options(interaction.data)
        except UserError as refused:
            name = interaction.command.qualified_name if interaction.command else "(unknown)"
            log.debug("command /%s input refused: %s", name, refused.message)
            if interaction.type is discord.InteractionType.autocomplete:
                await _no_choices(interaction)
            else:
                await tell(interaction, refused.render(language_of(interaction)))
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction[TallyBot], error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "(unknown)"
        language = language_of(interaction)
        message = user_message(error, language)
        if message is None:
            original = getattr(error, "original", error)
            log.error(
                "command /%s failed for user %s",
                name,
                interaction.user.id,
                exc_info=(type(original), original, original.__traceback__),
            )
            message = _GENERIC.markdown(language)
        else:
            log.debug("command /%s refused: %s", name, message)
        await tell(interaction, message)


async def tell(interaction: discord.Interaction[TallyBot], message: str) -> None:
    """An ephemeral answer: the response when none was sent; after a defer, the "thinking…"
    placeholder edited to say it (a deferred command always gets its reply edited, on an
    error too; it keeps the defer's visibility); else a followup."""
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=no_mentions()
            )
            return
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            try:
                await interaction.edit_original_response(
                    content=message, embeds=[], attachments=[], allowed_mentions=no_mentions()
                )
                return
            except discord.HTTPException as exc:
                log.debug("could not edit the placeholder of a failed command: %s", exc)
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=no_mentions())
    except discord.HTTPException as exc:
        # The interaction expired (3 s, or 15 min for followups) or Discord refused: the
        # user cannot be told; the error itself was handled above.
        log.warning("could not answer interaction %s: %s", interaction.id, exc)


async def _no_choices(interaction: discord.Interaction[TallyBot]) -> None:
    """Answer an autocomplete with no choices (bad input looks nothing up)."""
    try:
        if not interaction.response.is_done():
            await interaction.response.autocomplete([])
    except discord.HTTPException as exc:
        log.debug("could not answer autocomplete %s: %s", interaction.id, exc)

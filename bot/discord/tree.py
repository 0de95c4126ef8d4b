"""The command tree: one error handler that turns every slash command failure into an
ephemeral answer the user can read, and logs what the user cannot fix."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.discord.cogs._inputs import check_options
from bot.discord.cogs._replies import no_mentions
from bot.discord.cogs.errors import UserError

if TYPE_CHECKING:
    from bot.discord.client import TallyBot

log = logging.getLogger(__name__)

GENERIC_FAILURE = "Something went wrong on my side; it was logged. Please try again later."
_OPTION_KINDS = {
    discord.AppCommandOptionType.channel: "a channel I can see",
    discord.AppCommandOptionType.role: "a role",
    discord.AppCommandOptionType.user: "a member",
    discord.AppCommandOptionType.integer: "a whole number",
    discord.AppCommandOptionType.number: "a number",
}


def permission_names(names: Sequence[str]) -> str:
    """discord.py's flag names as Discord shows them: manage_channels -> Manage Channels."""
    shown = [n.replace("_", " ").replace("guild", "server").title() for n in names]
    return ", ".join(shown)


def user_message(error: Exception) -> str | None:
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
        return error.message
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need {permission_names(error.missing_permissions)} to use this command."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I need {permission_names(error.missing_permissions)} here to do that."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {math.ceil(error.retry_after)}s."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only in a server."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    if isinstance(error, app_commands.TransformerError):
        wanted = _OPTION_KINDS.get(error.type, f"a {error.type.name}")
        value = str(getattr(error.value, "name", error.value)).replace("`", "'")[:60]
        return f"I couldn't use `{value}` here: it needs {wanted}."
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return "This command changed since Discord last loaded it: try again in a minute."
    return None


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
                await tell(interaction, refused.message)
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction[TallyBot], error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "(unknown)"
        message = user_message(error)
        if message is None:
            original = getattr(error, "original", error)
            log.error(
                "command /%s failed for user %s",
                name,
                interaction.user.id,
                exc_info=(type(original), original, original.__traceback__),
            )
            message = GENERIC_FAILURE
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

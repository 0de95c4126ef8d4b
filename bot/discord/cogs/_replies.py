"""Answering interactions: render bodies to discord.py embeds, reply or follow up, never ping."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import discord

from bot.render.body import Embed, MessageBody, fit_limits


def utcnow() -> datetime:
    """The cogs' default clock (tests pass their own)."""
    return datetime.now(UTC)


def no_mentions() -> discord.AllowedMentions:
    """Every reply pings nobody: election names and reasons come from feeds and users."""
    return discord.AllowedMentions.none()


def embeds_of(body: MessageBody) -> list[discord.Embed]:
    """The embeds of a rendered body (already within Discord's limits)."""
    return [discord.Embed.from_dict(embed) for embed in body["embeds"]]


def body_of(embed: Embed, content: str = "") -> MessageBody:
    """One embed as a message body, cut to Discord's limits."""
    return fit_limits(MessageBody(content=content, embeds=[embed], allowed_mentions={"parse": []}))


def _deferred(interaction: discord.Interaction[Any]) -> bool:
    return interaction.response.type is discord.InteractionResponseType.deferred_channel_message


async def reply(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    body: MessageBody | None = None,
    embeds: Sequence[discord.Embed] = (),
    ephemeral: bool = True,
    files: Sequence[discord.File] = (),
) -> None:
    """Answer with text, a rendered body and/or embeds and files: the response when none was
    sent; the "thinking…" placeholder, edited, after a defer (it keeps the defer's
    visibility); else a followup. Ephemeral by default: only /status and /history are public.
    """
    if body is not None:
        content = content or body["content"] or None
        embeds = [*embeds, *embeds_of(body)]
    kwargs: dict[str, Any] = {"allowed_mentions": no_mentions()}
    if content:
        kwargs["content"] = content
    if embeds:
        kwargs["embeds"] = list(embeds)
    if not interaction.response.is_done():
        if files:
            kwargs["files"] = list(files)
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
    elif _deferred(interaction):
        if files:
            kwargs["attachments"] = list(files)
        await interaction.edit_original_response(**kwargs)
    else:
        if files:
            kwargs["files"] = list(files)
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)

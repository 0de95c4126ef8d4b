"""Answering interactions: the reader's language, bodies as discord.py embeds, sentences in
that language; reply or follow up, never ping."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import discord

from bot.core.models import DEFAULT_LANGUAGE
from bot.render.body import Embed, MessageBody, fit_limits
from bot.render.i18n import Translator, language_of_locale
from bot.render.rich import Code, Text
from bot.render.said import Said, lines

# What a reply says: our words already written, one sentence, or sentences one per line.
Content = str | Said | Sequence[Said | None]


def utcnow() -> datetime:
    """The cogs' default clock (tests pass their own)."""
    return datetime.now(UTC)


def language_of(interaction: discord.Interaction[Any]) -> str:
    """The language a reply is written in (DESIGN §13): the user's locale when the bot
    speaks it, else the server's preferred locale when it does, else `defaults.language`."""
    guild_locale = interaction.guild_locale if interaction.guild_id is not None else None
    for locale in (interaction.locale, guild_locale):
        language = language_of_locale(str(locale) if locale is not None else None)
        if language is not None:
            return language
    settings = getattr(interaction.client, "settings", None)
    return str(settings.defaults.language) if settings is not None else DEFAULT_LANGUAGE


def user_language(interaction: discord.Interaction[Any]) -> str | None:
    """The user's own locale as a language the bot speaks, else None (an /alerts DM keeps
    it: DESIGN §13)."""
    return language_of_locale(str(interaction.locale) if interaction.locale else None)


def option_name(option: str) -> Callable[[Translator], Text]:
    """An option's name as the reader's Discord shows it (its localisation, else itself)."""
    return lambda t: (Code(t.find("option name", option) or option),)


def command_name(command: str) -> Callable[[Translator], Text]:
    """A command as the reader's Discord shows it and takes it typed: "/suscripciones"."""
    return lambda t: (Code("/" + (t.find("command name", command) or command)),)


def written(content: Content | None, language: str) -> str | None:
    """A reply's words in `language`."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, Said):
        return content.markdown(language)
    return lines(content, language)


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
    content: Content | None = None,
    *,
    body: MessageBody | None = None,
    embeds: Sequence[discord.Embed] = (),
    ephemeral: bool = True,
    files: Sequence[discord.File] = (),
) -> None:
    """Answer with text, a rendered body and/or embeds and files: the response when none was
    sent; the "thinking…" placeholder, edited, after a defer (it keeps the defer's
    visibility); else a followup. Ephemeral by default: only /status and /history are public.
    Sentences are written in the interaction's language (`language_of`).
    """
    text = written(content, language_of(interaction))
    if body is not None:
        text = text or body["content"] or None
        embeds = [*embeds, *embeds_of(body)]
    kwargs: dict[str, Any] = {"allowed_mentions": no_mentions()}
    if text:
        kwargs["content"] = text
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

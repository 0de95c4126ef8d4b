"""/feeds and /sync: the owners' view of feed health, and command registration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs import _feeds
from bot.discord.cogs._access import refuse_unless
from bot.discord.cogs._replies import command_name, language_of, reply, utcnow
from bot.discord.cogs.errors import UserError
from bot.render.admin import render_feeds
from bot.render.rich import Code
from bot.render.said import Listed, nsaid, said

if TYPE_CHECKING:
    from bot.discord.client import TallyBot

Choice = app_commands.Choice
SCOPE_CHOICES = [
    Choice(name="this server (instant)", value="guild"),
    Choice(name="global (every server; may take a while to show)", value="global"),
]


class Owner(commands.Cog):
    """Commands for the bot's owners (`discord.owner_ids`, else the application's owner)."""

    def __init__(self, bot: TallyBot, clock: Callable[[], datetime] = utcnow) -> None:
        self.bot = bot
        self.clock = clock

    async def _require_owner(self, interaction: discord.Interaction[TallyBot]) -> None:
        refuse_unless(
            await self.bot.is_owner(interaction.user),
            said("Only the bot's owners may use this command."),
        )

    @app_commands.command(name="feeds", description="Feed health: last success, errors, next poll.")
    @app_commands.describe(poll="A feed to poll now (its id), before the health is shown")
    async def feeds(
        self, interaction: discord.Interaction[TallyBot], poll: str | None = None
    ) -> None:
        """Ephemeral: each configured feed's health, and other sources holding tallies;
        with `poll`, that feed is polled first (deferred: a fetch can take seconds)."""
        await self._require_owner(interaction)
        configured = {feed.id: feed for feed in self.bot.settings.feeds}
        if poll is not None:
            feed_id = _feeds.known_feed(configured, poll)
            runtime = _feeds.runtime_of(self.bot.runtime)
            await interaction.response.defer(ephemeral=True, thinking=True)
            await runtime.poll_now(feed_id)
        async with self.bot.store.read() as uow:
            states = {s.feed_id: s for s in await uow.feeds.get_all()}
            held = await uow.tallies.count_by_source()
        scheduler = self.bot.runtime.scheduler if self.bot.runtime is not None else None
        rows = [
            _feeds.feed_row(
                feed,
                states.get(feed.id),
                scheduler.next_run(feed.id) if scheduler is not None else None,
                held.get(feed.id, 0),
            )
            for feed in configured.values()
        ]
        others = {source: n for source, n in held.items() if source not in configured}
        body = render_feeds(rows, others, self.clock(), language=language_of(interaction))
        await reply(interaction, body=body)

    @feeds.autocomplete("poll")
    async def _feed_ids(
        self, interaction: discord.Interaction[TallyBot], current: str
    ) -> list[Choice[str]]:
        needle = current.strip().lower()
        ids = [f.id for f in self.bot.settings.feeds if needle in f.id]
        return [Choice(name=i, value=i) for i in ids[:25]]

    @app_commands.command(name="sync", description="Register the slash commands with Discord.")
    @app_commands.describe(scope="This server (instant) or global (default: this server)")
    @app_commands.choices(scope=SCOPE_CHOICES)
    async def sync(
        self, interaction: discord.Interaction[TallyBot], scope: str | None = None
    ) -> None:
        """Ephemeral: syncs to this server (default) or globally."""
        await self._require_owner(interaction)
        scope = scope or ("guild" if interaction.guild_id is not None else "global")
        if scope == "guild" and interaction.guild_id is None:
            raise UserError(
                said(
                    "Use {option} in DMs: there is no server here.",
                    option=lambda t: Code((t.find("option name", "scope") or "scope") + ": global"),
                )
            )
        guild_id = interaction.guild_id if scope == "guild" else None
        await interaction.response.defer(ephemeral=True, thinking=True)
        names = await self.bot.sync_commands(guild_id)
        commands_ = Listed(tuple(command_name(name) for name in names))
        count = len(names)
        if guild_id is not None:
            done = nsaid(
                "Synced {count} command to this server: {commands}.",
                "Synced {count} commands to this server: {commands}.",
                count,
                count=count,
                commands=commands_,
            )
        else:
            done = nsaid(
                "Synced {count} command to every server (global): {commands}.",
                "Synced {count} commands to every server (global): {commands}.",
                count,
                count=count,
                commands=commands_,
            )
        await reply(interaction, done)

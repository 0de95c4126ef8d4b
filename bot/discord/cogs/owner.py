"""/feeds and /sync: the owners' view of feed health, and command registration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs._access import refuse_unless
from bot.discord.cogs._feeds import FeedHealth, health_body
from bot.discord.cogs._replies import reply, utcnow
from bot.discord.cogs.errors import UserError

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
        refuse_unless(await self.bot.is_owner(interaction.user), "the bot's owners")

    @app_commands.command(name="feeds", description="Feed health: last success, errors, next poll.")
    async def feeds(self, interaction: discord.Interaction[TallyBot]) -> None:
        """Ephemeral: each configured feed's health, and other sources holding tallies."""
        await self._require_owner(interaction)
        async with self.bot.store.read() as uow:
            states = {s.feed_id: s for s in await uow.feeds.get_all()}
            held = await uow.tallies.count_by_source()
        scheduler = self.bot.runtime.scheduler if self.bot.runtime is not None else None
        health = [
            FeedHealth(
                feed_id=feed.id,
                format=feed.format,
                interval_s=feed.interval_s,
                state=states.get(feed.id),
                next_poll=scheduler.next_run(feed.id) if scheduler is not None else None,
                tallies=held.get(feed.id, 0),
            )
            for feed in self.bot.settings.feeds
        ]
        configured = {feed.id for feed in self.bot.settings.feeds}
        others = {source: n for source, n in held.items() if source not in configured}
        await reply(interaction, body=health_body(health, others, self.clock()))

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
            raise UserError("Use `scope: global` in DMs: there is no server here.")
        guild_id = interaction.guild_id if scope == "guild" else None
        await interaction.response.defer(ephemeral=True, thinking=True)
        names = await self.bot.sync_commands(guild_id)
        where = "this server" if guild_id is not None else "every server (global)"
        listed = ", ".join(f"/{name}" for name in names) or "none"
        await reply(interaction, f"Synced {len(names)} command(s) to {where}: {listed}.")

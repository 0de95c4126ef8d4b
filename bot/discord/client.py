"""The Discord bot: settings, store, session and services are passed in (the composition
root builds them); `setup_hook` adds the commands and starts the services it was given,
`close` stops them (DESIGN §2, §7, §8)."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord
import yarl
from discord.ext import commands

from bot.config import Settings
from bot.core.models import LANGUAGES
from bot.discord.ratelimits import RateLimitCounter
from bot.discord.shards import gateway_options
from bot.discord.translator import CatalogueTranslator
from bot.services.runtime import Runtime
from bot.store import Store

log = logging.getLogger(__name__)


async def point_discord_py_at(api_base: str, token: str, session: aiohttp.ClientSession) -> str:
    """Send REST to `api_base` and take the gateway URL from `{api_base}/gateway/bot`
    (a rate-limit proxy, or a test double). Both patch points, always (DESIGN §10)."""
    base = api_base.rstrip("/")
    discord.http.Route.BASE = base
    headers = {"Authorization": f"Bot {token}", "User-Agent": "tallybot"}
    async with session.get(f"{base}/gateway/bot", headers=headers) as response:
        if response.status == 401:
            raise discord.LoginFailure("Improper token has been passed.")
        response.raise_for_status()
        data = await response.json(content_type=None)
    gateway = str(data["url"])
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    return gateway


class TallyBot(commands.AutoShardedBot):
    """Slash commands only: no message content intent, no prefix commands. Sharded: by
    discord.py alone (one process), or the shards `discord.shard_ids` names (DESIGN §9)."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        session: aiohttp.ClientSession,
        **options: Any,
    ) -> None:
        from bot.discord.tree import TallyTree

        intents = discord.Intents.none()
        intents.guilds = True  # channels, roles and our own member, for permission checks
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            tree_cls=TallyTree,
            owner_ids=set(settings.discord.owner_ids) or None,
            allowed_mentions=discord.AllowedMentions.none(),
            **gateway_options(settings.discord.shard_count, settings.discord.shard_ids),
            **options,
        )
        self.settings = settings
        self.store = store
        self.session = session
        self.runtime: Runtime | None = None
        self.rate_limits: RateLimitCounter | None = None  # counts 429s into the metrics

    def attach(self, runtime: Runtime) -> None:
        """The services this bot starts in `setup_hook` and stops in `close` (without them,
        as for `sync`, it only registers its commands)."""
        self.runtime = runtime

    def language_of(self, guild_id: int | None) -> str | None:
        """The guild's preferred locale as a language the bot speaks, else None (DESIGN §13:
        read when a post is rendered, since a guild may change it)."""
        guild = self.get_guild(guild_id) if guild_id is not None else None
        return language_of_locale(str(guild.preferred_locale)) if guild is not None else None

    async def setup_hook(self) -> None:
        from bot.discord.cogs import add_cogs

        await self.tree.set_translator(CatalogueTranslator())  # Spanish command names (§13)
        await add_cogs(self)
        if self.rate_limits is not None:
            self.rate_limits.install()
        if self.runtime is not None:
            await self.runtime.start()
            for guild_id in self.settings.discord.dev_guild_ids:
                await self.sync_commands(guild_id)

    async def sync_commands(self, guild_id: int | None = None) -> list[str]:
        """Register the slash commands with one guild (instant) or globally."""
        if guild_id is None:
            synced = await self.tree.sync()
        else:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        names = sorted(command.name for command in synced)
        log.info("synced %d command(s) to %s", len(names), guild_id or "every guild")
        return names

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))
        await self.place_config_subscriptions()

    async def on_guild_available(self, guild: discord.Guild) -> None:
        # A guild that arrives after READY (a slow start, an outage ending).
        await self.place_config_subscriptions()

    async def place_config_subscriptions(self) -> int:
        """Give the config's channel subscriptions their server, now that the channels are
        known, so `/subscriptions` lists them there. Returns how many were placed."""
        async with self.store.read() as uow:  # usually nothing to do: no write lock then
            unplaced = await uow.subscriptions.channels_without_guild()
        found = {}
        for sub in unplaced:
            guild = getattr(self.get_channel(sub.target_id), "guild", None)
            if guild is not None:
                found[sub.id] = guild.id
        if not found:
            return 0
        async with self.store.transaction() as uow:
            for subscription_id, guild_id in found.items():
                await uow.subscriptions.set_guild(subscription_id, guild_id)
        return len(found)

    async def close(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
        if self.rate_limits is not None:
            self.rate_limits.uninstall()
        await super().close()


def language_of_locale(locale: str) -> str | None:
    """Discord locales the bot speaks: en-US, en-GB → en; es-ES, es-419 → es."""
    language = locale.split("-")[0].lower()
    return language if language in LANGUAGES else None

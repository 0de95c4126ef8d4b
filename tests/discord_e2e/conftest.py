"""The bot, for real: TallyBot (real discord.py) against the Discord double, a real feed
server on 127.0.0.1 and a real SQLite store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.cli.discord_run import compose_bot
from bot.config import (
    DiscordSettings,
    ElectionSettings,
    FeedSettings,
    Settings,
    SubscriptionSettings,
)
from bot.discord.client import TallyBot
from bot.store import Store
from tests.discord_double import DiscordDouble, running
from tests.discord_double.fixtures import discord_double, patched_discord  # noqa: F401
from tests.support.feed_server import FeedServer, serve_feed
from tests.support.jfk8 import jfk8


class BotRig:
    """A feed, a store and the bot; `restart()` keeps the store and the double."""

    def __init__(self, double: DiscordDouble, folder: Path, server: FeedServer) -> None:
        self.double = double
        self.server = server
        self.folder = folder
        self.bot: TallyBot | None = None
        self._stack: AsyncExitStack | None = None
        self.store: Store | None = None
        self.subscriptions: tuple[SubscriptionSettings, ...] = ()  # the config's, at start

    def settings(self) -> Settings:
        return Settings(
            discord=DiscordSettings(
                dev_guild_ids=(self.double.guild.id,),
                owner_ids=(self.double.owner.id,),
            ),
            feeds=(
                FeedSettings(id="organizers", url=self.server.url, format="native", interval=1.0),
            ),
            elections=(
                ElectionSettings(id="jfk8", case_number="29-RC-288020", name="Amazon JFK8"),
            ),
            subscriptions=self.subscriptions,
        )

    async def start(self) -> TallyBot:
        self._stack = AsyncExitStack()
        self.store = await Store.open(f"sqlite+aiosqlite:///{self.folder}/bot.db")
        await self.store.migrate()
        self._stack.push_async_callback(self.store.close)
        session = await self._stack.enter_async_context(aiohttp.ClientSession())
        bot = compose_bot(self.settings(), self.store, session, guild_ready_timeout=0.05)
        self.bot = await self._stack.enter_async_context(running(bot))
        await self.double.wait_until(
            lambda: self.double.commands(self.double.guild), 5, "commands synced"
        )
        return bot

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    async def baseline_stored(self, timeout: float = 10.0) -> None:
        """Until the feed's first document is in the store (fetched is not yet planned)."""
        assert self.store is not None
        store = self.store
        for _ in range(int(timeout / 0.02)):
            async with store.read() as uow:
                state = await uow.feeds.get("organizers")
            if state is not None and state.baseline_done:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the baseline was not stored")

    async def publish(self, document: dict[str, Any], fetched: int = 1) -> None:
        self.server.set_document(document)
        await self.server.wait_fetched(fetched)


@pytest.fixture
async def rig(patched_discord: DiscordDouble, tmp_path: Path) -> AsyncIterator[BotRig]:  # noqa: F811
    async with serve_feed() as server:
        server.set_document(jfk8("counting", 100, 90))  # the silent baseline
        rig = BotRig(patched_discord, tmp_path, server)
        await rig.start()
        await server.wait_fetched(1)
        await rig.baseline_stored()
        try:
            yield rig
        finally:
            await rig.stop()

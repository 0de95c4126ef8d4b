"""The real bot on the Discord double, as `run` builds it (bot.cli.discord_run.compose_bot),
for the benchmarks that go through Discord: N channels in the double's guild, each subscribed
to one election in one mode, a feed on 127.0.0.1 polled every `interval_s`, and the double
enforcing Discord's global limit of 50 requests per fixed 1 s window."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp

from bench.common import bench_feed, bench_settings, openapi_spec, sqlite_store, subscribe_channels
from bench.documents import election_id, native_feed
from bot.config import DiscordSettings
from bot.core.models import SubscriptionMode
from bot.services.runtime import Runtime
from bot.store import Store
from tests.discord_double import DiscordDouble, patch_discord_py, running
from tests.support.feed_server import FeedServer, serve_feed

if TYPE_CHECKING:
    from bot.discord.client import TallyBot

GLOBAL_LIMIT = 50
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"


async def poll_until(
    predicate: Callable[[], bool], limit_s: float, what: str, every_s: float = 0.1
) -> None:
    """Check `predicate` every `every_s` until it holds. Not `double.wait_until`: that runs
    its probe at every request the double answers, and a probe that reads 1,000 channels
    (or renders 100 messages) at each of 1,000 requests takes the bot's CPU from it."""
    for _ in range(int(limit_s / every_s) + 1):
        if predicate():
            return
        await asyncio.sleep(every_s)
    raise TimeoutError(f"{what}: not within {limit_s:g} s")


class Arrivals:
    """The channels that got a message (a 200 to POST /channels/{id}/messages) since it
    was made, read from the double's request log as it grows: each request once."""

    def __init__(self, double: DiscordDouble, channels: Iterable[int]) -> None:
        self._double = double
        self._read = len(double.requests)
        self._wanted = {str(c) for c in channels}
        self.arrived: set[str] = set()

    def all_arrived(self) -> bool:
        new = self._double.requests[self._read :]
        self._read += len(new)
        for record in new:
            if record.template == MESSAGES and record.status == 200 and record.method == "POST":
                channel = record.path.split("/")[2]
                if channel in self._wanted:
                    self.arrived.add(channel)
        return len(self.arrived) >= len(self._wanted)


@dataclass
class BotRig:
    """What a benchmark drives and reads."""

    double: DiscordDouble
    server: FeedServer
    store: Store
    bot: TallyBot
    runtime: Runtime
    targets: list[int]
    requests_per_second: float
    interval_s: float


@asynccontextmanager
async def bot_on_double(
    channels: int,
    *,
    mode: SubscriptionMode = SubscriptionMode.POST,
    baseline: Any = None,
    interval_s: float = 1.0,
    requests_per_second: float | None = None,
) -> AsyncIterator[BotRig]:
    """The bot logged in, its commands synced, the feed's silent baseline (`baseline`, else
    a 10-election native feed) stored, and a fresh global window begun."""
    from bot.cli.discord_run import compose_bot  # the Discord edge: imported when it runs

    double = DiscordDouble(openapi_spec(), global_limit=GLOBAL_LIMIT, validate=False)
    with tempfile.TemporaryDirectory(prefix="bench-discord-") as tmp:
        async with (
            double,
            serve_feed() as server,
            sqlite_store(Path(tmp)) as store,
            aiohttp.ClientSession() as session,
        ):
            guild = double.guild
            targets = [double.world.add_channel(guild, f"follow-{n}").id for n in range(channels)]
            await subscribe_channels(store, targets, [election_id(0)], guild_id=guild.id, mode=mode)
            server.set_document(native_feed(10) if baseline is None else baseline)
            pacing = (
                {} if requests_per_second is None else {"requests_per_second": requests_per_second}
            )
            discord_settings = DiscordSettings.model_validate(
                {"dev_guild_ids": (guild.id,), "owner_ids": (double.owner.id,), **pacing}
            )
            settings = bench_settings(
                bench_feed("bench", server.url, interval=interval_s), discord=discord_settings
            )
            bot = compose_bot(settings, store, session, guild_ready_timeout=0.05)
            assert bot.runtime is not None
            with patch_discord_py(double):
                async with running(bot):
                    await double.wait_until(lambda: double.commands(guild), 10, "commands synced")
                    await server.wait_fetched(2)  # the silent baseline is stored
                    await asyncio.sleep(1.0)  # start in a fresh global window
                    yield BotRig(
                        double,
                        server,
                        store,
                        bot,
                        bot.runtime,
                        targets,
                        discord_settings.requests_per_second,
                        interval_s,
                    )

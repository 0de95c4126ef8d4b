"""`run` against Discord, and `sync`: log in with DISCORD_TOKEN, start the bot with the
services the composition root built (or only register its commands), stop cleanly on
SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from typing import Any

import aiohttp
import discord

from bot.cli.check_config import load_or_report
from bot.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from bot.cli.lifecycle import open_store, run_until_signalled
from bot.cli.root import build_runtime
from bot.cli.serving import AlreadyRunning, build_web, one_process_per_sqlite, refuse
from bot.config import Settings
from bot.discord.client import TallyBot, point_discord_py_at
from bot.discord.ratelimits import RateLimitCounter
from bot.discord.senders import DiscordSender
from bot.discord.shards import gateway_connected, unsharded_warning
from bot.services.delivery import Sender
from bot.services.heartbeat import INTERVAL_S as HEARTBEAT_INTERVAL_S
from bot.services.pacing import DEFAULT_BURST, SharedBudget, TokenBucket
from bot.services.printer import PrintAfterSending
from bot.store import Store

log = logging.getLogger(__name__)

REFUSED = (
    "Discord refused the token (DISCORD_TOKEN). Check it in the Developer Portal "
    "(Bot → Reset Token), or try the bot without Discord: python -m bot run --dry-run"
)


def run_bot(settings: Settings, database_url: str, output: str) -> int:
    """`run` against Discord: one process per SQLite file (a second one exits 2); on
    PostgreSQL this process joins the leadership, heartbeats and wake-ups (DESIGN §9)."""

    async def go() -> int:
        store = await open_store(database_url)
        if store is None:
            return EXIT_FAILED
        try:
            return await _serve(settings, store, database_url, output)
        finally:
            await store.close()

    try:
        with one_process_per_sqlite(database_url):
            return asyncio.run(go())
    except AlreadyRunning as exc:
        refuse(exc)
        return EXIT_USAGE


def compose_bot(
    settings: Settings,
    store: Store,
    session: aiohttp.ClientSession,
    *,
    database_url: str | None = None,
    output: str = "text",
    **options: Any,
) -> TallyBot:
    """The bot with its senders and services: the Discord half of the composition root.
    The senders pace at this process's share of `discord.requests_per_second`."""
    bot = TallyBot(settings=settings, store=store, session=session, **options)
    bucket = TokenBucket(settings.discord.requests_per_second)
    budget = SharedBudget(
        bucket,
        settings.discord.requests_per_second,
        DEFAULT_BURST,
        join_grace_s=HEARTBEAT_INTERVAL_S + 0.5,
    )
    sender: Sender = DiscordSender(bot, bucket)
    if output == "jsonl":
        sender = PrintAfterSending(sender, output)
    runtime = build_runtime(
        settings,
        store,
        session,
        sender,
        database_url=database_url,
        locale_of=bot.language_of,
        on_alive=_alive(budget, settings.discord.shard_count),
    )
    bot.attach(runtime)
    bot.rate_limits = RateLimitCounter(runtime.metrics.discord_429.inc)
    return bot


def _alive(budget: SharedBudget, shard_count: int | None) -> Callable[[int], None]:
    """The heartbeat's callback: this process's share of the budget, and a warning (once)
    when processes share the database but not the gateway."""
    warned: list[bool] = []

    def alive(processes: int) -> None:
        budget.update(processes)
        warning = unsharded_warning(processes, shard_count)
        if warning is not None and not warned:
            log.warning("%s", warning)
            warned.append(True)

    return alive


async def _serve(settings: Settings, store: Store, database_url: str, output: str) -> int:
    assert settings.token is not None
    token = settings.token.get_secret_value()
    async with aiohttp.ClientSession() as session:
        bot = compose_bot(settings, store, session, database_url=database_url, output=output)
        assert bot.runtime is not None
        web = build_web(settings, store, bot.runtime, gateway=lambda: gateway_connected(bot))
        failed: list[int] = []
        stopping = asyncio.Event()

        async def start() -> None:
            if not await _login(bot, settings, token, session):  # starts the services
                failed.append(EXIT_FAILED)
                raise _Stop
            if web is not None and not await web.start_or_say_why():
                failed.append(EXIT_FAILED)
                raise _Stop
            task = asyncio.create_task(bot.connect(reconnect=True), name="discord-gateway")
            task.add_done_callback(lambda done: _gateway_ended(done, stopping, failed))

        async def stop() -> None:
            if web is not None:
                await web.stop()
            await bot.close()

        with contextlib.suppress(_Stop):
            await run_until_signalled(start, stop, stopping)
        return failed[0] if failed else EXIT_OK


class _Stop(Exception):
    """Login failed: stop without waiting for a signal."""


async def _login(
    bot: TallyBot, settings: Settings, token: str, session: aiohttp.ClientSession
) -> bool:
    try:
        if settings.discord.api_base:
            gateway = await point_discord_py_at(settings.discord.api_base, token, session)
            log.info("Discord API at %s, gateway %s", settings.discord.api_base, gateway)
        await bot.login(token)
    except discord.LoginFailure:
        print(REFUSED, file=sys.stderr)
        return False
    except (aiohttp.ClientError, discord.HTTPException, OSError) as exc:
        print(f"cannot reach Discord: {exc.__class__.__name__}", file=sys.stderr)
        return False
    return True


def _gateway_ended(task: asyncio.Task[None], stopping: asyncio.Event, failed: list[int]) -> None:
    """The gateway connection is over: stop the process (with exit 1 if it failed)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("the Discord connection ended: %s", task.exception())
        failed.append(EXIT_FAILED)
    stopping.set()


def sync(args: argparse.Namespace) -> int:
    """Register the slash commands globally, or with one guild (`--guild`)."""
    settings = load_or_report(args)
    if settings is None:
        return EXIT_USAGE
    if settings.token is None:
        print("DISCORD_TOKEN is not set: the bot's token is needed to sync.", file=sys.stderr)
        return EXIT_FAILED

    async def go() -> int:
        assert settings.token is not None
        token = settings.token.get_secret_value()
        store = await Store.open("sqlite+aiosqlite:///:memory:")
        try:
            async with aiohttp.ClientSession() as session:
                bot = TallyBot(settings=settings, store=store, session=session)
                async with bot:
                    if not await _login(bot, settings, token, session):
                        return EXIT_FAILED
                    names = await bot.sync_commands(args.guild)
        finally:
            await store.close()
        where = f"guild {args.guild}" if args.guild else "every guild (may take up to an hour)"
        print(f"synced {len(names)} commands to {where}: " + ", ".join(f"/{n}" for n in names))
        return EXIT_OK

    return asyncio.run(go())

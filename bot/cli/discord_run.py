"""`run` against Discord, and `sync`: log in with DISCORD_TOKEN, start the bot (or only
register its commands), stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

import aiohttp
import discord

from bot.config import Settings
from bot.discord.client import TallyBot, point_discord_py_at
from bot.services.delivery import Delivery, Sender
from bot.services.printer import PrinterSender
from bot.store import Store

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED = 0, 1
REFUSED = (
    "Discord refused the token (DISCORD_TOKEN). Check it in the Developer Portal "
    "(Bot → Reset Token), or try the bot without Discord: python -m bot run --dry-run"
)


class PrintAfterSending(Sender):
    """`run --output jsonl`: each delivery actually sent is also printed (for logs, pipes)."""

    def __init__(self, inner: Sender, output: str) -> None:
        self._inner = inner
        self._printer = PrinterSender(output)

    async def send(self, delivery: Delivery) -> None:
        await self._inner.send(delivery)
        await self._printer.send(delivery)


def run_bot(args: argparse.Namespace, settings: Settings, database_url: str) -> int:
    from bot.cli.run import open_store

    async def go() -> int:
        store = await open_store(database_url)
        if store is None:
            return EXIT_FAILED
        try:
            return await _serve(settings, store, args.output if args.output == "jsonl" else None)
        finally:
            await store.close()

    return asyncio.run(go())


async def _serve(settings: Settings, store: Store, output: str | None) -> int:
    from bot.cli.run import run_until_signalled

    assert settings.token is not None
    token = settings.token.get_secret_value()
    async with aiohttp.ClientSession() as session:
        wrap = (lambda inner: PrintAfterSending(inner, output)) if output else None
        bot = TallyBot(settings=settings, store=store, session=session, wrap_sender=wrap)
        failed: list[int] = []
        stopping = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []

        async def start() -> None:
            if not await _login(bot, settings, token, session):
                failed.append(EXIT_FAILED)
                raise _Stop
            task = asyncio.create_task(bot.connect(reconnect=True), name="discord-gateway")
            task.add_done_callback(lambda done: _gateway_ended(done, stopping, failed))
            tasks.append(task)

        with contextlib.suppress(_Stop):
            await run_until_signalled(start, bot.close, stopping)
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
        print(f"cannot reach Discord: {exc}", file=sys.stderr)
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
    from bot.cli.check_config import load_or_report

    settings = load_or_report(args)
    if settings is None:
        return 2
    if settings.token is None:
        print("DISCORD_TOKEN is not set: the bot's token is needed to sync.", file=sys.stderr)
        return EXIT_FAILED

    async def go() -> int:
        assert settings.token is not None
        token = settings.token.get_secret_value()
        store = await Store.open("sqlite+aiosqlite:///:memory:")
        try:
            async with aiohttp.ClientSession() as session:
                bot = TallyBot(settings=settings, store=store, session=session, run_services=False)
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

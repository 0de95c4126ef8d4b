"""`run` and `migrate`: load the config, open the store, and run the pipeline until a
signal (SIGTERM, SIGINT) stops it."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable

import aiohttp

from bot.cli.check_config import load_or_report
from bot.config import Settings
from bot.core.masking import mask_secrets, mask_url
from bot.services.poller import ExtraSubscriber
from bot.services.printer import PrinterSender
from bot.services.runtime import Runtime
from bot.store import Store

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="connect to no Discord: print every post to stdout instead",
    )
    parser.add_argument("--database", help="database URL (default: the config's)")
    parser.add_argument(
        "--output",
        choices=("text", "jsonl"),
        default="text",
        help="how posts are printed (default: text)",
    )


def database_url(args: argparse.Namespace, settings: Settings) -> str:
    url: str = args.database or settings.database.url
    return url


def run(args: argparse.Namespace) -> int:
    settings = load_or_report(args)
    if settings is None:
        return EXIT_USAGE
    if not args.dry_run:
        return run_discord(args, settings)
    return asyncio.run(_dry_run(settings, database_url(args, settings), args.output))


def run_discord(args: argparse.Namespace, settings: Settings) -> int:
    if settings.token is None:
        print(
            "DISCORD_TOKEN is not set. Put the bot's token in the environment, or try the bot "
            "without Discord: python -m bot run --dry-run",
            file=sys.stderr,
        )
        return EXIT_FAILED
    from bot.cli.discord_run import run_bot

    return run_bot(args, settings, database_url(args, settings))


async def _dry_run(settings: Settings, url: str, output: str) -> int:
    log.info("dry run on %s: posts are printed, nothing is sent", mask_url(url))
    store = await open_store(url)
    if store is None:
        return EXIT_FAILED
    try:
        async with aiohttp.ClientSession() as session:
            runtime = Runtime(
                store,
                session,
                settings,
                PrinterSender(output, delay_s=_printer_delay()),
                extra_subscribers=(ExtraSubscriber("console"),),
            )
            await run_until_signalled(runtime.start, runtime.stop)
    finally:
        await store.close()
    return EXIT_OK


def _printer_delay() -> float:
    """TALLYBOT_DRY_RUN_DELAY: seconds the dry-run printer waits per post (crash tests)."""
    try:
        return max(0.0, float(os.environ.get("TALLYBOT_DRY_RUN_DELAY", "0")))
    except ValueError:
        return 0.0


async def open_store(url: str) -> Store | None:
    """Open and migrate, or log why not (and return None)."""
    try:
        store = await Store.open(url)
        await store.migrate()
    except Exception as exc:
        log.error("cannot open the database %s: %s", mask_url(url), mask_secrets(str(exc)))
        return None
    return store


async def run_until_signalled(
    start: Callable[[], Awaitable[None]],
    stop: Callable[[], Awaitable[None]],
    stopping: asyncio.Event | None = None,
) -> None:
    """Start, wait for SIGTERM or SIGINT (or `stopping`), stop: Heroku-style hosts send
    SIGTERM and kill 30 s later, so stopping must take seconds."""
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await start()
        # Everything made at start lives as long as the process: keep the collector off it,
        # so its passes over the young objects of a poll stay short.
        gc.freeze()
        await stopping.wait()
        log.info("stopping")
    finally:
        await stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def migrate(args: argparse.Namespace) -> int:
    settings = load_or_report(args)
    if settings is None:
        return EXIT_USAGE
    url = database_url(args, settings)

    async def go() -> int:
        store = await open_store(url)
        if store is None:
            return EXIT_FAILED
        await store.close()
        print(f"{mask_url(url)}: migrated to the latest schema")
        return EXIT_OK

    return asyncio.run(go())

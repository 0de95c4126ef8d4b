"""`run` and `migrate`: load the config, open the store, and run the pipeline until a
signal (SIGTERM, SIGINT) stops it; `--dry-run` prints every post instead of sending it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import aiohttp

from bot.cli.check_config import load_or_report
from bot.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from bot.cli.lifecycle import open_store, run_until_signalled
from bot.cli.root import build_runtime
from bot.cli.serving import AlreadyRunning, build_web, one_process_per_sqlite, refuse
from bot.config import Settings
from bot.core.masking import mask_url
from bot.core.plan import CONSOLE_TARGET, Subscriber
from bot.services.printer import PrinterSender

log = logging.getLogger(__name__)

NO_TOKEN = (
    "DISCORD_TOKEN is not set. Put the bot's token in the environment, or try the bot "
    "without Discord: python -m bot run --dry-run"
)


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
    if args.dry_run:
        if not args.database:
            print(
                "dry run on the config's database: deliveries to the config's real targets "
                "will be marked sent there. Point --database at a scratch database, never "
                "at production.",
                file=sys.stderr,
            )
        return asyncio.run(dry_run(settings, database_url(args, settings), args.output))
    if settings.token is None:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_FAILED
    from bot.cli.discord_run import run_bot  # discord.py is imported only when it runs

    return run_bot(settings, database_url(args, settings), args.output)


async def dry_run(settings: Settings, url: str, output: str) -> int:
    """The pipeline with a printer for every sender and an in-memory `console` subscriber
    at level `all` (DESIGN §6); the web server too when `http.listen` is set."""
    log.info("dry run on %s: posts are printed, nothing is sent", mask_url(url))
    try:
        with one_process_per_sqlite(url):
            return await _dry_run(settings, url, output)
    except AlreadyRunning as exc:
        refuse(exc)
        return EXIT_USAGE


async def _dry_run(settings: Settings, url: str, output: str) -> int:
    store = await open_store(url)
    if store is None:
        return EXIT_FAILED
    try:
        async with aiohttp.ClientSession() as session:
            runtime = build_runtime(
                settings,
                store,
                session,
                PrinterSender(output),
                database_url=url,
                extra_subscribers=(Subscriber(CONSOLE_TARGET, "all"),),
            )
            web = build_web(settings, store, runtime)

            failed: list[int] = []
            stopping = asyncio.Event()

            async def start() -> None:
                await runtime.start()
                if web is not None and not await web.start_or_say_why():
                    failed.append(EXIT_FAILED)
                    stopping.set()

            async def stop() -> None:
                if web is not None:
                    await web.stop()
                await runtime.stop()

            await run_until_signalled(start, stop, stopping)
    finally:
        await store.close()
    return failed[0] if failed else EXIT_OK


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

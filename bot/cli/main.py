"""The command line: parse arguments, set up logging, hand each subcommand to its module."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.cli import check_config, check_feed_command, demo
from bot.cli import run as run_command
from bot.cli.exits import EXIT_FAILED
from bot.core.masking import MaskingFormatter
from bot.store.faults import describe_store_error

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="tallybot: follows NLRB union election counts and posts every move.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub = commands.add_parser("check-config", help="validate the config and print it")
    add_config_argument(sub)
    sub.set_defaults(handler=check_config.run)

    sub = commands.add_parser("check-feed", help="fetch and parse one feed, print what it says")
    check_feed_command.add_arguments(sub)
    sub.set_defaults(handler=check_feed_command.run)

    sub = commands.add_parser("run", help="follow the feeds and post (or print, with --dry-run)")
    add_config_argument(sub)
    run_command.add_run_arguments(sub)
    sub.set_defaults(handler=run_command.run)

    sub = commands.add_parser("demo", help="replay JFK8 and Bessemer, printing every post")
    demo.add_arguments(sub)
    sub.set_defaults(handler=demo.run)

    sub = commands.add_parser("migrate", help="bring the database to the latest schema")
    add_config_argument(sub)
    sub.add_argument("--database", help="database URL (default: the config's)")
    sub.set_defaults(handler=run_command.migrate)

    sub = commands.add_parser("sync", help="register the slash commands with Discord")
    add_config_argument(sub)
    sub.add_argument("--guild", type=int, help="one guild id (instant); default: global")
    sub.set_defaults(handler=_sync)
    return parser


def _sync(args: argparse.Namespace) -> int:
    from bot.cli.discord_run import sync

    return sync(args)


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("config.yaml"),
        help="the YAML config file (default: config.yaml)",
    )


def setup_logging(verbose: bool) -> None:
    """Logs go to stderr, always: stdout carries command output only."""
    handler = logging.StreamHandler(sys.stderr)
    # Every line, tracebacks included, goes through mask_secrets (DESIGN §4 Secrets).
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    noisy_loggers = ("discord.http", "discord.gateway", "apscheduler", "aiosqlite", "alembic")
    # aiohttp.access: a line per request to the web server (health checks every few seconds)
    for noisy in (*noisy_loggers, "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return EXIT_FAILED
    except SQLAlchemyError as exc:
        # The database failed under the command (at start, say): one line, without the
        # statement's parameters, which can hold a webhook URL (DESIGN §4 Secrets).
        log.error("%s failed: the database: %s", args.command, describe_store_error(exc))
        return EXIT_FAILED
    except Exception:
        # Logged, so the traceback goes through the masking formatter, instead of Python
        # printing it raw.
        log.exception("%s failed", args.command)
        return EXIT_FAILED

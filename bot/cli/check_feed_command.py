"""`check-feed` on the command line: with `--config`, the config's elections, User-Agent
contact and (for a feed it lists by URL) limits apply, as the poller would use them."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli import check_feed
from bot.cli.check_config import load_or_report
from bot.cli.exits import EXIT_USAGE
from bot.services.runtime import declared_elections, identities


def add_arguments(parser: argparse.ArgumentParser) -> None:
    check_feed.add_arguments(parser)
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="apply this config's elections, User-Agent contact and feed limits",
    )


def run(args: argparse.Namespace) -> int:
    if args.config is None:
        return check_feed.run(args)
    settings = load_or_report(args)
    if settings is None:
        return EXIT_USAGE
    listed = next((f for f in settings.feeds if f.url == args.target), None)
    return check_feed.run(
        args,
        elections=identities(declared_elections(settings)),
        user_agent_contact=settings.http.user_agent_contact,
        timeout_s=listed.timeout if listed else None,
        max_bytes=listed.max_bytes if listed else None,
        redirect_hosts=settings.http.redirect_hosts,
    )

"""`check-config`: validate the config file and the environment, print the result; and the
config loading every other command shares (every problem to stderr, exit 2)."""

from __future__ import annotations

import argparse
import sys

from bot.cli.exits import EXIT_OK, EXIT_USAGE
from bot.config import ConfigError, Settings, describe_settings, load_settings


def load_or_report(args: argparse.Namespace) -> Settings | None:
    """Settings, or None after printing every problem to stderr."""
    try:
        return load_settings(args.config)
    except ConfigError as exc:
        print(f"{args.config}: {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return None


def run(args: argparse.Namespace) -> int:
    settings = load_or_report(args)
    if settings is None:
        return EXIT_USAGE
    print(f"# {args.config}: OK")
    print(describe_settings(settings), end="")
    return EXIT_OK

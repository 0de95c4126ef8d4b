"""`check-config`: validate the config file and the environment, print the result."""

from __future__ import annotations

import argparse
import sys

from bot.config import ConfigError, describe_settings, load_settings


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"{args.config}: {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    print(f"# {args.config}: OK")
    print(describe_settings(settings), end="")
    return 0

"""`demo`: replay JFK8 and Bessemer through the real pipeline, no token, no network."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.root import build_runtime
from bot.core.models import DEFAULT_LANGUAGE, LANGUAGES
from bot.demo.replay import main


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("demo-output"),
        help="where the chart PNGs go (default: demo-output/)",
    )
    parser.add_argument(
        "--language",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help="the language of the posts, charts and narration (default: en)",
    )
    parser.add_argument(
        "--format",
        choices=("native", "sheet-csv"),
        default="native",
        help="replay the count as a native feed (default) or as a published spreadsheet",
    )


def run(args: argparse.Namespace) -> int:
    return main(build_runtime, args.output_dir, args.language, args.format)

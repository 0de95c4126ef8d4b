"""`python -m bench`: every benchmark in one run, written to BENCHMARKS.md; or
`python -m bench latency|pollcost|bigfeed|fanout|fanout_two|live|failover|web|memory|storage`:
one, printed; `python -m bench growth`: the growth table alone; `python -m bench pacing`: the
fan-out at the rate NOTES.md suggests (47/s beside the default 45/s)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

from bench import report
from bench.common import REPO_ROOT
from bench.suite import (
    FIGURES,
    GROWN,
    Results,
    Sizes,
    measure_one,
    run_all,
    run_growth,
)

CHOICES = (*FIGURES, "growth")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "figures", nargs="*", metavar="FIGURE", help=f"one of {', '.join(CHOICES)} (default: all)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="write the markdown report here (default: BENCHMARKS.md for a full run)",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.figures if name not in CHOICES]
    if unknown:
        parser.error(f"unknown figure {unknown[0]!r}: choose from {', '.join(CHOICES)}")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sizes = Sizes()
    started = time.perf_counter()
    results = asyncio.run(_run(args.figures, sizes))
    elapsed = time.perf_counter() - started
    text = report.render(results.figures, results.growth, elapsed, sizes.describe())
    output = args.output or (None if args.figures else REPO_ROOT / "BENCHMARKS.md")
    if output is not None:
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output} ({elapsed / 60:.1f} min)", file=sys.stderr)
    else:
        print(text)
    return 0


async def _run(keys: list[str], sizes: Sizes) -> Results:
    if not keys:
        return await run_all(sizes)
    results = Results([], [])
    for key in keys:
        if key == "growth":
            grown = await run_growth(sizes, GROWN)
            results.growth += grown.growth
        else:
            results.figures += await measure_one(key, sizes)
    return results


if __name__ == "__main__":
    raise SystemExit(main())

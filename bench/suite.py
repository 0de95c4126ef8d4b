"""Runs the benchmarks: each figure at 1× for the targets table, and the cheap ones (and the
fan-out) at several scales for the growth table, in one run."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bench import (
    bigfeed,
    failover,
    fanout,
    fanout_two,
    latency,
    live,
    memory,
    pollcost,
    storage,
    web,
)
from bench.common import Figure, GrowthPoint
from bench.report import fmt_value

log = logging.getLogger(__name__)

SCALES = (0.01, 0.1, 1.0, 4.0)
FANOUT_SCALES = (0.1, 1.0)
MEMORY_DELIVERED_BEYOND_1X = 2_000  # at 4×, the first 2,000 of 40,000 deliveries are awaited
FIGURES = (
    "latency",
    "pollcost",
    "bigfeed",
    "fanout",
    "fanout_two",
    "pacing",
    "live",
    "failover",
    "web",
    "memory",
    "storage",
)
# `pacing`: the fan-out again at the rate NOTES.md suggests (`discord.requests_per_second:
# 47`, with the default burst of 2), beside the default 45's row, which cannot meet 1.1 x.
SUGGESTED_RATE = 47.0


@dataclass(frozen=True)
class Sizes:
    """1× of every figure (DESIGN §11), and how many samples to take."""

    elections: int = 5000
    subscriptions: int = 10_000
    channels: int = 1000
    changes: int = 30
    polls: int = 300
    repeats: int = 5
    live_channels: int = 100
    live_batches: int = 40
    sent_posts: int = 10_000
    streams: int = 100

    def describe(self) -> str:
        return (
            f"1× is {self.elections:,} elections in the feed (poll cost, big feed, memory), "
            f"{self.subscriptions:,} subscriptions (memory) and {self.channels:,} channels "
            "(fan-out); every figure is at the size its row gives in parentheses."
        )


@dataclass
class Results:
    figures: list[Figure]
    growth: list[GrowthPoint]


def _say(figures: list[Figure]) -> list[Figure]:
    for figure in figures:
        print(f"  {figure.name}: {fmt_value(figure.value, figure.unit)}", file=sys.stderr)
    return figures


async def _timed(what: str, run: Callable[[], Awaitable[list[Figure]]]) -> list[Figure]:
    """Run one benchmark, saying how long it took; each figure's detail gets the machine's
    1-minute load average when it started (2 cores, shared: above 2, others ran too)."""
    print(f"{what} …", file=sys.stderr)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    figures = await run()
    _say(figures)
    print(f"  ({time.perf_counter() - started:.1f} s, load {load:.1f})", file=sys.stderr)
    return [replace(f, detail=f"{f.detail}; load average {load:.1f} at its start") for f in figures]


async def measure_one(key: str, sizes: Sizes, scale: float = 1.0) -> list[Figure]:
    """One benchmark at one scale."""
    elections = max(10, round(sizes.elections * scale))
    if key == "latency":
        return await _timed("latency", lambda: latency.measure(sizes.changes))
    if key == "pollcost":
        return await _timed(
            f"pollcost {scale:g}×", lambda: pollcost.measure(elections, sizes.polls)
        )
    if key == "bigfeed":
        repeats = sizes.repeats if scale <= 1 else max(1, sizes.repeats - 2)
        return await _timed(f"bigfeed {scale:g}×", lambda: bigfeed.measure(elections, repeats))
    if key in ("fanout", "pacing"):
        channels = max(1, round(sizes.channels * scale))
        rate = SUGGESTED_RATE if key == "pacing" else None
        return await _timed(
            f"{key} {scale:g}×", lambda: fanout.measure(channels, requests_per_second=rate)
        )
    if key == "live":
        channels = max(1, round(sizes.live_channels * scale))
        return await _timed(
            f"live {scale:g}×", lambda: live.measure(channels, max(2, sizes.live_batches))
        )
    if key == "web":
        return await _timed(
            f"web {scale:g}×", lambda: web.measure(elections, sizes.changes, sizes.streams)
        )
    if key == "storage":
        posts = max(10, round(sizes.sent_posts * scale))
        return await _timed(f"storage {scale:g}×", lambda: storage.measure(posts, posts // 10))
    if key == "memory":
        subscriptions = max(1, round(sizes.subscriptions * scale))
        delivered = subscriptions if scale <= 1 else MEMORY_DELIVERED_BEYOND_1X
        return await _timed(
            f"memory {scale:g}×", lambda: memory.measure(elections, subscriptions, delivered)
        )
    if key == "fanout_two":  # bench/fanout_two.py, bench/failover.py: H4's (several processes)
        return await _timed(f"fanout_two {scale:g}×", lambda: fanout_two.measure(scale))
    if key == "failover":
        return await _timed(f"failover {scale:g}×", lambda: failover.measure(scale))
    raise ValueError(f"unknown benchmark {key!r}; one of {', '.join(FIGURES)}")


def growth_points(key: str, scale: float, figures: list[Figure]) -> list[GrowthPoint]:
    """The growth-table entries of one scaled run."""
    points = []
    for figure in figures:
        size = _size(figure)
        if key in ("pollcost", "bigfeed", "memory"):
            if figure.value != figure.value:  # NaN: not measured in this checkout
                continue
            series = figure.name.split(" (")[0] if key != "memory" else "Peak RSS"
            points.append(GrowthPoint(series, scale, size, figure.value, figure.unit))
        elif key == "fanout" and "total_s" in figure.extra:
            total = figure.extra["total_s"]
            points.append(GrowthPoint("Fan-out, poll → last message", scale, size, total, "s"))
        elif key == "fanout" and "p99_ms" in figure.extra:
            p99 = figure.extra["p99_ms"]
            points.append(GrowthPoint("/status p99 during the fan-out", scale, size, p99, "ms"))
    return points


def _size(figure: Figure) -> str:
    extra = figure.extra
    if "subscriptions" in extra:
        return f"{extra['elections']:,.0f} el., {extra['subscriptions']:,.0f} subs"
    if "channels" in extra:
        return f"{extra['channels']:,.0f} ch."
    if "elections" in extra:
        return f"{extra['elections']:,.0f} el."
    return ""


GROWN = ("pollcost", "bigfeed", "fanout", "memory")


async def run_growth(sizes: Sizes, keys: tuple[str, ...] = ("pollcost", "bigfeed")) -> Results:
    """The given figures at every scale (fan-out at its two); 1× results become the figures."""
    figures: list[Figure] = []
    growth: list[GrowthPoint] = []
    for key in keys:
        for scale in FANOUT_SCALES if key == "fanout" else SCALES:
            measured = await measure_one(key, sizes, scale)
            growth += growth_points(key, scale, measured)
            if scale == 1.0:
                figures += measured
    return Results(figures, growth)


async def run_all(sizes: Sizes) -> Results:
    """Everything, in the order of DESIGN §11's table."""
    results = Results([], [])
    for key in FIGURES:
        if key in GROWN:
            grown = await run_growth(sizes, (key,))
            results.figures += grown.figures
            results.growth += grown.growth
        else:
            results.figures += await measure_one(key, sizes)
    return results

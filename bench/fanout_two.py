"""The fan-out with two processes (DESIGN §11: ≤ 1.1 × the floor, ~0 429s): one update to
1,000 subscribed channels, sent by two real `python -m bot run` processes on PostgreSQL
that share `discord.requests_per_second` through their heartbeats, against the Discord
double enforcing the global limit of 50 requests per fixed 1 s window (it answers real
global 429s beyond it). Timed from the poll that fetched the change (the feed server's log)
to the last message the double accepted; the floor is channels / 50.

Each process paces at its share (bot/services/pacing.py share_of): with a budget R and a
burst B = 2, each of two takes (R + B)/2 - 1 per second and a burst of 1, so any 1 s window
sees at most R + B requests from the pair (47 at the default 45), as from one process.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import Figure, openapi_spec
from bench.replicas import not_measured, pg_server_url
from tests.discord_double import DiscordDouble
from tests.replicas.rig import (
    Cluster,
    LoggedFeed,
    Scrape,
    Setup,
    baseline_stored,
    migrated,
    serve_logged_feed,
    subscribe_channels,
)
from tests.services.replicas_support import fresh_pg_database
from tests.support.jfk8 import jfk8

KEY = "fanout_two"
GLOBAL_LIMIT = 50
TARGET_FLOOR_RATIO = 1.1
CHANNELS = 1000  # at 1×
JOIN_GRACE_S = 4.0  # a newcomer holds back a heartbeat and a margin (SharedBudget)
MESSAGES = "/channels/{channel_id}/messages"


@dataclass(frozen=True)
class TwoFanOut:
    """What one two-process fan-out saw."""

    channels: int
    total_s: float
    global_429s: int
    route_429s: int
    bot_429s: float  # as the processes counted them (tallybot_discord_429_total)
    peak_fixed: int
    peak_sliding: int
    cpu_s: dict[str, float]  # CPU time each process used meanwhile

    @property
    def floor_s(self) -> float:
        return self.channels / GLOBAL_LIMIT


async def measure(scale: float = 1.0, requests_per_second: float | None = None) -> list[Figure]:
    """The fan-out to `CHANNELS × scale` channels by two processes; `requests_per_second`
    None runs the config's default (45/s)."""
    channels = max(2, round(CHANNELS * scale))
    budget = "" if requests_per_second is None else f", budget {requests_per_second:g}/s"
    name = f"Fan-out to {channels:,} channels by two processes, × the floor{budget}"
    url = pg_server_url()
    if url is None:
        return not_measured(KEY, name, "×")
    run = await fan_out_two(url, channels, requests_per_second)
    rejected = run.global_429s + run.route_429s
    return [
        Figure(
            key=KEY,
            name=name,
            value=run.total_s / run.floor_s,
            unit="×",
            target=TARGET_FLOOR_RATIO,
            detail=(
                f"{run.total_s:.2f} s from the poll that fetched the change to the last "
                f"message (floor {run.floor_s:g} s); {run.global_429s} global and "
                f"{run.route_429s} route 429s ({run.bot_429s:.0f} counted by the bots); at "
                f"most {run.peak_fixed} requests in a fixed 1 s window and "
                f"{run.peak_sliding} in any sliding one (limit {GLOBAL_LIMIT}); the processes "
                f"used {' and '.join(f'{s:.1f}' for s in run.cpu_s.values())} s of CPU "
                f"meanwhile; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            ),
            extra={
                "channels": channels,
                "total_s": run.total_s,
                "global_429s": run.global_429s,
                "route_429s": run.route_429s,
                "peak_per_window": run.peak_fixed,
                "peak_sliding": run.peak_sliding,
            },
        ),
        Figure(
            key=KEY,
            name=f"429s received during the two-process fan-out to {channels:,} channels{budget}",
            value=rejected,
            unit="",
            detail="target: about none, by the shared budget (heartbeats, SharedBudget)",
        ),
    ]


async def fan_out_two(
    pg_url: str, channels: int, requests_per_second: float | None = None
) -> TwoFanOut:
    double = DiscordDouble(openapi_spec(), global_limit=GLOBAL_LIMIT, validate=False)
    with tempfile.TemporaryDirectory(prefix="bench-fanout-two-") as tmp:
        async with double, fresh_pg_database(pg_url) as url, serve_logged_feed() as feed:
            guild = double.guild
            targets = [double.world.add_channel(guild, f"follow-{n}").id for n in range(channels)]
            feed.set_document(jfk8("counting", 100, 90))
            store = await migrated(url)
            try:
                await subscribe_channels(store, targets, "jfk8", guild.id)
                setup = Setup(
                    double.base_url, url, feed.url, requests_per_second=requests_per_second
                )
                async with Cluster(Path(tmp), setup) as cluster:
                    await cluster.start()
                    await cluster.settled(alive=2, timeout=60)
                    await baseline_stored(store)
                    await asyncio.sleep(JOIN_GRACE_S)  # both at their shares, and not paused
                    before = await cluster.scrapes()
                    cpu = {name: r.cpu_seconds() for name, r in cluster.replicas.items()}
                    total_s = await _timed(double, feed, targets)
                    cpu = {n: r.cpu_seconds() - cpu[n] for n, r in cluster.replicas.items()}
                    after = await cluster.scrapes()
                    await cluster.stop()
            finally:
                await store.close()
    counted = _sum(after, "tallybot_discord_429_total") - _sum(before, "tallybot_discord_429_total")
    return TwoFanOut(
        channels=channels,
        total_s=total_s,
        global_429s=double.stats.global_429s,
        route_429s=double.stats.route_429s,
        bot_429s=counted,
        peak_fixed=double.peak_requests_per_window,
        peak_sliding=double.peak_in_any_window(1.0),
        cpu_s=cpu,
    )


async def _timed(double: DiscordDouble, feed: LoggedFeed, targets: list[int]) -> float:
    """Change the feed; seconds from the fetch that saw it to the last message."""
    changed_at = time.monotonic()
    feed.set_document(jfk8("counting", 130, 110))
    wanted = set(targets)

    def delivered() -> bool:
        return all(double.messages.get(c) for c in wanted)

    await double.wait_until(delivered, 3 * len(wanted) / GLOBAL_LIMIT + 60, "the fan-out")
    fetched = feed.first_after(changed_at)
    assert fetched is not None
    last = max(
        r.at
        for r in double.requests
        if r.template == MESSAGES and r.status == 200 and r.at >= fetched.at
    )
    return last - fetched.at


def _sum(scrapes: dict[str, Scrape], name: str) -> float:
    return sum(s.value(name) for s in scrapes.values())

"""Figure 1: feed change → first post handed to the sender, through the runtime the
composition root builds (bot.cli.root.build_runtime: the APScheduler poll job at 1 s with
its ≤ 10% jitter, the poller, the pipeline's in-process wake-up, the delivery worker);
changes land at random offsets in the poll interval (DESIGN §11: ≤ 1.5 s p95)."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.common import (
    Figure,
    bench_feed,
    bench_settings,
    percentile,
    sqlite_store,
    subscribe_channels,
)
from bench.documents import election_id, native_feed
from bot.cli.root import build_runtime
from bot.services.delivery import Outgoing
from tests.support.feed_server import serve_feed

TARGET_P95_S = 1.5
FEED_ELECTIONS = 10
BASE_VOTES = 40  # election 0's union votes in `native_feed` before any bump


class StampingSender:
    """Records when each post left the bot, by the union votes it carries."""

    def __init__(self) -> None:
        self.sent: dict[int, float] = {}
        self._arrived = asyncio.Event()

    async def send(self, outgoing: Outgoing) -> int | None:
        self.sent.setdefault(outgoing.post.tally.choices[0].votes, time.perf_counter())
        self._arrived.set()
        return None

    async def wait_for(self, votes: int, limit_s: float) -> float:
        async with asyncio.timeout(limit_s):
            while votes not in self.sent:
                self._arrived.clear()
                await self._arrived.wait()
        return self.sent[votes]


async def measure(changes: int = 30, interval_s: float = 1.0, seed: int = 7) -> list[Figure]:
    """p50 and p95 of change → send over `changes` changes."""
    latencies = await _latencies(changes, interval_s, random.Random(seed))
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    return [
        Figure(
            key="latency",
            name="Detection latency p95 (feed change → post sent)",
            value=p95,
            unit="s",
            target=TARGET_P95_S,
            detail=(
                f"p50 {p50:.3f} s, p95 {p95:.3f} s, max {max(latencies):.3f} s over "
                f"{len(latencies)} changes at random offsets; interval {interval_s:g} s, "
                "jitter ≤ 10%; the runtime of build_runtime with a sender that records the "
                "send time"
            ),
            extra={"p50_s": p50, "p95_s": p95, "max_s": max(latencies)},
        )
    ]


async def _latencies(changes: int, interval_s: float, rng: random.Random) -> list[float]:
    sender = StampingSender()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        async with (
            serve_feed() as server,
            sqlite_store(Path(tmp)) as store,
            aiohttp.ClientSession() as session,
        ):
            server.set_document(native_feed(FEED_ELECTIONS))
            await subscribe_channels(store, [1], [election_id(0)])
            settings = bench_settings(bench_feed("bench", server.url, interval=interval_s))
            runtime = build_runtime(settings, store, session, sender)
            await runtime.start()
            try:
                await server.wait_fetched(2)  # the baseline was stored, and polled again
                latencies = []
                for bump in range(1, changes + 1):
                    await asyncio.sleep(rng.uniform(0, interval_s))
                    changed = time.perf_counter()
                    server.set_document(native_feed(FEED_ELECTIONS, changed=1, bump=bump))
                    sent = await sender.wait_for(BASE_VOTES + bump, limit_s=10 * interval_s)
                    latencies.append(sent - changed)
                return latencies
            finally:
                await runtime.stop()

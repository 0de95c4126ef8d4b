"""Figure 2: the CPU time of one poll of an unchanged feed, answered 304 (ETag) or 200 with
the same body (same content hash), averaged over many polls (DESIGN §4 "cheap when
unchanged", §11: ≤ 2 ms CPU). The feed server runs in another process."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import aiohttp

from bench.common import CountingSender, Figure, bench_feed, bench_settings, sqlite_store
from bench.documents import native_feed
from bench.feedproc import feed_process
from bot.cli.root import build_runtime
from bot.services.poller import Poller

TARGET_MS = 2.0
WARMUP = 10


async def measure(elections: int = 5000, polls: int = 300) -> list[Figure]:
    """Poll cost for a native feed of `elections` elections, 304 and same hash."""
    with tempfile.TemporaryDirectory(prefix="bench-pollcost-") as tmp:
        folder = Path(tmp)
        path = folder / "feed.json"
        path.write_bytes(native_feed(elections))
        size = path.stat().st_size
        async with (
            feed_process(path) as base,
            sqlite_store(folder) as store,
            aiohttp.ClientSession() as session,
        ):
            settings = bench_settings(
                bench_feed("etag", f"{base}/etag"), bench_feed("plain", f"{base}/plain")
            )
            poller = build_runtime(settings, store, session, CountingSender()).poller
            figures = []
            for feed_id, name in (("etag", "304 Not Modified"), ("plain", "200, same hash")):
                baseline = await poller.poll(feed_id)
                if baseline.outcome != "stored":
                    raise RuntimeError(f"baseline poll of {feed_id}: {baseline}")
                cpu, wall = await _unchanged_polls(poller, feed_id, polls)
                figures.append(
                    Figure(
                        key="pollcost",
                        name=f"Unchanged poll CPU, {name}",
                        value=cpu * 1000,
                        unit="ms",
                        target=TARGET_MS,
                        detail=(
                            f"mean of {polls} polls of a {elections:,}-election feed "
                            f"({size / 1e6:.2f} MB); wall {wall * 1000:.2f} ms per poll"
                        ),
                        extra={"elections": elections, "bytes": size, "wall_ms": wall * 1000},
                    )
                )
            return figures


async def _unchanged_polls(poller: Poller, feed_id: str, polls: int) -> tuple[float, float]:
    """Mean (CPU, wall) seconds per poll; every poll must find the feed unchanged."""
    for _ in range(WARMUP):
        await poller.poll(feed_id)
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for _ in range(polls):
        report = await poller.poll(feed_id)
        if report.outcome != "unchanged":
            raise RuntimeError(f"poll of an unchanged feed {feed_id}: {report}")
    cpu = time.process_time() - cpu_start
    wall = time.perf_counter() - wall_start
    return cpu / polls, wall / polls

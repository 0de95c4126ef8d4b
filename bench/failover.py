"""Failover (DESIGN §11: leader killed → next poll by another process ≤ 10 s): two real
`python -m bot run` processes on PostgreSQL, logged in to the Discord double, polling a feed
on 127.0.0.1 every second. The leader is killed with kill -9; the time from the kill to the
first fetch of the feed by the other process is one sample. The killed process is started
again and becomes the standby, and the new leader is killed next, so the kills alternate.

Standby side of the path: PostgreSQL notices the dead session at once (its socket closes)
and releases the advisory lock; the standby asks for it every second (RETRY_S), then syncs
the config, reads the feed state from the store and polls at once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import Figure, openapi_spec, percentile
from bench.replicas import not_measured, pg_server_url
from tests.discord_double import DiscordDouble
from tests.replicas.rig import Cluster, Setup, baseline_stored, migrated, serve_logged_feed
from tests.services.replicas_support import fresh_pg_database
from tests.support.jfk8 import jfk8

KEY = "failover"
NAME = "Leader killed (kill -9) → next poll by another process, max"
TARGET_S = 10.0
KILLS = 6  # at 1×
WAIT_S = 30.0  # a failover slower than this is a failure, not a sample


async def measure(scale: float = 1.0) -> list[Figure]:
    """`KILLS × scale` kills (two at least): the slowest takeover, with p50 in the detail."""
    url = pg_server_url()
    if url is None:
        return not_measured(KEY, NAME, "s")
    kills = max(2, round(KILLS * scale))
    samples = await takeovers(url, kills)
    p50 = percentile(samples, 50)
    return [
        Figure(
            key=KEY,
            name=NAME,
            value=max(samples),
            unit="s",
            target=TARGET_S,
            detail=(
                f"p50 {p50:.2f} s, max {max(samples):.2f} s over {kills} kills of the leader, "
                "alternating between two processes; feed interval 1 s, standby retry 1 s"
            ),
            extra={"kills": kills, "p50_s": p50, "max_s": max(samples)},
        )
    ]


async def takeovers(pg_url: str, kills: int) -> list[float]:
    """Seconds from each kill to the other process's first fetch."""
    samples: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-failover-") as tmp:
        async with (
            DiscordDouble(openapi_spec(), validate=False) as double,
            fresh_pg_database(pg_url) as url,
            serve_logged_feed() as feed,
        ):
            feed.set_document(jfk8("counting", 100, 90))
            store = await migrated(url)
            try:
                setup = Setup(double.base_url, url, feed.url)
                async with Cluster(Path(tmp), setup) as cluster:
                    await cluster.start()
                    leader, _ = await cluster.settled(alive=2)
                    await baseline_stored(store)
                    for _ in range(kills):
                        survivor = next(r for r in cluster.replicas.values() if r is not leader)
                        killed_at = await leader.kill()
                        fetch = await feed.wait_fetch_after(killed_at, survivor.name, WAIT_S)
                        samples.append(fetch.at - killed_at)
                        await leader.start()
                        # Until the restarted one answers as a standby (its dead self's
                        # heartbeat still counts for 10 s: the count is not waited on).
                        leader, _ = await cluster.settled(timeout=60)
                    await cluster.stop()
            finally:
                await store.close()
    return samples

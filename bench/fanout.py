"""Figures 4 and 5: one update fanned out to N subscribed channels by the real bot, built as
`run` builds it (bot.cli.discord_run.compose_bot: TallyBot, DiscordSender paced at
`discord.requests_per_second`, the runtime of bot.cli.root.build_runtime, discord.py)
through the Discord double enforcing the global limit of 50 requests per fixed 1 s window;
timed from the poll that fetched the change to the last message the double recorded, with
429s counted, and the bodies the delivery worker rendered for it counted (one post: one
render). Meanwhile `/status` is invoked every 100 ms and its interaction → callback
latency recorded (DESIGN §11)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, replace

from sqlalchemy import text

from bench.botrig import GLOBAL_LIMIT, MESSAGES, Arrivals, bot_on_double, poll_until
from bench.common import Figure, percentile
from bench.documents import election_id, native_feed
from tests.discord_double import DiscordDouble, InteractionHandle
from tests.support.feed_server import FeedServer

TARGET_FLOOR_RATIO = 1.1
TARGET_STATUS_P99_MS = 100.0
TARGET_RENDERS_PER_POST = 1.0
STATUS_EVERY_S = 0.1
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"


@dataclass(frozen=True)
class FanOut:
    """What one fan-out run saw."""

    channels: int
    total_s: float
    global_429s: int
    route_429s: int
    peak_per_window: int
    status_ms: list[float]
    problems: int
    renders: int
    posts: int
    rate: float
    cpu_s: float  # this process's CPU (the bot's and the double's) during the fan-out

    @property
    def floor_s(self) -> float:
        return self.channels / GLOBAL_LIMIT


async def measure(
    channels: int = 1000, status: bool = True, requests_per_second: float | None = None
) -> list[Figure]:
    """The fan-out figures; `requests_per_second` replaces the config's default (a what-if)."""
    run = await fan_out(channels, status=status, requests_per_second=requests_per_second)
    paced = "" if requests_per_second is None else f", paced at {requests_per_second:g}/s"
    key = "fanout" if requests_per_second is None else "pacing"
    figures = [
        Figure(
            key=key,
            name=f"Fan-out to {channels:,} channels, × the {run.floor_s:g} s floor{paced}",
            value=run.total_s / run.floor_s,
            unit="×",
            target=TARGET_FLOOR_RATIO,
            detail=(
                f"{run.total_s:.2f} s from the poll that fetched the change to the last "
                f"message, paced at {run.rate:g} requests/s (`discord.requests_per_second`; "
                f"its own floor {channels / run.rate:.2f} s); {run.global_429s} global and "
                f"{run.route_429s} route 429s; at most {run.peak_per_window} requests in one "
                f"1 s window (fixed windows, limit {GLOBAL_LIMIT}); {run.problems} double "
                f"problem(s); the process (bot and double) used {run.cpu_s:.1f} s of CPU "
                f"meanwhile ({run.cpu_s / run.total_s:.0%} of one core)"
            ),
            extra={
                "channels": channels,
                "total_s": run.total_s,
                "global_429s": run.global_429s,
                "route_429s": run.route_429s,
                "peak_per_window": run.peak_per_window,
            },
        ),
        Figure(
            key=key,
            name=f"429s received during the fan-out to {channels:,} channels{paced}",
            value=run.global_429s + run.route_429s,
            unit="",
            detail="target: about none, by pacing (token bucket, bot/services/pacing.py)",
        ),
        Figure(
            key=key,
            name=f"Renders per post, fan-out to {channels:,} channels{paced}",
            value=run.renders / max(1, run.posts),
            unit="",
            target=TARGET_RENDERS_PER_POST,
            exact=True,
            detail=(
                f"DeliveryWorker.renders {run.renders} for {run.posts} post(s) delivered to "
                f"{channels:,} channels (one language, one mode)"
            ),
            extra={"renders": run.renders, "posts": run.posts},
        ),
    ]
    if status and run.status_ms:
        p50, p99 = percentile(run.status_ms, 50), percentile(run.status_ms, 99)
        figures.append(
            Figure(
                key=key,
                name=f"/status interaction → callback p99, during the fan-out{paced}",
                value=p99,
                unit="ms",
                target=TARGET_STATUS_P99_MS,
                detail=(
                    f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(run.status_ms):.1f} ms over "
                    f"{len(run.status_ms)} interactions, one every {STATUS_EVERY_S * 1000:.0f} ms"
                ),
                extra={"channels": channels, "p50_ms": p50, "p99_ms": p99},
            )
        )
    return figures


async def fan_out(
    channels: int, *, status: bool = True, requests_per_second: float | None = None
) -> FanOut:
    """Run one fan-out of one update to `channels` channels through the double."""
    async with bot_on_double(channels, requests_per_second=requests_per_second) as rig:
        renders_before = rig.runtime.worker.renders
        run = await _timed_fan_out(rig.double, rig.server, rig.targets, status)
        async with rig.store.read() as uow:
            posts = await uow.connection.scalar(text("SELECT COUNT(*) FROM posts"))
        return replace(
            run,
            renders=rig.runtime.worker.renders - renders_before,
            posts=int(posts or 0),
            rate=rig.requests_per_second,
        )


async def _timed_fan_out(
    double: DiscordDouble, server: FeedServer, targets: list[int], status: bool
) -> FanOut:
    loop = asyncio.get_running_loop()
    before = (double.stats.global_429s, double.stats.route_429s)
    server.set_document(native_feed(10, changed=1, bump=1))
    await server.wait_fetched(1)
    fetched_at, cpu_at = loop.time(), time.process_time()
    stop = asyncio.Event()
    handles: list[InteractionHandle] = []
    load = asyncio.create_task(_status_load(double, handles, stop)) if status else None
    wanted = set(targets)
    arrivals = Arrivals(double, wanted)
    try:
        await poll_until(arrivals.all_arrived, 3 * len(wanted) / GLOBAL_LIMIT + 30, "the fan-out")
    finally:
        cpu_s = time.process_time() - cpu_at
        stop.set()
        if load is not None:
            await load
    last = max(
        r.at
        for r in double.requests
        if r.template == MESSAGES and r.status == 200 and r.at >= fetched_at
    )
    return FanOut(
        channels=len(wanted),
        total_s=last - fetched_at,
        global_429s=double.stats.global_429s - before[0],
        route_429s=double.stats.route_429s - before[1],
        peak_per_window=double.peak_requests_per_window,
        status_ms=_callback_latencies(double, handles),
        problems=len(double.problems),
        renders=0,
        posts=0,
        rate=0.0,
        cpu_s=cpu_s,
    )


async def _status_load(
    double: DiscordDouble, handles: list[InteractionHandle], stop: asyncio.Event
) -> None:
    """`/status` every STATUS_EVERY_S until `stop`, each awaited before the next."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        started = loop.time()
        handle = await double.send_interaction("status", {"election": election_id(0)})
        handles.append(handle)
        await handle.response(timeout=5.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, STATUS_EVERY_S - (loop.time() - started)))


def _callback_latencies(double: DiscordDouble, handles: list[InteractionHandle]) -> list[float]:
    """Interaction sent → its callback arriving at the double, in ms."""
    arrived: dict[int, float] = {}
    for record in double.requests:
        if record.template == CALLBACK:
            interaction_id = int(record.path.split("/")[2])
            arrived.setdefault(interaction_id, record.at)
    return [(arrived[h.id] - h.created_at) * 1000 for h in handles if h.id in arrived]

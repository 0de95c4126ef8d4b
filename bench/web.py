"""The web edge's figures (DESIGN §11): the delay from a change's planning commit to the
`tally` event at every open event stream of the election, and /feed.json of 5,000 elections:
the first answer after a change, cached answers, and 304s.

Everything is what `run` builds: the runtime of bot.cli.root.build_runtime (its poller
reads a file:// feed of 5,000 elections; its pipeline publishes into the change hub after
each planning commit) and the web edge of bot.cli.serving.build_web, served on 127.0.0.1
through its real runner. Clients read over loopback with aiohttp in the same process (so
the figures include the client's own parsing).

`python -m bench.web` prints them; `run()` returns them."""

from __future__ import annotations

import asyncio
import gc
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import aiohttp

from bench.common import (
    CountingSender,
    Figure,
    bench_feed,
    bench_settings,
    percentile,
    sqlite_store,
)
from bench.documents import election_id, native_feed
from bench.report import fmt_value
from bot.cli.root import build_runtime
from bot.cli.serving import build_web
from bot.services.hub import ChangeHub
from bot.services.runtime import Runtime

SSE_TARGET_S = 1.0
CACHED_TARGET_MS = 50.0
NOT_MODIFIED_TARGET_MS = 2.0


class Feed:
    """The file:// feed the runtime polls: election 0 moves for the streams, election 1 for
    /feed.json."""

    def __init__(self, path: Path, elections: int) -> None:
        self.path = path
        self.elections = elections
        self.bumps = 0
        path.write_bytes(native_feed(elections))

    async def change(self, runtime: Runtime, changed: int) -> None:
        """Move the first `changed` elections on, and poll (parse, plan, commit, publish)."""
        self.bumps += 1
        self.path.write_bytes(native_feed(self.elections, changed=changed, bump=self.bumps))
        report = await runtime.poller.poll("bench")
        if report.outcome != "stored":
            raise RuntimeError(f"web bench poll: {report}")


class PublishTimes:
    """When the pipeline published into the hub (its commit just ended), per call."""

    def __init__(self, hub: ChangeHub) -> None:
        self.times: list[float] = []
        publish: Callable[[Iterable[str]], None] = hub.publish

        def timed(election_ids: Iterable[str]) -> None:
            self.times.append(time.perf_counter())
            publish(election_ids)

        hub.publish = timed  # type: ignore[method-assign]  # a probe on this instance only


async def measure(elections: int = 5000, changes: int = 30, streams: int = 100) -> list[Figure]:
    """Every figure of the web edge, on a fresh SQLite store of `elections` elections."""
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        folder = Path(tmp)
        feed = Feed(folder / "feed.json", max(2, elections))
        settings = bench_settings(
            bench_feed("bench", feed.path.as_uri()), http={"max_streams": max(500, 2 * streams)}
        )
        # Port 0 (any free port) is no valid `http.listen`: set past validation.
        settings = settings.model_copy(
            update={"http": settings.http.model_copy(update={"listen": "127.0.0.1:0"})}
        )
        async with sqlite_store(folder) as store, aiohttp.ClientSession() as session:
            runtime = build_runtime(settings, store, session, CountingSender())
            await runtime.poller.poll("bench")  # the silent baseline: every election published
            web = build_web(settings, store, runtime)
            assert web is not None
            published = PublishTimes(runtime.hub)
            started = time.perf_counter()
            await web.start()  # reads every election before it answers
            load_s = time.perf_counter() - started
            gc.freeze()  # as `run` does once started (bot/cli/lifecycle.py)
            try:
                async with aiohttp.ClientSession(auto_decompress=False) as client:
                    url = web.server.url
                    sse = await _sse_delays(client, url, runtime, feed, published, changes, streams)
                    answers = await _feed_times(client, url, runtime, feed)
            finally:
                await web.stop()
                gc.unfreeze()
    return [*_sse_figures(sse, changes, streams), *_feed_figures(answers, elections, load_s)]


async def _sse_delays(
    client: aiohttp.ClientSession,
    base: str,
    runtime: Runtime,
    feed: Feed,
    published: PublishTimes,
    changes: int,
    streams: int,
) -> list[tuple[float, float]]:
    """Per change: (commit → last stream's event, poll start → last stream's event)."""
    responses = [
        await client.get(f"{base}/e/{election_id(0)}/events") for _ in range(max(1, streams))
    ]
    delays: list[tuple[float, float]] = []
    try:
        for response in responses:
            await response.content.readuntil(b"\n\n")  # the `retry:` preamble
        for _ in range(changes):
            waiting = [asyncio.create_task(_next_event(r)) for r in responses]
            polled = time.perf_counter()
            await feed.change(runtime, changed=1)
            async with asyncio.timeout(10):
                arrived = max(await asyncio.gather(*waiting))
            delays.append((arrived - published.times[-1], arrived - polled))
    finally:
        for response in responses:
            response.close()
    return delays


async def _next_event(response: aiohttp.ClientResponse) -> float:
    while True:
        block = await response.content.readuntil(b"\n\n")
        if block.startswith(b"event: tally"):
            return time.perf_counter()


async def _feed_times(
    client: aiohttp.ClientSession, base: str, runtime: Runtime, feed: Feed
) -> dict[str, list[float]]:
    """Seconds per /feed.json request: first after a change, cached, gzip cached, 304."""
    url = f"{base}/feed.json"
    plain = {"Accept-Encoding": "identity"}
    times: dict[str, list[float]] = {"first": [], "cached": [], "gzip": [], "304": []}
    async with client.get(url, headers=plain) as response:
        await response.read()
    for _ in range(5):
        follow = await client.get(f"{base}/e/{election_id(1)}/events")
        await follow.content.readuntil(b"\n\n")
        await feed.change(runtime, changed=2)
        await _next_event(follow)  # the snapshot has the change: the next answer builds
        follow.close()
        times["first"].append(await _timed(client, url, plain))
    for _ in range(50):
        times["cached"].append(await _timed(client, url, plain))
    for _ in range(50):
        times["gzip"].append(await _timed(client, url, {"Accept-Encoding": "gzip"}))
    async with client.get(url, headers=plain) as response:
        etag = response.headers["ETag"]
        await response.read()
    for _ in range(300):
        times["304"].append(await _timed(client, url, {"If-None-Match": etag}, status=304))
    return times


async def _timed(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], status: int = 200
) -> float:
    started = time.perf_counter()
    async with session.get(url, headers=headers) as response:
        await response.read()
        if response.status != status:
            raise RuntimeError(f"{url} answered {response.status}, not {status}")
    return time.perf_counter() - started


def _sse_figures(delays: list[tuple[float, float]], changes: int, streams: int) -> list[Figure]:
    from_publish = [d for d, _ in delays]
    from_commit = [d for _, d in delays]  # from the poll's start
    p50, p95 = percentile(from_publish, 50), percentile(from_publish, 95)
    return [
        Figure(
            key="web",
            name="Web: published change → SSE event at every client, p95",
            value=p95,
            unit="s",
            target=SSE_TARGET_S,
            detail=(
                f"the planning commit's end (the pipeline's hub.publish) → the `tally` event "
                f"at the last of {streams} open streams: p50 {p50 * 1000:.1f} ms, p95 "
                f"{p95 * 1000:.1f} ms, max {max(from_publish) * 1000:.1f} ms over {changes} "
                f"changes; from the start of the poll (fetch and parse of the whole feed "
                f"included) p95 {percentile(from_commit, 95) * 1000:.1f} ms"
            ),
            extra={
                "p50_s": p50,
                "max_s": max(from_publish),
                "poll_p95_s": percentile(from_commit, 95),
                "streams": streams,
            },
        )
    ]


def _feed_figures(times: dict[str, list[float]], elections: int, load_s: float) -> list[Figure]:
    def ms(values: list[float], q: float) -> float:
        return percentile(values, q) * 1000

    size = f"{elections:,} elections"
    return [
        Figure(
            key="web",
            name=f"Web: /feed.json of {size}, first answer after a change",
            value=ms(times["first"], 50),
            unit="ms",
            detail=(
                f"median of {len(times['first'])}: the document reassembled from cached "
                f"per-election parts; max {max(times['first']) * 1000:.1f} ms; the app read "
                f"every election at start in {load_s * 1000:.0f} ms"
            ),
            extra={"max_ms": max(times["first"]) * 1000, "start_load_ms": load_s * 1000},
        ),
        Figure(
            key="web",
            name=f"Web: /feed.json of {size}, cached, p95",
            value=ms(times["cached"], 95),
            unit="ms",
            target=CACHED_TARGET_MS,
            detail=(
                f"p50 {ms(times['cached'], 50):.1f} ms over {len(times['cached'])} requests, "
                f"whole body read; gzip p95 {ms(times['gzip'], 95):.1f} ms"
            ),
            extra={"p50_ms": ms(times["cached"], 50), "gzip_p95_ms": ms(times["gzip"], 95)},
        ),
        Figure(
            key="web",
            name=f"Web: /feed.json of {size}, 304 Not Modified, p95",
            value=ms(times["304"], 95),
            unit="ms",
            target=NOT_MODIFIED_TARGET_MS,
            detail=f"p50 {ms(times['304'], 50):.2f} ms over {len(times['304'])} requests",
            extra={"p50_ms": ms(times["304"], 50)},
        ),
    ]


def run(elections: int = 5000, changes: int = 30, streams: int = 100) -> list[Figure]:
    """The figures, measured in a loop of their own."""
    return asyncio.run(measure(elections, changes, streams))


if __name__ == "__main__":
    for figure in run():
        target = f" (target ≤ {figure.target:g} {figure.unit})" if figure.target else ""
        print(f"{figure.name}: {fmt_value(figure.value, figure.unit)}{target}")
        print(f"  {figure.detail}")
    sys.exit(0)

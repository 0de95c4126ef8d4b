"""The web edge's figures (DESIGN §11): the delay from a planning commit's notification
(`hub.publish`) to the `tally` event at every open event stream of the election, and
/feed.json of 5,000 elections: the first answer after a change, cached answers, and 304s.
The app serves on 127.0.0.1 through its real runner; clients read over loopback with
aiohttp in the same process (so the figures include the client's own parsing).

`python -m bench.web` prints them; `run()` returns them."""

from __future__ import annotations

import asyncio
import gc
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.common import Figure, percentile, sqlite_store
from bench.report import fmt_value
from bot.core.models import Choice, Election, SourceKind, Status, Tally
from bot.services.hub import ChangeHub
from bot.store import Published, Store
from bot.web import WebServer, build_web_app

SSE_TARGET_S = 1.0
CACHED_TARGET_MS = 50.0
NOT_MODIFIED_TARGET_MS = 2.0
T0 = datetime(2022, 3, 31, 23, 0, tzinfo=UTC)


class _Http:
    max_streams = 1000
    public_url = None


def _tally(index: int, union: int) -> Tally:
    return Tally(
        election_id=f"e{index}",
        choices=(
            Choice(f"Union {index}", union),
            Choice("No union", 30 + index % 61, against=True),
        ),
        challenged=index % 7,
        status=Status.COUNTING,
        eligible_voters=500 + index,
        source="bench",
        source_kind=SourceKind.NATIVE,
        source_label="bench feed, unofficial",
    )


async def _write(store: Store, tallies: list[Tally], now: datetime) -> None:
    """What a planning commit writes for these tallies (history and published)."""
    async with store.transaction() as uow:
        await uow.tallies.record_many(tallies, now=now)
        await uow.published.set_many([Published(t) for t in tallies], now=now)


async def _seed(store: Store, elections: int) -> None:
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed(
            [Election(id=f"e{i}", name=f"Election {i}", case_number=None) for i in range(elections)]
        )
    await _write(store, [_tally(i, 40 + i % 97) for i in range(elections)], T0)


async def measure(elections: int = 5000, changes: int = 30, streams: int = 100) -> list[Figure]:
    """Every figure of the web edge, on a fresh SQLite store of `elections` elections."""
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        async with sqlite_store(Path(tmp)) as store:
            await _seed(store, elections)
            hub = ChangeHub()
            app = build_web_app(store=store, hub=hub, settings_http=_Http())
            server = WebServer(app, listen="127.0.0.1:0")
            started = time.perf_counter()
            await server.start()  # reads every election before it answers
            load_s = time.perf_counter() - started
            gc.freeze()  # as `run` does once started (bot/cli/run.py)
            try:
                async with aiohttp.ClientSession(auto_decompress=False) as session:
                    sse = await _sse_delays(session, server.url, store, hub, changes, streams)
                    feed = await _feed_times(session, server.url, store, hub)
            finally:
                await server.stop()
                gc.unfreeze()
    return [*_sse_figures(sse, changes, streams), *_feed_figures(feed, elections, load_s)]


async def _sse_delays(
    session: aiohttp.ClientSession,
    base: str,
    store: Store,
    hub: ChangeHub,
    changes: int,
    streams: int,
) -> list[tuple[float, float]]:
    """Per change: (publish → last stream's event, commit start → last stream's event)."""
    responses = [await session.get(f"{base}/e/e0/events") for _ in range(max(1, streams))]
    delays: list[tuple[float, float]] = []
    try:
        for response in responses:
            await response.content.readuntil(b"\n\n")  # the `retry:` preamble
        for change in range(changes):
            waiting = [asyncio.create_task(_next_event(r)) for r in responses]
            committed = time.perf_counter()
            await _write(store, [_tally(0, 1000 + change)], T0 + timedelta(seconds=change + 1))
            published = time.perf_counter()
            hub.publish(["e0"])
            async with asyncio.timeout(10):
                arrived = max(await asyncio.gather(*waiting))
            delays.append((arrived - published, arrived - committed))
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
    session: aiohttp.ClientSession, base: str, store: Store, hub: ChangeHub
) -> dict[str, list[float]]:
    """Seconds per /feed.json request: first after a change, cached, gzip cached, 304."""
    url = f"{base}/feed.json"
    plain = {"Accept-Encoding": "identity"}
    times: dict[str, list[float]] = {"first": [], "cached": [], "gzip": [], "304": []}
    async with session.get(url, headers=plain) as response:
        await response.read()
    for round_ in range(5):
        follow = await session.get(f"{base}/e/e1/events")
        await follow.content.readuntil(b"\n\n")
        await _write(store, [_tally(1, 5000 + round_)], T0 + timedelta(hours=round_ + 1))
        hub.publish(["e1"])
        await _next_event(follow)  # the snapshot has the change: the next answer builds
        follow.close()
        times["first"].append(await _timed(session, url, plain))
    for _ in range(50):
        times["cached"].append(await _timed(session, url, plain))
    for _ in range(50):
        times["gzip"].append(await _timed(session, url, {"Accept-Encoding": "gzip"}))
    async with session.get(url, headers=plain) as response:
        etag = response.headers["ETag"]
        await response.read()
    for _ in range(300):
        times["304"].append(await _timed(session, url, {"If-None-Match": etag}, status=304))
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
    from_commit = [d for _, d in delays]
    p50, p95 = percentile(from_publish, 50), percentile(from_publish, 95)
    return [
        Figure(
            key="web",
            name="Web: published change → SSE event at every client, p95",
            value=p95,
            unit="s",
            target=SSE_TARGET_S,
            detail=(
                f"hub.publish → the `tally` event at the last of {streams} open streams: "
                f"p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max "
                f"{max(from_publish) * 1000:.1f} ms over {changes} changes; from the start "
                f"of the planning commit p95 {percentile(from_commit, 95) * 1000:.1f} ms"
            ),
            extra={
                "p50_s": p50,
                "max_s": max(from_publish),
                "commit_p95_s": percentile(from_commit, 95),
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

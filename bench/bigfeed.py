"""Figure 3: one poll that ingests a big feed with 10 changed elections (fetch, parse, then
the pipeline's load → plan → write in one transaction: elections, source tallies, published
state, posts and deliveries) on a SQLite file store, after a silent baseline; native,
nlrb-csv and sheet-csv (DESIGN §11: ≤ 100 ms). Parse alone and the store transaction are
timed apart. The poller is the one bot.cli.root.build_runtime builds."""

from __future__ import annotations

import gc
import math
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aiohttp

from bench.common import (
    CountingSender,
    Figure,
    bench_feed,
    bench_settings,
    sqlite_store,
    subscribe_channels,
)
from bench.documents import csv_feed, native_feed, sheet_feed
from bench.feedproc import feed_process
from bot.cli.root import build_runtime
from bot.feeds.base import FeedFormat, ParseContext, ParseResult
from bot.services import poller as poller_module
from bot.services.poller import Poller, PollReport
from bot.store import ALL_ELECTIONS, Store, UnitOfWork

ParseFunction = Callable[[FeedFormat, bytes, ParseContext], ParseResult]
TARGET_MS = 100.0
CHANGED = 10
SHEET_CSV = "sheet-csv"  # FeedFormat.SHEET_CSV once H2's parser is on main
GENERATORS: dict[str, Callable[[int, int, int], bytes]] = {
    FeedFormat.NATIVE.value: native_feed,
    FeedFormat.NLRB_CSV.value: csv_feed,
    SHEET_CSV: sheet_feed,
}


class TimedStore:
    """The store, with the time spent inside its read and write units of work summed;
    everything else is the store's own."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.read_s = 0.0
        self.write_s = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        started = time.perf_counter()
        try:
            async with self._store.transaction() as uow:
                yield uow
        finally:
            self.write_s += time.perf_counter() - started

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        started = time.perf_counter()
        try:
            async with self._store.read() as uow:
                yield uow
        finally:
            self.read_s += time.perf_counter() - started

    def reset(self) -> None:
        self.read_s = self.write_s = 0.0


@dataclass(frozen=True)
class Ingest:
    """One changed poll, split up (seconds)."""

    poll: float
    parse: float
    write: float
    read: float
    posts: int
    cpu: float  # process CPU (every thread) during the poll

    @property
    def fetch_and_rest(self) -> float:
        return self.poll - self.parse - self.write - self.read


async def measure(
    elections: int = 5000, repeats: int = 5, formats: tuple[str, ...] = tuple(GENERATORS)
) -> list[Figure]:
    """The changed-poll wall time for each format: the median of `repeats` polls."""
    figures = []
    for name in formats:
        fmt = known_format(name)
        if fmt is None:
            figures.append(_skipped(name, elections))
            continue
        runs, baseline_s = await _ingest_runs(fmt, elections, repeats)
        figures.append(_figure(fmt, elections, runs, baseline_s))
    return figures


def known_format(name: str) -> FeedFormat | None:
    """The feed format of that name, when this checkout has its parser."""
    try:
        return FeedFormat(name)
    except ValueError:
        return None


def _skipped(name: str, elections: int) -> Figure:
    return Figure(
        key="bigfeed",
        name=f"Big feed ingest, {name}",
        value=math.nan,
        unit="ms",
        target=TARGET_MS,
        detail=f"not measured: this checkout has no {name} parser yet (FeedFormat has no {name!r})",
        extra={"elections": elections},
    )


def _figure(fmt: FeedFormat, elections: int, runs: list[Ingest], baseline_s: float) -> Figure:
    def median(part: Callable[[Ingest], float]) -> float:
        return statistics.median(part(run) for run in runs) * 1000

    poll, parse_ms, write_ms = (
        median(lambda r: r.poll),
        median(lambda r: r.parse),
        median(lambda r: r.write),
    )
    rest = median(lambda r: r.fetch_and_rest + r.read)
    cpu_ms = median(lambda r: r.cpu)
    return Figure(
        key="bigfeed",
        name=f"Big feed ingest, {fmt.value}",
        value=poll,
        unit="ms",
        target=TARGET_MS,
        detail=(
            f"{elections:,} elections, {CHANGED} changed, median of {len(runs)} polls: parse "
            f"{parse_ms:.0f} ms, store transaction {write_ms:.0f} ms, fetch and the rest "
            f"{rest:.0f} ms (CPU {cpu_ms:.0f} ms, every thread); {runs[0].posts} posts "
            "queued per poll; the silent baseline "
            f"poll took {baseline_s * 1000:.0f} ms"
        ),
        extra={
            "elections": elections,
            "parse_ms": parse_ms,
            "store_ms": write_ms,
            "rest_ms": rest,
            "cpu_ms": cpu_ms,
        },
    )


async def _ingest_runs(fmt: FeedFormat, elections: int, repeats: int) -> tuple[list[Ingest], float]:
    generate = GENERATORS[fmt.value]
    with tempfile.TemporaryDirectory(prefix="bench-bigfeed-") as tmp:
        folder = Path(tmp)
        path = folder / "feed"
        path.write_bytes(generate(elections, 0, 0))
        async with (
            feed_process(path) as base,
            sqlite_store(folder) as store,
            aiohttp.ClientSession() as session,
        ):
            # One channel follows everything, so each changed election queues one post.
            await subscribe_channels(store, [1], [ALL_ELECTIONS])
            timed = TimedStore(store)
            settings = bench_settings(bench_feed("big", f"{base}/etag", fmt.value))
            poller = build_runtime(settings, cast(Store, timed), session, CountingSender()).poller
            # As `python -m bot run` does once started: what exists now is kept out of
            # the collector's passes.
            gc.freeze()
            started = time.perf_counter()
            await _expect(poller, "stored")
            baseline_s = time.perf_counter() - started
            runs = []
            for bump in range(1, repeats + 1):
                path.write_bytes(generate(elections, CHANGED, bump))
                runs.append(await _timed_poll(poller, timed))
            gc.unfreeze()
            return runs, baseline_s


async def _timed_poll(poller: Poller, timed: TimedStore) -> Ingest:
    timed.reset()
    with timed_parser() as parse_times:
        started, cpu = time.perf_counter(), time.process_time()
        report = await _expect(poller, "stored")
        poll, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Ingest(poll, sum(parse_times), timed.write_s, timed.read_s, report.posts, cpu)


@contextmanager
def timed_parser() -> Iterator[list[float]]:
    """Time the parser the poller calls, in place (the poller imports `parse` by name)."""
    times: list[float] = []
    namespace = vars(poller_module)
    original: ParseFunction = namespace["parse"]

    def timed(fmt: FeedFormat, body: bytes, ctx: ParseContext) -> ParseResult:
        started = time.perf_counter()
        try:
            return original(fmt, body, ctx)
        finally:
            times.append(time.perf_counter() - started)

    namespace["parse"] = timed
    try:
        yield times
    finally:
        namespace["parse"] = original


async def _expect(poller: Poller, outcome: str) -> PollReport:
    report = await poller.poll("big")
    if report.outcome != outcome:
        raise RuntimeError(f"big feed poll: expected {outcome}, got {report}")
    return report

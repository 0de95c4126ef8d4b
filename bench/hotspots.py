"""Where the time goes, for the notes in bench/NOTES.md.

`python -m bench.hotspots bigfeed-native|bigfeed-csv|poll-304|poll-hash|delivery`: cProfile
over one measured path, the top functions with file:line. cProfile sees the event loop's
thread only: SQLite work in aiosqlite's thread shows up as `select.epoll.poll` (waiting),
and so does the parse, which the poller runs in a worker thread: `parse-native|parse-csv|
parse-sheet` profile the parser alone, on the changed document of the big-feed bench.
`python -m bench.hotspots store-steps`: the two store calls that read all 5,000 elections,
timed with every tally of the changed document and with only the 10 changed ones.
`python -m bench.hotspots parse-gc`: parse times with the collector as is, and after
`gc.freeze()`, in a process holding the bot's modules."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from bench.common import (
    CountingSender,
    bench_feed,
    bench_settings,
    sqlite_store,
    subscribe_channels,
)
from bench.documents import csv_feed, election_id, native_feed, sheet_feed
from bench.feedproc import feed_process
from bot.cli.root import build_runtime
from bot.feeds.base import FeedFormat, ParseContext
from bot.feeds.parsers import parse
from bot.services.runtime import Runtime
from bot.store import ALL_ELECTIONS, Store

PATHS = ("bigfeed-native", "bigfeed-csv", "poll-304", "poll-hash", "delivery")
PARSES = {"parse-native": "native", "parse-csv": "nlrb-csv", "parse-sheet": "sheet-csv"}
EXPERIMENTS = ("store-steps", "parse-gc")


@asynccontextmanager
async def _rig(fmt: FeedFormat, body: bytes) -> AsyncIterator[tuple[Path, Store, Runtime]]:
    with tempfile.TemporaryDirectory(prefix="bench-hotspots-") as tmp:
        folder = Path(tmp)
        path = folder / "feed"
        path.write_bytes(body)
        async with (
            feed_process(path) as base,
            sqlite_store(folder) as store,
            aiohttp.ClientSession() as session,
        ):
            settings = bench_settings(
                *(bench_feed(name, f"{base}/{name}", fmt.value) for name in ("etag", "plain"))
            )
            yield path, store, build_runtime(settings, store, session, CountingSender())


async def _profiled(work: Callable[[], Awaitable[object]], top: int) -> str:
    profile = cProfile.Profile()
    profile.enable()
    await work()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


async def profile_path(name: str, elections: int = 5000, top: int = 30) -> str:
    """The profile of one path, as pstats prints it."""
    fmt = FeedFormat.NLRB_CSV if name == "bigfeed-csv" else FeedFormat.NATIVE
    generate = csv_feed if fmt is FeedFormat.NLRB_CSV else native_feed
    async with _rig(fmt, generate(elections, 0, 0)) as (path, store, runtime):
        poller = runtime.poller
        await subscribe_channels(store, [1], [ALL_ELECTIONS])
        await poller.poll("etag")
        await poller.poll("plain")
        if name.startswith("bigfeed"):
            path.write_bytes(generate(elections, 10, 1))
            return await _profiled(lambda: poller.poll("etag"), top)
        if name in ("poll-304", "poll-hash"):
            feed_id = "etag" if name == "poll-304" else "plain"

            async def polls() -> None:
                for _ in range(200):
                    await poller.poll(feed_id)

            return await _profiled(polls, top)
        channels = range(2, 1002)
        await subscribe_channels(store, channels, [election_id(0)])
        path.write_bytes(generate(elections, 1, 1))
        await poller.poll("etag")
        worker = runtime.worker

        async def drain() -> None:
            while await worker.run_once():
                pass

        return await _profiled(drain, top)


async def store_steps(elections: int = 5000, repeats: int = 3) -> str:
    """upsert_from_feed and record_many on a 10-changed document: all tallies, then only
    the changed ones (what a poller that skipped unchanged tallies would hand the store)."""
    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-hotspots-") as tmp:
        async with sqlite_store(Path(tmp)) as store:
            context = ParseContext(source_id="f")
            first = parse(FeedFormat.NATIVE, native_feed(elections), context)
            async with store.transaction() as uow:
                await uow.elections.upsert_from_feed([p.election for p in first.tallies])
                await uow.tallies.record_many([p.tally for p in first.tallies])
            bump = 0
            for label, changed_only in (("every tally", False), ("only the changed", True)):
                for _ in range(repeats):
                    bump += 1
                    parsed = parse(FeedFormat.NATIVE, native_feed(elections, 10, bump), context)
                    tallies = parsed.tallies[:10] if changed_only else parsed.tallies
                    started = time.perf_counter()
                    async with store.transaction() as uow:
                        await uow.elections.upsert_from_feed([p.election for p in tallies])
                        upserted = time.perf_counter()
                        await uow.tallies.record_many([p.tally for p in tallies])
                    done = time.perf_counter()
                    lines.append(
                        f"{label:>16}: upsert_from_feed {(upserted - started) * 1000:6.1f} ms, "
                        f"record_many + commit {(done - upserted) * 1000:6.1f} ms"
                    )
    return "\n".join(lines)


def profile_parse(name: str, elections: int = 5000, top: int = 30, repeats: int = 5) -> str:
    """cProfile of `repeats` parses of the big-feed bench's changed document (after one
    parse to warm up, with the collector frozen as `run` has it)."""
    import bot.cli.discord_run  # noqa: F401  (the heap of the real process)

    fmt = FeedFormat(PARSES[name])
    generate = {"native": native_feed, "nlrb-csv": csv_feed, "sheet-csv": sheet_feed}[fmt.value]
    body, context = generate(elections, 10, 1), ParseContext(source_id="f")
    parse(fmt, body, context)
    gc.freeze()
    profile = cProfile.Profile()
    started = time.process_time()
    profile.enable()
    for _ in range(repeats):
        parse(fmt, body, context)
    profile.disable()
    cpu = (time.process_time() - started) / repeats * 1000
    gc.unfreeze()
    out = io.StringIO()
    print(f"{fmt.value}: {cpu:.0f} ms CPU per parse under cProfile ({repeats} parses)", file=out)
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def parse_gc(elections: int = 5000, repeats: int = 5) -> str:
    """Parse times as is, then after gc.freeze(), with the bot's modules loaded."""
    import bot.cli.discord_run  # noqa: F401  (the heap of the real process)

    lines = []
    for fmt, generate in ((FeedFormat.NATIVE, native_feed), (FeedFormat.NLRB_CSV, csv_feed)):
        body, context = generate(elections, 10, 1), ParseContext(source_id="f")
        parse(fmt, body, context)
        for mode in ("as is", "gc.freeze()"):
            if mode == "gc.freeze()":
                gc.freeze()
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                parse(fmt, body, context)
                times.append(f"{(time.perf_counter() - started) * 1000:.0f}")
            lines.append(f"{fmt.value:>8} {mode:>12}: {' '.join(times)} ms")
        gc.unfreeze()
    lines.append(f"objects tracked by the collector: {len(gc.get_objects()):,}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__)
    parser.add_argument("path", choices=PATHS + tuple(PARSES) + EXPERIMENTS)
    parser.add_argument("--elections", type=int, default=5000)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    if args.path == "store-steps":
        print(asyncio.run(store_steps(args.elections)))
    elif args.path == "parse-gc":
        print(parse_gc(args.elections))
    elif args.path in PARSES:
        print(profile_parse(args.path, args.elections, args.top))
    else:
        print(asyncio.run(profile_path(args.path, args.elections, args.top)))


if __name__ == "__main__":
    main()

"""A child process for the several-process tests: holds leadership or the SQLite lock and
reports on stdout, one line per change ("standby", "elected", "deposed", "locked").

    python -m tests.services.replica_child leader URL KEY
    python -m tests.services.replica_child sqlite DATABASE_PATH
    python -m tests.services.replica_child send URL API_BASE CHANNEL_ID COUNT

`send` says "loaded", waits for "join" on stdin, then paces at its share of 40 requests/s
(heartbeats in URL's processes table), says "ready <processes alive>" once logged in to the
Discord API at API_BASE, waits for "go", sends COUNT messages to the channel through
discord.py, eight at a time, and says "done <most processes it saw alive>".
"""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.services.leader import DatabaseInUse, PostgresLeadership, SqliteProcessLock
from bot.store.dedicated import dedicated_connector

TOKEN = "test-token"
BEAT_S = 1.0  # heartbeats three times as fast as the default, to keep the test short
# The pair's budget: 40 + a burst of 2 leaves room under the double's 50 for its own
# timing (it stamps requests on a loop that a busy machine delays).
BUDGET = 40.0


def say(line: str) -> None:
    print(line, flush=True)


async def lead(url: str, key: int) -> int:
    connector = dedicated_connector(url)
    assert connector is not None

    async def elected() -> None:
        say("elected")

    async def deposed() -> None:
        say("deposed")

    leadership = PostgresLeadership(connector, elected, deposed, key=key)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    await leadership.start()
    if not leadership.is_leader:
        say("standby")
    await stopping.wait()
    await leadership.stop()
    say("stopped")
    return 0


def hold_sqlite(path: str) -> int:
    try:
        lock = SqliteProcessLock.acquire(Path(path))
    except DatabaseInUse as exc:
        print(exc, file=sys.stderr, flush=True)
        return 2
    with lock:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        say("locked")
        signal.sigwait({signal.SIGTERM})
    return 0


async def send(url: str, api_base: str, channel_id: int, count: int) -> int:
    # Imported here: the leader and sqlite children start faster without discord.py.
    import aiohttp
    import discord

    from bot.discord.client import point_discord_py_at
    from bot.services.heartbeat import Heartbeat
    from bot.services.pacing import SharedBudget, TokenBucket
    from bot.store import Store
    from bot.store.processes import this_process

    say("loaded")
    await _next_line()
    store = await Store.open(url)
    bucket = TokenBucket()
    budget = SharedBudget(bucket, BUDGET, 2, join_grace_s=BEAT_S * 2)
    seen: list[int] = []

    def on_alive(alive: int) -> None:
        seen.append(alive)
        budget.update(alive)

    heartbeat = Heartbeat(
        store,
        this_process(datetime.now(UTC)),
        on_alive=on_alive,
        interval_s=BEAT_S,
        alive_window_s=BEAT_S * 4,
    )
    await heartbeat.start()
    async with aiohttp.ClientSession() as session:
        await point_discord_py_at(api_base, TOKEN, session)
    client = discord.Client(intents=discord.Intents.none())
    await client.login(TOKEN)
    say(f"ready {heartbeat.alive}")
    await _next_line()
    channel = client.get_partial_messageable(channel_id)
    gate = asyncio.Semaphore(8)

    async def one(n: int) -> None:
        async with gate:
            await bucket.acquire()
            await channel.send(f"post {n}", allowed_mentions=discord.AllowedMentions.none())

    await asyncio.gather(*(one(n) for n in range(count)))
    say(f"done {max(seen)}")
    await client.close()
    await heartbeat.stop()
    await store.close()
    return 0


async def _next_line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


def main(argv: list[str]) -> int:
    if argv[0] == "leader":
        return asyncio.run(lead(argv[1], int(argv[2])))
    if argv[0] == "send":
        return asyncio.run(send(argv[1], argv[2], int(argv[3]), int(argv[4])))
    return hold_sqlite(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

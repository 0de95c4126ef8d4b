"""A child process for the several-process tests: holds leadership or the SQLite lock and
reports on stdout, one line per change ("standby", "elected", "deposed", "locked").

    python -m tests.services.replica_child leader URL KEY
    python -m tests.services.replica_child sqlite DATABASE_PATH
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from bot.services.leader import DatabaseInUse, PostgresLeadership, SqliteProcessLock
from bot.store.dedicated import dedicated_connector


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


def main(argv: list[str]) -> int:
    if argv[0] == "leader":
        return asyncio.run(lead(argv[1], int(argv[2])))
    return hold_sqlite(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

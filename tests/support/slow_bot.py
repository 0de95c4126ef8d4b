"""The tests' own dry-run root with a slow printer (crash tests need posts in flight):
`python -m tests.support.slow_bot CONFIG DATABASE DELAY_S`, printing JSON lines like
`python -m bot run --dry-run --output jsonl`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp

from bot.cli.lifecycle import open_store, run_until_signalled
from bot.cli.main import setup_logging
from bot.cli.root import build_runtime
from bot.config import load_settings
from bot.core.plan import CONSOLE_TARGET, Subscriber
from bot.services.delivery import Outgoing
from bot.services.printer import PrinterSender


class SlowPrinter(PrinterSender):
    def __init__(self, delay_s: float) -> None:
        super().__init__("jsonl")
        self._delay_s = delay_s

    async def send(self, outgoing: Outgoing) -> int | None:
        await asyncio.sleep(self._delay_s)
        return await super().send(outgoing)


async def main(config: Path, database: str, delay_s: float) -> int:
    settings = load_settings(config)
    store = await open_store(database)
    assert store is not None
    try:
        async with aiohttp.ClientSession() as session:
            runtime = build_runtime(
                settings,
                store,
                session,
                SlowPrinter(delay_s),
                extra_subscribers=(Subscriber(CONSOLE_TARGET, "all"),),
            )
            await run_until_signalled(runtime.start, runtime.stop)
    finally:
        await store.close()
    return 0


if __name__ == "__main__":
    setup_logging(verbose=False)
    sys.exit(asyncio.run(main(Path(sys.argv[1]), sys.argv[2], float(sys.argv[3]))))

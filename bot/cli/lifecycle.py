"""Process lifecycle shared by `run`, the dry run and `migrate`: open the store, run until a
signal, stop cleanly (Heroku-style hosts send SIGTERM and kill 30 s later)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable

from bot.core.masking import mask_url
from bot.store import Store
from bot.store.faults import describe_store_error

log = logging.getLogger(__name__)


async def open_store(url: str) -> Store | None:
    """Open and migrate, or log why not (and return None); the URL is masked."""
    try:
        store = await Store.open(url)
    except ValueError as exc:
        log.error("cannot use the database URL %s: %s", mask_url(url), exc)
        return None
    except Exception as exc:
        log.error("cannot open the database %s: %s", mask_url(url), describe_store_error(exc))
        return None
    try:
        await store.migrate()
    except Exception as exc:
        await store.close()
        log.error("cannot migrate the database %s: %s", mask_url(url), describe_store_error(exc))
        return None
    return store


async def run_until_signalled(
    start: Callable[[], Awaitable[None]],
    stop: Callable[[], Awaitable[None]],
    stopping: asyncio.Event | None = None,
) -> None:
    """Start, wait for SIGTERM or SIGINT (or `stopping`), stop."""
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await start()
        # Everything made at start lives as long as the process: keep the collector off it,
        # so its passes over the young objects of a poll stay short.
        gc.freeze()
        await stopping.wait()
        log.info("stopping")
    finally:
        await stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)

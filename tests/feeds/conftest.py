"""Fixtures for the feed tests: a real aiohttp server on 127.0.0.1, a client session, and the
paths of the sample documents."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

FEED_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
FOIA_CSV = "fixtures/nlrb/nlrb_foia_election_results_2017-2021_excerpt.csv"
RECENT_FILINGS = "fixtures/nlrb/nlrb_recent_filings_page_excerpt_2025-11-15.html"
SCHEMA = "spec/feed-v1.schema.json"

Serve = Callable[[web.Application], Awaitable[URL]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start an aiohttp app on 127.0.0.1 (a free port); returns its base URL."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> URL:
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.2)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return URL.build(scheme="http", host=host, port=port)

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def fixture_bytes(name: str) -> bytes:
    return (FEED_FIXTURES / name).read_bytes()

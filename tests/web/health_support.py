"""Serve the health routes on 127.0.0.1 and ask them, over real HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web
from prometheus_client import CollectorRegistry

from bot.web.health import HealthChecks, add_health_routes


@contextlib.asynccontextmanager
async def serving(checks: HealthChecks, registry: CollectorRegistry) -> AsyncIterator[str]:
    """The routes on a real server on 127.0.0.1; yields its base URL."""
    app = web.Application()
    add_health_routes(app, checks, registry)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def get(url: str) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, dict(response.headers), await response.text()


async def healthz(checks: HealthChecks) -> tuple[int, dict[str, Any]]:
    async with (
        serving(checks, CollectorRegistry()) as base,
        aiohttp.ClientSession() as session,
        session.get(base + "/healthz") as r,
    ):
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.headers["Cache-Control"] == "no-store"
        return r.status, await r.json()

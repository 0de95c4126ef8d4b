"""The demo's feed: an aiohttp server on 127.0.0.1 that serves one replay step per fetch,
so the count moves exactly as fast as the poller reads it (deterministic, not timed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from bot.demo.sheet import sheet_of


class ReplayFeed:
    """Serves step k, then k+1 on the next fetch, and stays on the last one."""

    def __init__(self, documents: Sequence[dict[str, Any]], *, sheet: bool = False) -> None:
        """`sheet`: serve each step as a published spreadsheet (sheet-csv), not feed v1."""
        self._bodies = [sheet_of(d) if sheet else json.dumps(d).encode() for d in documents]
        self._content_type = "text/csv" if sheet else "application/json"
        self.served = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def finished(self) -> bool:
        return self.served >= len(self._bodies)

    async def _feed(self, _request: web.Request) -> web.Response:
        body = self._bodies[min(self.served, len(self._bodies) - 1)]
        self.served += 1
        return web.Response(body=body, content_type=self._content_type)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed.json", self._feed)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/feed.json"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

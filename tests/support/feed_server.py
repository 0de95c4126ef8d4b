"""A feed server on 127.0.0.1 for tests: serves whatever document the test sets, counts
fetches per version, and can fail on demand (500, slow, truncated, oversized, firewall)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

FIREWALL_PAGE = (
    b"<html><head><title>Request Rejected</title></head><body>The requested URL was "
    b"rejected. Please consult with your administrator.<br>Your support ID is: 123</body></html>"
)


@dataclass
class FeedServer:
    """Serves `/feed` with ETag support; `set_document` moves it to a new version."""

    body: bytes = b""
    content_type: str = "application/json"
    version: int = 0
    fetches: dict[int, int] = field(default_factory=dict)
    fault: str | None = None  # "500" | "slow" | "truncated" | "huge" | "firewall"
    url: str = ""
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _fetched: asyncio.Condition = field(default_factory=asyncio.Condition)

    def set_document(self, document: Any) -> None:
        self.body = json.dumps(document).encode() if not isinstance(document, bytes) else document
        self.version += 1

    def set_fault(self, fault: str | None) -> None:
        self.fault = fault
        self.version += 1

    async def wait_fetched(self, times: int = 1, timeout: float = 30.0) -> None:
        """Until the current version has been fetched `times` times."""
        version = self.version
        async with asyncio.timeout(timeout):
            async with self._fetched:
                await self._fetched.wait_for(lambda: self.fetches.get(version, 0) >= times)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        version = self.version
        async with self._fetched:  # counted on arrival: a slow answer was still a fetch
            self.fetches[version] = self.fetches.get(version, 0) + 1
            self._fetched.notify_all()
        return await self._answer(request)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        if self.fault == "500":
            return web.Response(status=500, text="internal error")
        if self.fault == "slow":
            await asyncio.sleep(5)
        if self.fault == "truncated":
            return web.Response(
                body=self.body[: len(self.body) // 2], content_type="application/json"
            )
        if self.fault == "huge":
            return web.Response(
                body=b"[" + b" " * 6_000_000 + b"]", content_type="application/json"
            )
        if self.fault == "firewall":
            return web.Response(body=FIREWALL_PAGE, content_type="text/html")
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=self.body, headers={"ETag": etag, "Content-Type": self.content_type}
        )


@asynccontextmanager
async def serve_feed(path: str = "/feed") -> AsyncIterator[FeedServer]:
    server = FeedServer()
    app = web.Application()
    app.router.add_get(path, server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}{path}"
    try:
        yield server
    finally:
        await runner.cleanup()

"""A feed server in a process of its own, so the CPU time measured in the benchmark's process
is the bot's alone. `/etag` answers 304 to a matching If-None-Match; `/plain` always answers
200 with the whole body and no validators. The body is the file given, re-read when it
changes. Run by `feed_process()`; it prints its port, and exits when its stdin closes."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from aiohttp import web

from bench.common import REPO_ROOT, child_env


class _Document:
    """The served file, re-read when its size or modification time changes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int] | None = None
        self.body = b""
        self.etag = ""

    def current(self) -> tuple[bytes, str]:
        stat = self._path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self.body = self._path.read_bytes()
            self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
            self._stamp = stamp
        return self.body, self.etag


def _app(document: _Document) -> web.Application:
    async def with_etag(request: web.Request) -> web.Response:
        body, etag = document.current()
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag, "Content-Type": "text/plain"})

    async def plain(_request: web.Request) -> web.Response:
        body, _ = document.current()
        return web.Response(body=body, headers={"Content-Type": "text/plain"})

    app = web.Application()
    app.router.add_get("/etag", with_etag)
    app.router.add_get("/plain", plain)
    return app


async def _serve(path: Path) -> None:
    runner = web.AppRunner(_app(_Document(path)), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"port {runner.addresses[0][1]}", flush=True)
    # Until the parent closes our stdin (or dies).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


@asynccontextmanager
async def feed_process(path: Path) -> AsyncIterator[str]:
    """Serve `path` from a child process; yields the base URL (append /etag or /plain)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.feedproc",
        str(path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO_ROOT,
        env=child_env(),
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        line = (await asyncio.wait_for(child.stdout.readline(), 30)).decode()
        if not line.startswith("port "):
            raise RuntimeError(f"the feed process did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        child.stdin.close()
        try:
            await asyncio.wait_for(child.wait(), 5)
        except TimeoutError:
            with suppress(ProcessLookupError):
                child.kill()
            await child.wait()


if __name__ == "__main__":
    asyncio.run(_serve(Path(sys.argv[1])))

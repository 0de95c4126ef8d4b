"""Runs the web app on the running event loop (the bot's own): `await start()` binds and
serves, `await stop()` ends the event streams, waits briefly for the other requests and
closes. No signal handling: the composition root owns SIGTERM."""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 5.0


def parse_listen(listen: str) -> tuple[str, int]:
    """ "127.0.0.1:8080", "[::1]:8080", ":8080" (every address) -> (host, port).
    Raises ValueError for anything else."""
    host, sep, port_text = listen.strip().rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError(f"http.listen must be HOST:PORT, not {listen!r}")
    port = int(port_text)
    if not 0 <= port <= 65535:
        raise ValueError(f"http.listen port {port} is out of range")
    host = host.removeprefix("[").removesuffix("]") or "0.0.0.0"
    return host, port


class WebServer:
    """One listening site for the app. `port` and `url` are known once started (a port
    of 0 picks a free one)."""

    def __init__(self, app: web.Application, listen: str = "127.0.0.1:8080") -> None:
        self._app = app
        self._host, self._port = parse_listen(listen)
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("the web server is not started")
        return int(self._runner.addresses[0][1])

    @property
    def url(self) -> str:
        host = self._host if self._host not in ("0.0.0.0", "::") else "127.0.0.1"
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    async def start(self) -> None:
        if self._runner is not None:
            return
        runner = web.AppRunner(self._app, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("web: serving the status page on %s", self.url)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            log.info("web: stopped")

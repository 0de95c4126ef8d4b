"""What every `run` process serves besides the bot: the SQLite single-process lock, and the
web server (status page, feed API, /healthz, /metrics) when `http.listen` or PORT is set."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.config import Settings
from bot.services.leader import DatabaseInUse, claim_sqlite
from bot.services.runtime import Runtime
from bot.store import Store
from bot.web import WebServer, build_web_app
from bot.web.health import (
    Check,
    HealthChecks,
    LoopMonitor,
    database_check,
    gateway_check,
    health_routes,
    leader_check,
    loop_check,
)

log = logging.getLogger(__name__)


class AlreadyRunning(Exception):
    """Another process holds this SQLite database (the message says what to do)."""


@contextmanager
def one_process_per_sqlite(url: str) -> Iterator[None]:
    """Hold the SQLite database's process lock while the block runs (DESIGN §9: SQLite
    serves one process); PostgreSQL needs none. Raises AlreadyRunning."""
    try:
        lock = claim_sqlite(url)
    except DatabaseInUse as exc:
        raise AlreadyRunning(str(exc)) from None
    except ValueError:
        lock = None  # an unusable URL: opening the store says why, and the run ends there
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


def refuse(exc: AlreadyRunning) -> None:
    print(str(exc), file=sys.stderr)


class Web:
    """The web server of one process, with its health checks: started after the services,
    stopped before them."""

    def __init__(self, server: WebServer, monitor: LoopMonitor, listen: str) -> None:
        self.server = server
        self.monitor = monitor
        self.listen = listen

    async def start(self) -> None:
        self.monitor.start()
        await self.server.start()
        log.info("web: serving on %s", self.server.url)

    async def start_or_say_why(self) -> bool:
        """Start; False (said on stderr) when the address cannot be listened on."""
        try:
            await self.start()
        except OSError as exc:
            await self.monitor.stop()
            print(f"http.listen {self.listen}: cannot listen there: {exc}", file=sys.stderr)
            return False
        return True

    async def stop(self) -> None:
        await self.server.stop()
        await self.monitor.stop()


def build_web(
    settings: Settings,
    store: Store,
    runtime: Runtime,
    *,
    gateway: Callable[[], bool] | None = None,
) -> Web | None:
    """The web edge when `http.listen` (or PORT) is set, else None."""
    if settings.http.listen is None:
        return None
    monitor = LoopMonitor()
    checks: dict[str, Check] = {
        "loop": loop_check(monitor),
        "database": database_check(store),
        "leader": leader_check(lambda: runtime.leading),
    }
    if gateway is not None:
        checks["gateway"] = gateway_check(gateway)
    registry = runtime.metrics.registry
    app = build_web_app(
        store=store,
        hub=runtime.hub,
        settings_http=settings.http,
        language_default=settings.defaults.language,
        registry=registry,
        routes=[health_routes(HealthChecks(checks), registry)],
    )
    listen = settings.http.listen
    return Web(WebServer(app, listen=listen), monitor, listen)

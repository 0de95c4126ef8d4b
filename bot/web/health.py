"""`GET /healthz` (a JSON body of checks: event loop, database, gateway when a bot runs, and
whether this process leads; 200 when healthy, else 503) and `GET /metrics` (Prometheus text
from the registry passed in), DESIGN §12."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text

from bot.store import Store

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0  # a check slower than this fails (orchestrators time out at 1–10 s)
MAX_LOOP_LAG_S = 1.0  # the loop is unhealthy when a wake-up came this much too late
_NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict; `details` go into the JSON body beside `"ok"`."""

    ok: bool
    details: Mapping[str, Any] = field(default_factory=dict)


Check = Callable[[], Awaitable[CheckResult]]


class HealthChecks:
    """Named checks run together, each within `timeout_s`; one that raises or is slow fails
    (with the reason, never a stack trace, in the body)."""

    def __init__(self, checks: Mapping[str, Check], *, timeout_s: float = CHECK_TIMEOUT_S):
        self.checks = dict(checks)
        self.timeout_s = timeout_s

    async def run(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, body): `{"status": "ok"|"failing", "checks": {name: {"ok": …, …}}}`."""
        names = list(self.checks)
        results = await asyncio.gather(*(self._one(name) for name in names))
        checks = {name: {"ok": r.ok, **r.details} for name, r in zip(names, results, strict=True)}
        healthy = all(r.ok for r in results)
        return healthy, {"status": "ok" if healthy else "failing", "checks": checks}

    async def _one(self, name: str) -> CheckResult:
        try:
            return await asyncio.wait_for(self.checks[name](), self.timeout_s)
        except TimeoutError:
            return CheckResult(False, {"error": f"no answer within {self.timeout_s:g} s"})
        except Exception as exc:
            log.warning("health check %s failed: %s", name, exc)
            return CheckResult(False, {"error": type(exc).__name__})


def add_health_routes(
    app: web.Application, checks: HealthChecks, registry: CollectorRegistry
) -> None:
    """Add `GET /healthz` and `GET /metrics` (HEAD too) to the app."""

    async def healthz(_request: web.Request) -> web.Response:
        healthy, body = await checks.run()
        return web.Response(
            status=200 if healthy else 503,
            text=json.dumps(body),
            content_type="application/json",
            headers=_NO_STORE,
        )

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(registry),
            headers={"Content-Type": CONTENT_TYPE_LATEST, **_NO_STORE},
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)


def health_routes(
    checks: HealthChecks, registry: CollectorRegistry
) -> Callable[[web.Application], None]:
    """`add_health_routes` as a route adder for the web app factory."""
    return lambda app: add_health_routes(app, checks, registry)


class LoopMonitor:
    """Wakes every `interval_s` and remembers how late each wake-up was, over the last
    `window` of them: a loop blocked by a slow parse or a sync call shows here even when it
    is free again by the time /healthz asks."""

    def __init__(self, interval_s: float = 0.25, window: int = 20) -> None:
        self.interval_s = interval_s
        self._lags: list[float] = []
        self._window = window
        self._task: asyncio.Task[None] | None = None

    @property
    def lag_s(self) -> float:
        """The worst lateness seen recently (0 before the first wake-up)."""
        return max(self._lags, default=0.0)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(self.interval_s)
            late = max(0.0, time.monotonic() - started - self.interval_s)
            self._lags = [*self._lags[-(self._window - 1) :], late]


def loop_check(monitor: LoopMonitor, max_lag_s: float = MAX_LOOP_LAG_S) -> Check:
    """Healthy while no recent wake-up was `max_lag_s` late."""

    async def check() -> CheckResult:
        lag = monitor.lag_s
        return CheckResult(lag < max_lag_s, {"lag_ms": round(lag * 1000, 1)})

    return check


def database_check(store: Store) -> Check:
    """Healthy when the database answers `SELECT 1`."""

    async def check() -> CheckResult:
        started = time.monotonic()
        async with store.read() as uow:
            await uow.connection.execute(text("SELECT 1"))
        return CheckResult(True, {"ms": round((time.monotonic() - started) * 1000, 1)})

    return check


def gateway_check(connected: Callable[[], bool]) -> Check:
    """Healthy while the bot's gateway shards are connected (`connected`: e.g.
    `lambda: bot.discord.shards.gateway_connected(bot)`; the web edge imports no discord)."""

    async def check() -> CheckResult:
        return CheckResult(connected())

    return check


def leader_check(is_leader: Callable[[], bool]) -> Check:
    """Always healthy: says whether this process leads (a standby is as healthy)."""

    async def check() -> CheckResult:
        return CheckResult(True, {"leader": is_leader()})

    return check

"""/healthz and /metrics over real HTTP: checks of the loop, a real database (and one that
went away), leadership; a scrape parsed by prometheus_client's own parser, from a registry
of its own. The gateway check against real discord.py is in test_double_shards.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from bot.services.metrics import Metrics
from bot.store import Store
from bot.web.health import (
    CheckResult,
    HealthChecks,
    LoopMonitor,
    database_check,
    health_routes,
    leader_check,
    loop_check,
)
from tests.services.tcp_proxy import TcpProxy
from tests.web.health_support import get, healthz, serving


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    yield store
    await store.close()


@pytest.fixture
async def monitor() -> AsyncIterator[LoopMonitor]:
    monitor = LoopMonitor(interval_s=0.05)
    monitor.start()
    yield monitor
    await monitor.stop()


async def test_a_healthy_standby_answers_200_with_every_check(
    store: Store, monitor: LoopMonitor
) -> None:
    checks = HealthChecks(
        {
            "loop": loop_check(monitor),
            "database": database_check(store),
            "leader": leader_check(lambda: False),
        }
    )
    await asyncio.sleep(0.12)

    status, body = await healthz(checks)

    assert status == 200
    assert body["status"] == "ok"
    assert body["checks"]["leader"] == {"ok": True, "leader": False}  # a standby is healthy
    assert body["checks"]["database"]["ok"] is True and body["checks"]["database"]["ms"] >= 0
    assert body["checks"]["loop"]["ok"] is True and body["checks"]["loop"]["lag_ms"] < 1000


async def test_a_loop_that_was_blocked_is_unhealthy_for_a_while(monitor: LoopMonitor) -> None:
    checks = HealthChecks({"loop": loop_check(monitor, max_lag_s=0.2)})
    await asyncio.sleep(0.06)
    time.sleep(0.3)  # noqa: ASYNC251  # a sync call hogging the loop, as a slow parse would
    await asyncio.sleep(0.06)

    status, body = await healthz(checks)

    assert status == 503
    assert body["status"] == "failing"
    assert body["checks"]["loop"]["ok"] is False and body["checks"]["loop"]["lag_ms"] >= 200


async def test_a_database_gone_away_fails_its_check_without_details(pg_url: str) -> None:
    url = make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    store = await Store.open(
        url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )
    checks = HealthChecks({"database": database_check(store)}, timeout_s=1.0)
    try:
        assert (await healthz(checks))[0] == 200
        await proxy.close()  # the database is unreachable now

        status, body = await healthz(checks)

        assert status == 503
        database = body["checks"]["database"]
        assert database["ok"] is False and "error" in database
        assert "127.0.0.1" not in str(database)  # a summary, not the driver's message
    finally:
        await store.close()


async def test_a_check_that_hangs_fails_within_the_timeout() -> None:
    async def forever() -> CheckResult:
        await asyncio.sleep(60)
        return CheckResult(True)

    checks = HealthChecks({"slow": forever}, timeout_s=0.1)
    started = time.monotonic()
    status, body = await healthz(checks)
    assert status == 503 and time.monotonic() - started < 2
    assert body["checks"]["slow"] == {"ok": False, "error": "no answer within 0.1 s"}


async def test_a_scrape_parses_with_prometheus_clients_own_parser() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.known_feeds(["organizers", "nlrb"])
    metrics.poll("organizers", "stored", problems=2)
    metrics.poll("organizers", "unchanged")
    metrics.poll("organizers", "unchanged")
    metrics.posts_planned.inc(3)
    metrics.delivery("channel", "sent", latency_s=0.4)
    metrics.delivery("webhook", "retried")
    metrics.deliveries_queued.set(7)
    metrics.discord_429.inc()
    metrics.live_edits.inc(5)
    metrics.set_leader(True)
    metrics.processes_alive.set(2)

    async with serving(HealthChecks({}), registry) as base:
        status, headers, body = await get(base + "/metrics")

    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(body)}
    value = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in families.values()
        for s in f.samples
    }
    assert {
        "tallybot_polls",
        "tallybot_feed_problems",
        "tallybot_posts_planned",
        "tallybot_deliveries",
        "tallybot_delivery_latency_seconds",
        "tallybot_deliveries_queued",
        "tallybot_discord_429",
        "tallybot_live_edits",
        "tallybot_leader",
        "tallybot_processes_alive",
    } <= set(families)
    assert families["tallybot_delivery_latency_seconds"].type == "histogram"
    assert value[("tallybot_polls_total", (("feed", "organizers"), ("result", "unchanged")))] == 2
    assert value[("tallybot_polls_total", (("feed", "nlrb"), ("result", "failed")))] == 0
    assert value[("tallybot_feed_problems_total", (("feed", "organizers"),))] == 2
    assert value[("tallybot_posts_planned_total", ())] == 3
    assert value[("tallybot_deliveries_total", (("kind", "channel"), ("result", "sent")))] == 1
    assert value[("tallybot_deliveries_total", (("kind", "dm"), ("result", "failed")))] == 0
    assert value[("tallybot_delivery_latency_seconds_bucket", (("le", "0.5"),))] == 1
    assert value[("tallybot_delivery_latency_seconds_bucket", (("le", "0.25"),))] == 0
    assert value[("tallybot_delivery_latency_seconds_count", ())] == 1
    assert value[("tallybot_deliveries_queued", ())] == 7
    assert value[("tallybot_discord_429_total", ())] == 1
    assert value[("tallybot_live_edits_total", ())] == 5
    assert value[("tallybot_leader", ())] == 1
    assert value[("tallybot_processes_alive", ())] == 2


def test_metrics_live_on_their_own_registry_never_the_global_one() -> None:
    first, second = Metrics(CollectorRegistry()), Metrics(CollectorRegistry())
    first.posts_planned.inc()
    assert second.registry.get_sample_value("tallybot_posts_planned_total") == 0
    assert REGISTRY.get_sample_value("tallybot_posts_planned_total") is None


async def test_the_routes_plug_into_an_app_factory_as_a_route_adder() -> None:
    app = web.Application()
    health_routes(HealthChecks({}), CollectorRegistry())(app)
    assert {r.resource.canonical for r in app.router.routes()} == {"/healthz", "/metrics"}

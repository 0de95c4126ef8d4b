"""The composition root: the one place that builds the services of a process (`run`, real
or dry, and the demo) from settings, a store, an HTTP session and a sender, and wires them:
pipeline, poller, delivery worker, change hub, metrics, and on PostgreSQL leadership,
heartbeats and the cross-process listener (DESIGN §2, §9)."""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import aiohttp
from prometheus_client import CollectorRegistry

from bot.config import Settings
from bot.core.plan import SourceRanking, Subscriber
from bot.feeds.fetch import Fetcher, user_agent
from bot.services.delivery import DeliveryWorker, LocaleOf, Sender, WorkerOptions
from bot.services.heartbeat import Heartbeat
from bot.services.hub import ChangeHub
from bot.services.leader import leadership_for
from bot.services.metrics import Metrics
from bot.services.notify import WAKE_CHANNEL, Listener
from bot.services.outage import StoreHealth
from bot.services.pipeline import Pipeline
from bot.services.poller import Poller
from bot.services.rendering import Renderer, delivery_renderer
from bot.services.runtime import (
    Runtime,
    declared_ballots,
    declared_elections,
    feeds_from,
    identities,
)
from bot.services.wakeups import PipelineWakeups
from bot.store import Store
from bot.store.dedicated import dedicated_connector
from bot.store.processes import this_process


def holder_id() -> str:
    """This process's name in leases: host, pid and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def build_runtime(
    settings: Settings,
    store: Store,
    session: aiohttp.ClientSession,
    sender: Sender,
    *,
    database_url: str | None = None,
    extra_subscribers: Sequence[Subscriber] = (),
    locale_of: LocaleOf = lambda _guild: None,
    on_alive: Callable[[int], None] = lambda _alive: None,
    renderer: Renderer | None = None,
    registry: CollectorRegistry | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Runtime:
    """Every service of one process, wired. With `database_url` of a PostgreSQL database,
    the process takes part in leadership, heartbeats and cross-process wake-ups; without
    one it leads alone (SQLite: the only process; the demo; tests)."""
    health = StoreHealth()
    feeds = feeds_from(settings)
    elections = declared_elections(settings)
    metrics = Metrics(registry or CollectorRegistry())
    hub = ChangeHub()
    worker = DeliveryWorker(
        store,
        sender,
        renderer or delivery_renderer(settings.http.public_url),
        health,
        WorkerOptions(
            holder=holder_id(),
            single_process=store.dialect == "sqlite",
            retention=timedelta(seconds=settings.database.retention),
            default_language=settings.defaults.language,
            locale_of=locale_of,
            metrics=metrics,
        ),
        clock=clock,
    )
    wakeups = PipelineWakeups(worker.wake, hub)
    pipeline = Pipeline(
        store,
        ranking=SourceRanking.from_feeds((f.source.id, f.source.format.source_kind) for f in feeds),
        declared=frozenset(e.id for e in elections),
        ballots=declared_ballots(settings),
        extra_subscribers=extra_subscribers,
        wakeups=wakeups,
    )
    fetcher = Fetcher(
        session,
        user_agent(settings.http.user_agent_contact),
        redirect_hosts=settings.http.redirect_hosts,
    )
    poller = Poller(
        store, fetcher, feeds, pipeline, health, identities=identities(elections), clock=clock
    )
    runtime = Runtime(store, settings, pipeline, poller, worker, hub, metrics, clock=clock)
    connector = dedicated_connector(database_url) if database_url else None
    if database_url is not None and connector is not None:
        runtime.leadership = leadership_for(database_url, runtime.lead, runtime.stand_by)
        runtime.listener = Listener(connector, {WAKE_CHANNEL: wakeups.heard})

        def alive(count: int) -> None:
            metrics.processes_alive.set(count)
            on_alive(count)

        runtime.heartbeat = Heartbeat(
            store,
            dataclasses.replace(this_process(clock()), shard_ids=settings.discord.shard_ids),
            on_alive=alive,
            is_leader=lambda: runtime.leading,
        )
    return runtime

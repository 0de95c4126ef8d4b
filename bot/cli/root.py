"""The composition root: the one place that builds the services of a `run` (real or dry)
and the demo from settings, a store, an HTTP session and a sender, and passes them in."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import aiohttp

from bot.config import Settings
from bot.core.plan import SourceRanking, Subscriber
from bot.feeds.fetch import Fetcher, user_agent
from bot.services.delivery import DeliveryWorker, LocaleOf, Sender, WorkerOptions
from bot.services.outage import StoreHealth
from bot.services.pipeline import LocalWakeups, Pipeline
from bot.services.poller import Poller
from bot.services.rendering import Renderer, render_delivery_body
from bot.services.runtime import (
    Runtime,
    declared_ballots,
    declared_elections,
    feeds_from,
    identities,
)
from bot.store import Store


def holder_id() -> str:
    """This process's name in leases and heartbeats: host, pid and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def build_runtime(
    settings: Settings,
    store: Store,
    session: aiohttp.ClientSession,
    sender: Sender,
    *,
    extra_subscribers: Sequence[Subscriber] = (),
    locale_of: LocaleOf = lambda _guild: None,
    renderer: Renderer = render_delivery_body,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Runtime:
    """Every service of one process, wired: fetcher, pipeline, poller, delivery worker."""
    health = StoreHealth()
    feeds = feeds_from(settings)
    elections = declared_elections(settings)
    worker = DeliveryWorker(
        store,
        sender,
        renderer,
        health,
        WorkerOptions(
            holder=holder_id(),
            single_process=store.dialect == "sqlite",
            retention=timedelta(seconds=settings.database.retention),
            default_language=settings.defaults.language,
            locale_of=locale_of,
        ),
        clock=clock,
    )
    pipeline = Pipeline(
        store,
        ranking=SourceRanking.from_feeds((f.source.id, f.source.format.source_kind) for f in feeds),
        declared=frozenset(e.id for e in elections),
        ballots=declared_ballots(settings),
        extra_subscribers=extra_subscribers,
        wakeups=LocalWakeups(worker.wake),
    )
    fetcher = Fetcher(session, user_agent(settings.http.user_agent_contact))
    poller = Poller(
        store,
        fetcher,
        feeds,
        pipeline,
        health,
        identities=identities(elections),
        clock=clock,
    )
    return Runtime(store, settings, pipeline, poller, worker, clock=clock)

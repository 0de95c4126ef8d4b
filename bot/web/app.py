"""The web edge's application (DESIGN §12): the status page, its event streams, its chart
and the feed v1 API, read-only, on the bot's own event loop.

`build_web_app` wires the parts the composition root passes in; the handlers live in
bot/web/routes.py. What the app starts (its follower of the change hub) it stops at
cleanup; its event streams end at shutdown, before aiohttp waits for handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

from bot.core.models import DEFAULT_LANGUAGE
from bot.services.hub import EVERYTHING, ChangeHub
from bot.services.tasks import background, finished
from bot.store import Store
from bot.web import routes as handlers
from bot.web.chart import Charts
from bot.web.context import CONTEXT, WebContext
from bot.web.i18n import Catalogues
from bot.web.pages import Pages, load_static
from bot.web.responses import PAGE_POLICY
from bot.web.state import Snapshot
from bot.web.streams import EventStreams, StreamSettings

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

log = logging.getLogger(__name__)

RouteAdder = Callable[[web.Application], None]
"""Adds routes to the app (H4's /healthz and /metrics): called once, before it starts."""


class WebSettings(Protocol):
    """What the app reads of the config's `http:` section (bot.config.HttpSettings)."""

    @property
    def max_streams(self) -> int: ...

    @property
    def public_url(self) -> str | None: ...


def build_web_app(
    *,
    store: Store,
    hub: ChangeHub,
    settings_http: WebSettings,
    language_default: str = DEFAULT_LANGUAGE,
    registry: CollectorRegistry | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    routes: Sequence[RouteAdder] = (),
    catalogues: Catalogues | None = None,
    streams: StreamSettings | None = None,
) -> web.Application:
    """The status page and API. `routes`: more route adders (health, metrics). `registry`:
    where the app's own metrics (open event streams) are registered, if anywhere.
    `catalogues`: the languages the page speaks (by default every one of the catalogues).
    `streams`: limits of the event streams (default: production's, with
    `settings_http.max_streams`)."""
    stream_settings = streams or StreamSettings(max_streams=settings_http.max_streams)
    static = load_static()
    catalogues = catalogues or Catalogues()
    context = WebContext(
        store=store,
        hub=hub,
        snapshot=Snapshot(clock),
        streams=EventStreams(stream_settings),
        pages=Pages(catalogues, static, clock),
        charts=Charts(store),
        static=static,
        language_default=language_default,
        public_url=settings_http.public_url,
    )
    app = web.Application(client_max_size=64 * 1024)  # read-only: requests carry no bodies
    app[CONTEXT] = context
    handlers.add_routes(app)
    for add in routes:
        add(app)
    app.on_response_prepare.append(_security_headers)
    app.cleanup_ctx.append(_follower)
    app.on_shutdown.append(_end_streams)
    if registry is not None:
        _register_metrics(registry, context.streams)
    return app


async def _follower(app: web.Application) -> AsyncIterator[None]:
    """Subscribe first (no change is missed during the first read), read everything, then
    follow the hub until cleanup."""
    context = app[CONTEXT]
    subscription = context.hub.subscribe()
    with contextlib.suppress(Exception):  # logged by apply; the follower retries
        await asyncio.wait_for(context.apply([EVERYTHING]), timeout=10)
    context.follower = background(
        context.follow(subscription), name="web-follower", what="web: the change follower"
    )
    try:
        yield
    finally:
        subscription.close()
        context.follower.cancel()
        await finished(context.follower)


async def _end_streams(app: web.Application) -> None:
    app[CONTEXT].streams.close_all()


async def _security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")


def _register_metrics(registry: CollectorRegistry, streams: EventStreams) -> None:
    from prometheus_client import Gauge
    from prometheus_client.core import CounterMetricFamily
    from prometheus_client.registry import Collector

    gauge = Gauge(
        "tallybot_web_streams_open", "Open event streams of the status page", registry=registry
    )
    gauge.set_function(lambda: streams.open)

    class _StreamCounters(Collector):
        def collect(self) -> Iterable[CounterMetricFamily]:
            yield CounterMetricFamily(
                "tallybot_web_streams_refused",
                "Event streams refused for the http.max_streams limit",
                value=streams.refused,
            )
            yield CounterMetricFamily(
                "tallybot_web_streams_dropped",
                "Event streams closed because their client stopped reading",
                value=streams.dropped,
            )

    registry.register(_StreamCounters())

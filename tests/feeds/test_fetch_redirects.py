"""The redirect policy in the fetcher (DESIGN §4 Redirects), against real aiohttp servers on
127.0.0.1 and 127.0.0.2 and a stub resolver for names: nothing is resolved for real, and
nothing outside 127.0.0.0/8 is ever connected to (every request the session starts is
recorded and checked)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.feeds.base import Document, FeedFormat, FeedSource, FetchFailure
from bot.feeds.fetch import Fetcher

BODY = b'{"feed_version": 1, "elections": []}'
CREDENTIALS = aiohttp.encode_basic_auth("user", "FEEDPASS")


class StubResolver(AbstractResolver):
    """Names to addresses from a table (a list per name: one answer per query, the last one
    repeated); an unknown name fails as DNS would. Records every query."""

    def __init__(self, table: dict[str, list[list[str]]]) -> None:
        self.table = table
        self.queries: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.queries.append(host)
        answers = self.table.get(host)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        asked = self.queries.count(host)
        addresses = answers[min(asked, len(answers)) - 1]
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        pass


@dataclass
class Listener:
    """One server: what each request asked for, and its base URL."""

    base: URL
    hits: list[SimpleNamespace] = field(default_factory=list)


Route = Callable[[web.Request], Awaitable[web.StreamResponse]]
Listen = Callable[[str, Route], Awaitable[Listener]]


@pytest.fixture
async def listen() -> AsyncIterator[Listen]:
    """Start a server on a loopback address; it records every request, then runs `route`."""
    runners: list[web.AppRunner] = []

    async def start(host: str, route: Route) -> Listener:
        async def handle(request: web.Request) -> web.StreamResponse:
            listener.hits.append(
                SimpleNamespace(
                    path=request.path_qs,
                    host=request.headers.get("Host"),
                    authorization=request.headers.get("Authorization"),
                )
            )
            return await route(request)

        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", handle)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.2)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, host, 0).start()
        port = runner.addresses[0][1]
        listener = Listener(URL.build(scheme="http", host=host, port=port))
        return listener

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def requested() -> AsyncIterator[tuple[aiohttp.ClientSession, list[URL]]]:
    """A session that records the URL of every request it starts."""
    urls: list[URL] = []

    async def on_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        urls.append(params.url)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        yield session, urls
    assert all(url.host is not None and url.host.startswith("127.") for url in urls), urls


def redirect_to(location: str | Callable[[web.Request], str], status: int = 302) -> Route:
    async def route(request: web.Request) -> web.StreamResponse:
        target = location(request) if callable(location) else location
        return web.Response(status=status, headers={"Location": target})

    return route


async def feed(request: web.Request) -> web.StreamResponse:
    return web.Response(body=BODY)


def source(url: URL | str) -> FeedSource:
    return FeedSource("test-feed", str(url), FeedFormat.NATIVE, timeout_s=5.0)


def fetcher(
    session: aiohttp.ClientSession,
    hosts: tuple[str, ...] = (),
    resolver: StubResolver | None = None,
) -> Fetcher:
    return Fetcher(session, "tallybot-test", redirect_hosts=hosts, resolver=resolver)


async def test_a_redirect_to_another_loopback_host_is_refused_unless_listed(
    listen: Listen, requested: tuple[aiohttp.ClientSession, list[URL]]
) -> None:
    session, urls = requested
    other = await listen("127.0.0.2", feed)
    origin = await listen("127.0.0.1", redirect_to(str(other.base / "feed.json")))
    refused = await fetcher(session).fetch(source(origin.base / "feed"), None)
    assert isinstance(refused, FetchFailure)
    assert refused.reason == (
        f"feed test-feed: redirect to {other.base}/feed.json refused: 127.0.0.2 is not the "
        "feed's own host (127.0.0.1) nor in http.redirect_hosts"
    )
    assert other.hits == [] and [u.host for u in urls] == ["127.0.0.1"]

    followed = await fetcher(session, ("127.0.0.2",)).fetch(source(origin.base / "feed"), None)
    assert isinstance(followed, Document) and followed.body == BODY
    assert followed.final_url == str(other.base / "feed.json")
    assert [hit.path for hit in other.hits] == ["/feed.json"]


async def test_a_redirect_to_the_same_host_on_another_port_is_another_host(
    listen: Listen, requested: tuple[aiohttp.ClientSession, list[URL]]
) -> None:
    session, _ = requested
    other = await listen("127.0.0.1", feed)
    origin = await listen("127.0.0.1", redirect_to(str(other.base / "feed.json")))
    refused = await fetcher(session).fetch(source(origin.base / "feed"), None)
    assert isinstance(refused, FetchFailure) and "not the feed's own host" in refused.reason
    assert other.hits == []


@pytest.mark.parametrize(
    ("addresses", "kind"),
    [
        (["169.254.169.254"], "link-local"),  # the cloud metadata service
        (["10.0.0.1"], "private"),
        (["192.168.1.1"], "private"),
        (["0.0.0.0"], "unspecified"),
        (["::ffff:169.254.169.254"], "link-local"),  # IPv4 inside IPv6 is judged as IPv4
        (["fd00::1"], "private"),
        (["224.0.0.251"], "multicast"),
        (["127.0.0.2", "10.0.0.1"], "private"),  # every address is checked, not the first
    ],
)
async def test_a_listed_name_resolving_inside_is_refused_before_connecting(
    listen: Listen,
    requested: tuple[aiohttp.ClientSession, list[URL]],
    addresses: list[str],
    kind: str,
) -> None:
    session, urls = requested
    resolver = StubResolver({"cdn.test": [addresses]})
    origin = await listen("127.0.0.1", redirect_to("http://cdn.test:6379/latest/meta-data/"))
    result = await fetcher(session, ("cdn.test",), resolver).fetch(source(origin.base), None)
    assert isinstance(result, FetchFailure)
    assert result.reason.startswith(
        "feed test-feed: redirect to http://cdn.test:6379/latest/meta-data/ refused: cdn.test"
    )
    assert f"a {kind} address, and the feed's own host is not one" in result.reason
    assert resolver.queries == ["cdn.test"]
    assert [u.host for u in urls] == ["127.0.0.1"]  # only the feed itself was asked


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1:6379/",
        "http://localhost:5432/",
        "http://[::1]:5432/",
    ],
)
async def test_unlisted_internal_targets_are_refused_by_host(
    listen: Listen, requested: tuple[aiohttp.ClientSession, list[URL]], location: str
) -> None:
    session, urls = requested
    resolver = StubResolver({})  # nothing may be resolved: the host rule refuses first
    origin = await listen("127.0.0.1", redirect_to(location))
    result = await fetcher(session, resolver=resolver).fetch(source(origin.base), None)
    assert isinstance(result, FetchFailure)
    assert "is not the feed's own host (127.0.0.1)" in result.reason
    assert resolver.queries == [] and len(urls) == 1


async def test_names_are_resolved_once_and_the_checked_address_is_the_one_connected_to(
    listen: Listen, requested: tuple[aiohttp.ClientSession, list[URL]]
) -> None:
    session, urls = requested
    other = await listen("127.0.0.2", feed)
    port = other.base.port
    origin = await listen("127.0.0.1", redirect_to(f"http://mirror.test:{port}/feed.json"))
    # A rebinding DNS: the second answer for mirror.test would be the metadata service.
    resolver = StubResolver(
        {"feeds.test": [["127.0.0.1"]], "mirror.test": [["127.0.0.2"], ["169.254.169.254"]]}
    )
    url = URL(f"http://feeds.test:{origin.base.port}/feed")
    result = await fetcher(session, ("mirror.test",), resolver).fetch(source(url), None)
    assert isinstance(result, Document)
    assert result.final_url == f"http://mirror.test:{port}/feed.json"
    assert resolver.queries == ["feeds.test", "mirror.test"]
    assert [u.host for u in urls] == ["127.0.0.1", "127.0.0.2"]
    # The servers saw their names, not the addresses the fetcher connected to.
    assert origin.hits[0].host == f"feeds.test:{origin.base.port}"
    assert other.hits[0].host == f"mirror.test:{port}"


async def test_credentials_go_to_the_feeds_own_host_only_and_never_come_back(
    listen: Listen, requested: tuple[aiohttp.ClientSession, list[URL]]
) -> None:
    session, _ = requested
    back: list[str] = []

    async def bounce(request: web.Request) -> web.StreamResponse:
        if request.path == "/start":
            raise web.HTTPFound("/moved")  # same host: credentials stay
        if request.path == "/moved":
            raise web.HTTPFound(str(other.base / "away"))
        return web.Response(body=BODY)

    async def away(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(back[0])

    other = await listen("127.0.0.2", away)
    origin = await listen("127.0.0.1", bounce)
    back.append(str(origin.base / "home"))
    url = origin.base.with_user("user").with_password("FEEDPASS") / "start"
    result = await fetcher(session, ("127.0.0.2",)).fetch(source(url), None)
    assert isinstance(result, Document)
    assert [(h.path, h.authorization) for h in origin.hits] == [
        ("/start", CREDENTIALS),
        ("/moved", CREDENTIALS),
        ("/home", None),  # dropped on leaving the host, for good
    ]
    assert [h.authorization for h in other.hits] == [None]
    assert result.final_url == str(origin.base / "home")  # no userinfo kept


async def test_userinfo_in_a_location_is_never_used(
    listen: Listen, requested: tuple[aiohttp.ClientSession, list[URL]]
) -> None:
    session, _ = requested

    async def route(request: web.Request) -> web.StreamResponse:
        if request.path == "/start":
            host = request.headers["Host"]
            raise web.HTTPFound(f"http://evil:LOCATIONPASS@{host}/next")
        return web.Response(body=BODY)

    origin = await listen("127.0.0.1", route)
    plain = await fetcher(session).fetch(source(origin.base / "start"), None)
    assert isinstance(plain, Document)
    assert [h.authorization for h in origin.hits] == [None, None]
    assert plain.final_url == str(origin.base / "next")
    origin.hits.clear()
    url = origin.base.with_user("user").with_password("FEEDPASS") / "start"
    with_own = await fetcher(session).fetch(source(url), None)
    assert isinstance(with_own, Document)
    assert [h.authorization for h in origin.hits] == [CREDENTIALS, CREDENTIALS]


async def test_a_refused_redirect_names_the_feed_and_masks_the_target(
    listen: Listen, requested: tuple[aiohttp.ClientSession, list[URL]]
) -> None:
    session, _ = requested
    location = "http://u:LOCPASS@elsewhere.test/x?token=QUERYSECRET"
    origin = await listen("127.0.0.1", redirect_to(location))
    result = await fetcher(session, resolver=StubResolver({})).fetch(source(origin.base), None)
    assert isinstance(result, FetchFailure)
    assert result.reason.startswith(
        "feed test-feed: redirect to http://elsewhere.test/x?token=**** refused"
    )
    assert "LOCPASS" not in result.reason and "QUERYSECRET" not in result.reason


async def test_five_redirects_are_followed_and_a_sixth_is_not(
    listen: Listen, requested: tuple[aiohttp.ClientSession, list[URL]]
) -> None:
    session, _ = requested

    async def hop(request: web.Request) -> web.StreamResponse:
        n = int(request.path.strip("/") or 0)
        if n == limit:
            return web.Response(body=BODY)
        raise web.HTTPFound(f"/{n + 1}")

    origin = await listen("127.0.0.1", hop)
    limit = 5
    assert isinstance(await fetcher(session).fetch(source(origin.base / "0"), None), Document)
    limit = 6
    result = await fetcher(session).fetch(source(origin.base / "0"), None)
    assert isinstance(result, FetchFailure) and result.reason.startswith("more than 5 redirects")


async def test_an_unresolvable_name_is_a_failed_fetch(
    requested: tuple[aiohttp.ClientSession, list[URL]],
) -> None:
    session, urls = requested
    result = await fetcher(session, resolver=StubResolver({})).fetch(
        source("http://nowhere.test/feed"), None
    )
    assert isinstance(result, FetchFailure)
    assert result.reason.startswith("cannot resolve nowhere.test")
    assert urls == []


async def test_every_address_of_the_feed_is_tried_in_turn(
    listen: Listen, requested: tuple[aiohttp.ClientSession, list[URL]]
) -> None:
    session, urls = requested
    up = await listen("127.0.0.3", feed)
    # 127.0.0.2 on the same port refuses the connection (nothing listens there).
    resolver = StubResolver({"feeds.test": [["127.0.0.2", "127.0.0.3"]]})
    url = URL(f"http://feeds.test:{up.base.port}/feed")
    result = await fetcher(session, resolver=resolver).fetch(source(url), None)
    assert isinstance(result, Document)
    assert [u.host for u in urls] == ["127.0.0.2", "127.0.0.3"]

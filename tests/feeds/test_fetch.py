"""The fetcher against a real aiohttp server on 127.0.0.1, and against files."""

from __future__ import annotations

import asyncio
import gzip
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.feeds.base import (
    Document,
    FeedFormat,
    FeedSource,
    FetchFailure,
    ParseContext,
    ParseError,
    Unchanged,
    Validators,
)
from bot.feeds.fetch import Fetcher, user_agent
from bot.feeds.parsers import parse
from tests.feeds.conftest import Serve

BODY = b'{"feed_version": 1, "elections": []}'


def source(url: object, *, timeout_s: float = 10.0, max_bytes: int = 5_000_000) -> FeedSource:
    return FeedSource("test-feed", str(url), FeedFormat.NATIVE, timeout_s, max_bytes)


def fetcher(
    session: aiohttp.ClientSession, *, max_redirects: int = 5, clock: float | None = None
) -> Fetcher:
    agent = user_agent("ops@example.org")
    if clock is None:
        return Fetcher(session, agent, max_redirects=max_redirects)
    return Fetcher(session, agent, max_redirects=max_redirects, clock=lambda: clock)


async def test_etag_is_sent_back_and_304_is_unchanged(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    seen: list[str | None] = []

    async def feed(request: web.Request) -> web.Response:
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(body=BODY, headers={"ETag": '"v1"'})

    app = web.Application()
    app.router.add_get("/feed.json", feed)
    base = await serve(app)
    first = await fetcher(session).fetch(source(base / "feed.json"), None)
    assert isinstance(first, Document)
    assert first.body == BODY
    assert first.validators.etag == '"v1"'
    second = await fetcher(session).fetch(source(base / "feed.json"), first.validators)
    assert second == Unchanged(first.validators, "not-modified")
    assert seen == [None, '"v1"']


async def test_last_modified_is_sent_back(serve: Serve, session: aiohttp.ClientSession) -> None:
    stamp = "Fri, 01 Apr 2022 20:00:00 GMT"
    seen: list[str | None] = []

    async def feed(request: web.Request) -> web.Response:
        seen.append(request.headers.get("If-Modified-Since"))
        if request.headers.get("If-Modified-Since") == stamp:
            return web.Response(status=304)
        return web.Response(body=BODY, headers={"Last-Modified": stamp})

    app = web.Application()
    app.router.add_get("/feed", feed)
    base = await serve(app)
    first = await fetcher(session).fetch(source(base / "feed"), None)
    assert isinstance(first, Document)
    second = await fetcher(session).fetch(source(base / "feed"), first.validators)
    assert isinstance(second, Unchanged)
    assert second.reason == "not-modified"
    assert seen == [None, stamp]


async def test_same_body_is_unchanged_by_hash(serve: Serve, session: aiohttp.ClientSession) -> None:
    bodies = [BODY, BODY, BODY.replace(b"[]", b"[ ]")]

    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=bodies.pop(0))

    app = web.Application()
    app.router.add_get("/feed", feed)
    base = await serve(app)
    first = await fetcher(session).fetch(source(base / "feed"), None)
    assert isinstance(first, Document)
    assert first.validators.content_hash is not None
    second = await fetcher(session).fetch(source(base / "feed"), first.validators)
    assert isinstance(second, Unchanged)
    assert second.reason == "same-hash"
    third = await fetcher(session).fetch(source(base / "feed"), second.validators)
    assert isinstance(third, Document)
    assert third.validators.content_hash != first.validators.content_hash


async def test_user_agent_names_the_bot_and_the_contact(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    agents: list[str] = []

    async def feed(request: web.Request) -> web.Response:
        agents.append(request.headers["User-Agent"])
        return web.Response(body=BODY)

    app = web.Application()
    app.router.add_get("/feed", feed)
    base = await serve(app)
    await fetcher(session).fetch(source(base / "feed"), None)
    assert agents[0].startswith("tallybot/")
    assert "ops@example.org" in agents[0]
    assert user_agent(None).startswith("tallybot/")
    assert "(" not in user_agent(None)


async def test_gzip_body_is_decompressed(serve: Serve, session: aiohttp.ClientSession) -> None:
    async def feed(request: web.Request) -> web.Response:
        assert "gzip" in request.headers.get("Accept-Encoding", "")
        return web.Response(body=gzip.compress(BODY), headers={"Content-Encoding": "gzip"})

    app = web.Application()
    app.router.add_get("/feed", feed)
    base = await serve(app)
    result = await fetcher(session).fetch(source(base / "feed"), None)
    assert isinstance(result, Document)
    assert result.body == BODY


async def test_body_over_max_bytes_is_abandoned_early(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    cap = 100_000
    chunk = b"x" * 65_536
    offered = 200 * 1024 * 1024  # far more than the kernel buffers between the two ends
    written = 0
    ended = asyncio.Event()

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal written
        response = web.StreamResponse()  # chunked: no Content-Length to reject up front
        await response.prepare(request)
        try:
            while written < offered:
                await response.write(chunk)
                written += len(chunk)
                await asyncio.sleep(0)
        finally:
            ended.set()
        return response

    app = web.Application()
    app.router.add_get("/big", endless)
    base = await serve(app)
    result = await fetcher(session).fetch(source(base / "big", max_bytes=cap), None)
    assert isinstance(result, FetchFailure)
    assert "max_bytes" in result.reason
    assert f"127.0.0.1:{base.port}/big" in result.reason
    await asyncio.wait_for(ended.wait(), 10)
    assert written < 16 * 1024 * 1024, "the client kept reading after the cap"


async def test_announced_length_over_max_bytes_is_refused_before_reading(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(50_000_000)})
        await response.prepare(request)
        await response.write(b"x" * 1024)
        await asyncio.sleep(5)  # the client must not wait for the rest
        return response

    app = web.Application()
    app.router.add_get("/huge", huge)
    base = await serve(app)
    started = time.monotonic()
    result = await fetcher(session).fetch(source(base / "huge", max_bytes=1_000_000), None)
    assert isinstance(result, FetchFailure)
    assert "announces 50,000,000 bytes" in result.reason
    assert time.monotonic() - started < 2


async def test_slow_server_times_out(serve: Serve, session: aiohttp.ClientSession) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(body=BODY)

    app = web.Application()
    app.router.add_get("/slow", slow)
    base = await serve(app)
    started = time.monotonic()
    result = await fetcher(session).fetch(source(base / "slow", timeout_s=0.3), None)
    assert isinstance(result, FetchFailure)
    assert result.reason == f"timed out after 0.3s fetching 127.0.0.1:{base.port}/slow"
    assert time.monotonic() - started < 2


async def test_server_error_is_reported_with_host_and_retry_after(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, headers={"Retry-After": "120"})

    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=503, headers={"Retry-After": "Fri, 01 Apr 2022 20:01:00 GMT"})

    app = web.Application()
    app.router.add_get("/feed", broken)
    app.router.add_get("/busy", busy)
    base = await serve(app)
    result = await fetcher(session).fetch(source(base / "feed"), None)
    assert result == FetchFailure(
        f"HTTP 500 Internal Server Error from 127.0.0.1:{base.port}/feed", 500, 120.0
    )
    clock = 1648843200.0  # 2022-04-01 20:00:00 UTC: the date is a minute later
    busy_result = await fetcher(session, clock=clock).fetch(source(base / "busy"), None)
    assert isinstance(busy_result, FetchFailure)
    assert busy_result.status == 503
    assert busy_result.retry_after_s == 60.0


async def test_query_string_never_appears_in_reasons(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=404)

    app = web.Application()
    app.router.add_get("/feed", broken)
    base = await serve(app)
    result = await fetcher(session).fetch(source((base / "feed").with_query(key="s3cret")), None)
    assert isinstance(result, FetchFailure)
    assert result.status == 404
    assert "s3cret" not in result.reason


async def test_html_instead_of_json_is_a_document_that_fails_to_parse(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    async def login(request: web.Request) -> web.Response:
        return web.Response(
            text="<html><body>Please sign in</body></html>", content_type="text/html"
        )

    app = web.Application()
    app.router.add_get("/feed.json", login)
    base = await serve(app)
    result = await fetcher(session).fetch(source(base / "feed.json"), None)
    assert isinstance(result, Document)
    assert result.content_type is not None and result.content_type.startswith("text/html")
    with pytest.raises(ParseError, match="HTML"):
        parse(FeedFormat.NATIVE, result.body, ParseContext("test-feed"))


async def test_redirects_are_followed(serve: Serve, session: aiohttp.ClientSession) -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/new/feed.json")

    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=BODY)

    app = web.Application()
    app.router.add_get("/feed.json", moved)
    app.router.add_get("/new/feed.json", feed)
    base = await serve(app)
    result = await fetcher(session).fetch(source(base / "feed.json"), None)
    assert isinstance(result, Document)
    assert result.final_url == str(base / "new" / "feed.json")


async def test_redirect_loop_is_stopped(serve: Serve, session: aiohttp.ClientSession) -> None:
    hits = 0

    async def ping(request: web.Request) -> web.Response:
        nonlocal hits
        hits += 1
        raise web.HTTPFound("/b" if request.path == "/a" else "/a")

    app = web.Application()
    app.router.add_get("/a", ping)
    app.router.add_get("/b", ping)
    base = await serve(app)
    result = await fetcher(session).fetch(source(base / "a"), None)
    assert isinstance(result, FetchFailure)
    assert result.reason == (
        f"redirect loop: 127.0.0.1:{base.port}/b sends back to 127.0.0.1:{base.port}/a"
    )
    assert hits == 2


async def test_redirect_chain_is_capped(serve: Serve, session: aiohttp.ClientSession) -> None:
    hits = 0

    async def hop(request: web.Request) -> web.Response:
        nonlocal hits
        hits += 1
        raise web.HTTPMovedPermanently(f"/hop/{int(request.match_info['n']) + 1}")

    app = web.Application()
    app.router.add_get("/hop/{n}", hop)
    base = await serve(app)
    result = await fetcher(session, max_redirects=3).fetch(source(base / "hop" / "0"), None)
    assert isinstance(result, FetchFailure)
    assert result.reason.startswith("more than 3 redirects")
    assert hits == 4


async def test_refused_connection_is_a_failure(session: aiohttp.ClientSession) -> None:
    result = await fetcher(session).fetch(source("http://127.0.0.1:9/feed"), None)
    assert isinstance(result, FetchFailure)
    assert result.reason.startswith("cannot connect to 127.0.0.1")


async def test_file_urls_are_read_with_the_same_cap_and_hash(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(BODY)
    first = await fetcher(session).fetch(source(path.as_uri()), None)
    assert isinstance(first, Document)
    assert first.body == BODY
    again = await fetcher(session).fetch(source(path.as_uri()), first.validators)
    assert again == Unchanged(first.validators, "same-hash")
    small = await fetcher(session).fetch(source(path.as_uri(), max_bytes=10), None)
    assert isinstance(small, FetchFailure)
    assert "max_bytes" in small.reason
    missing = await fetcher(session).fetch(source((tmp_path / "gone.json").as_uri()), None)
    assert missing == FetchFailure(f"file not found: {tmp_path / 'gone.json'}")


async def test_unsupported_scheme_is_a_failure(session: aiohttp.ClientSession) -> None:
    result = await fetcher(session).fetch(source("ftp://example.org/feed"), None)
    assert isinstance(result, FetchFailure)
    assert "unsupported URL" in result.reason


async def test_304_without_validators_is_a_failure(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    async def odd(request: web.Request) -> web.Response:
        return web.Response(status=304)

    app = web.Application()
    app.router.add_get("/feed", odd)
    base = await serve(app)
    result = await fetcher(session).fetch(source(base / "feed"), Validators())
    assert result == Unchanged(Validators(), "not-modified")
    plain = await fetcher(session).fetch(source(base / "feed"), None)
    assert isinstance(plain, FetchFailure)
    assert plain.status == 304

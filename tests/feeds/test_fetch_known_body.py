"""The fetcher's memory of each feed's last body: a body equal to it is recognised by
comparing bytes as they arrive, and every answer still carries the body's true sha256."""

from __future__ import annotations

import hashlib

import aiohttp
import pytest
from aiohttp import web

from bot.feeds.base import Document, FeedFormat, FeedSource, FetchFailure, Unchanged, Validators
from bot.feeds.fetch import Fetcher, user_agent
from tests.feeds.conftest import Serve

BIG = bytes(range(256)) * 1200  # 300 KB: several socket reads


def source(url: object, max_bytes: int = 5_000_000) -> FeedSource:
    return FeedSource("known-feed", str(url), FeedFormat.NATIVE, max_bytes=max_bytes)


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


async def served(serve: Serve, bodies: list[bytes], *, chunked: bool) -> object:
    """A feed answering each body in turn: with a Content-Length, or chunked in uneven
    pieces (no length known in advance)."""

    async def feed(request: web.Request) -> web.StreamResponse:
        body = bodies.pop(0)
        if not chunked:
            return web.Response(body=body)
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 70_001):
            await response.write(body[start : start + 70_001])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/feed", feed)
    return (await serve(app)) / "feed"


# Each step: the body served, and whether it is the one before it.
CHANGES = [
    BIG,
    BIG,  # the same: compared, not hashed
    BIG[:-1] + b"!",  # the last byte differs
    BIG[:-1] + b"!",
    BIG[:100_000],  # the previous body's start only
    BIG[:100_000] + b"more",  # the previous body and more
    b"x" + BIG[1:100_000] + b"more",  # the first byte differs
    b"",
    b"",
    BIG,
]


@pytest.mark.parametrize("chunked", [False, True])
async def test_every_answer_hashes_its_own_body(
    serve: Serve, session: aiohttp.ClientSession, chunked: bool
) -> None:
    url = await served(serve, list(CHANGES), chunked=chunked)
    fetcher = Fetcher(session, user_agent(None))
    previous: Validators | None = None
    before: bytes | None = None
    for body in CHANGES:
        result = await fetcher.fetch(source(url), previous)
        if body == before:
            assert result == Unchanged(Validators(None, None, sha(body)), "same-hash")
        else:
            assert isinstance(result, Document)
            assert result.body == body
            assert result.validators.content_hash == sha(body)
        assert not isinstance(result, FetchFailure)
        previous, before = result.validators, body


async def test_a_body_seen_but_not_stored_is_a_document_again(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    """The poller keeps the old hash when a document is rejected: the same body fetched
    again is compared, yet still a Document, with its own hash."""
    url = await served(serve, [BIG, BIG + b"1", BIG + b"1"], chunked=False)
    fetcher = Fetcher(session, user_agent(None))
    first = await fetcher.fetch(source(url), None)
    assert isinstance(first, Document)
    for _ in range(2):
        again = await fetcher.fetch(source(url), first.validators)
        assert isinstance(again, Document)
        assert again.body == BIG + b"1"
        assert again.validators.content_hash == sha(BIG + b"1")


async def test_after_a_restart_the_stored_hash_decides(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    url = await served(serve, [BIG, BIG + b"2"], chunked=True)
    stored = Validators(None, None, sha(BIG))
    fresh = Fetcher(session, user_agent(None))
    assert await fresh.fetch(source(url), stored) == Unchanged(stored, "same-hash")
    changed = await Fetcher(session, user_agent(None)).fetch(source(url), stored)
    assert isinstance(changed, Document)
    assert changed.validators.content_hash == sha(BIG + b"2")


async def test_the_cap_holds_when_the_body_is_known(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    url = await served(serve, [BIG, BIG], chunked=True)
    fetcher = Fetcher(session, user_agent(None))
    assert isinstance(await fetcher.fetch(source(url), None), Document)
    over = await fetcher.fetch(source(url, max_bytes=len(BIG) - 1), None)
    assert isinstance(over, FetchFailure)
    assert "max_bytes" in over.reason


class _CountingSha256:
    """hashlib as the fetcher sees it, counting the bytes it hashes."""

    def __init__(self) -> None:
        self.hashed = 0

    def sha256(self, data: bytes = b"") -> object:
        counter = self
        inner = hashlib.sha256(data)
        counter.hashed += len(data)

        class Hash:
            def update(self, more: bytes) -> None:
                counter.hashed += len(more)
                inner.update(more)

            def hexdigest(self) -> str:
                return inner.hexdigest()

        return Hash()


@pytest.mark.parametrize("compressed", [False, True])
async def test_an_unchanged_body_is_not_hashed(
    serve: Serve, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch, compressed: bool
) -> None:
    async def feed(request: web.Request) -> web.Response:
        response = web.Response(body=BIG)
        if compressed:
            response.enable_compression(web.ContentCoding.gzip)
        return response

    app = web.Application()
    app.router.add_get("/feed", feed)
    url = (await serve(app)) / "feed"
    counting = _CountingSha256()
    monkeypatch.setattr("bot.feeds.fetch.hashlib", counting)
    fetcher = Fetcher(session, user_agent(None))
    first = await fetcher.fetch(source(url), None)
    assert isinstance(first, Document)
    assert counting.hashed == len(BIG)
    again = await fetcher.fetch(source(url), first.validators)
    assert again == Unchanged(Validators(None, None, sha(BIG)), "same-hash")
    assert counting.hashed == len(BIG)

"""/e/{id}/events: a `tally` event per published change within a second, carrying the
election as /e/{id}.json gives it; comment lines between; at most `max_streams` open; a
client that stops reading, or goes away, is closed; shutdown ends every stream."""

from __future__ import annotations

import asyncio
import socket
import time

from bot.core.models import Status
from bot.store import Store
from bot.web.streams import StreamSettings
from tests.web.support import (
    JFK8,
    T0,
    bessemer,
    eventually,
    jfk8,
    next_message,
    publish,
    serve,
)

QUICK = StreamSettings(heartbeat_s=30, liveness_s=0.05)


async def test_a_published_change_reaches_an_open_stream_within_a_second(
    sqlite_store: Store,
) -> None:
    await publish(sqlite_store, None, [jfk8(0, 0)], elections=[JFK8], now=T0)
    async with (
        serve(sqlite_store, streams=QUICK) as web,
        web.client.get("/e/jfk8/events") as stream,
    ):
        assert stream.status == 200
        assert stream.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        assert stream.headers["Cache-Control"] == "no-cache"
        await eventually(lambda: web.context.streams.open == 1)
        await publish(sqlite_store, None, [jfk8(1518, 1154, status=Status.PAUSED)], now=T0)
        started = time.perf_counter()
        web.hub.publish(["jfk8"])
        async with asyncio.timeout(5):
            message = await next_message(stream)
        delay = time.perf_counter() - started
        document = await (await web.client.get("/e/jfk8.json")).read()
    assert delay < 1.0
    assert message.event == "tally"
    assert message.data == document
    assert message.id == web.context.snapshot.get("jfk8").version  # type: ignore[union-attr]


async def test_another_elections_change_is_not_sent(sqlite_store: Store) -> None:
    await publish(sqlite_store, None, [jfk8(1, 0)], elections=[JFK8], now=T0)
    async with (
        serve(sqlite_store, streams=QUICK) as web,
        web.client.get("/e/jfk8/events") as stream,
    ):
        await publish(sqlite_store, web.hub, [bessemer("initial", 738, 1798, 505, 5867)], now=T0)
        await publish(sqlite_store, web.hub, [jfk8(2, 0)], now=T0)
        async with asyncio.timeout(5):
            message = await next_message(stream)
    assert b'"votes":2' in message.data and b"bessemer" not in message.data


async def test_a_comment_line_keeps_an_idle_stream_open(sqlite_store: Store) -> None:
    await publish(sqlite_store, None, [jfk8(1, 0)], elections=[JFK8], now=T0)
    settings = StreamSettings(heartbeat_s=0.05, liveness_s=0.05)
    async with (
        serve(sqlite_store, streams=settings) as web,
        web.client.get("/e/jfk8/events") as stream,
    ):
        async with asyncio.timeout(5):
            first = await next_message(stream, comments=True)
            second = await next_message(stream, comments=True)
    assert (first.event, first.data) == ("", b"keep-alive") == (second.event, second.data)


async def test_a_client_with_an_older_state_gets_the_current_one_at_once(
    sqlite_store: Store,
) -> None:
    await publish(sqlite_store, None, [jfk8(1, 0)], elections=[JFK8], now=T0)
    async with serve(sqlite_store, streams=StreamSettings(heartbeat_s=0.2)) as web:
        current = web.context.snapshot.get("jfk8").version  # type: ignore[union-attr]
        async with web.client.get("/e/jfk8/events?since=stale") as stream:
            async with asyncio.timeout(5):
                message = await next_message(stream)
            assert (message.event, message.id) == ("tally", current)
        headers = {"Last-Event-ID": "stale"}
        async with web.client.get(f"/e/jfk8/events?since={current}", headers=headers) as stream:
            async with asyncio.timeout(5):
                assert (await next_message(stream)).id == current  # the header wins
        async with web.client.get(f"/e/jfk8/events?since={current}") as stream:
            async with asyncio.timeout(5):
                beat = await next_message(stream, comments=True)
            assert beat.event == ""  # up to date: nothing to send but the comment


async def test_beyond_max_streams_a_new_stream_gets_503_with_retry_after(
    sqlite_store: Store,
) -> None:
    await publish(sqlite_store, None, [jfk8(1, 0)], elections=[JFK8], now=T0)
    settings = StreamSettings(max_streams=2, liveness_s=0.05, retry_after_s=7)
    async with serve(sqlite_store, streams=settings) as web:
        first = await web.client.get("/e/jfk8/events")
        second = await web.client.get("/e/jfk8/events")
        refused = await web.client.get("/e/jfk8/events")
        assert (first.status, second.status, refused.status) == (200, 200, 503)
        assert refused.headers["Retry-After"] == "7"
        assert web.context.streams.refused == 1
        first.close()  # the client goes away: its slot is freed
        await eventually(lambda: web.context.streams.open == 1)
        again = await web.client.get("/e/jfk8/events")
        assert again.status == 200
        second.close()
        again.close()
        await eventually(lambda: web.context.streams.open == 0)


async def test_a_client_that_stops_reading_is_closed(sqlite_store: Store) -> None:
    note = "n" * 480  # each event near 1 kB
    await publish(sqlite_store, None, [jfk8(0, 0, note=note)], elections=[JFK8], now=T0)
    settings = StreamSettings(
        heartbeat_s=30,
        write_timeout_s=0.5,
        buffer_bytes=4096,
        send_buffer_bytes=4096,
        liveness_s=0.05,
    )
    async with serve(sqlite_store, streams=settings) as web:
        loop = asyncio.get_running_loop()
        reader = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        reader.setblocking(False)
        try:
            await loop.sock_connect(reader, ("127.0.0.1", web.client.port))
            request = b"GET /e/jfk8/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            await loop.sock_sendall(reader, request)
            await eventually(lambda: web.context.streams.open == 1)
            streams = web.context.streams
            for votes in range(1, 400):  # never read: the buffers fill, then it is closed
                await publish(sqlite_store, web.hub, [jfk8(votes, 0, note=note)], now=T0)
                await asyncio.sleep(0.005)
                if streams.dropped:
                    break
            await eventually(lambda: streams.dropped == 1 and streams.open == 0)
        finally:
            reader.close()


async def test_shutdown_ends_open_streams_at_once(sqlite_store: Store) -> None:
    await publish(sqlite_store, None, [jfk8(1, 0)], elections=[JFK8], now=T0)
    async with serve(sqlite_store, streams=StreamSettings(heartbeat_s=60)) as web:
        stream = await web.client.get("/e/jfk8/events")
        await eventually(lambda: web.context.streams.open == 1)
        started = time.perf_counter()
        await web.client.server.close()
        assert time.perf_counter() - started < 2
        assert web.context.streams.open == 0
        stream.close()


async def test_an_unknown_elections_stream_is_404(sqlite_store: Store) -> None:
    async with serve(sqlite_store) as web:
        response = await web.client.get("/e/nowhere/events")
        assert response.status == 404
        assert web.context.streams.open == 0


async def test_a_head_request_opens_no_stream(sqlite_store: Store) -> None:
    await publish(sqlite_store, None, [jfk8(1, 0)], elections=[JFK8], now=T0)
    async with serve(sqlite_store) as web:
        response = await web.client.head("/e/jfk8/events")
        assert response.status == 405 and web.context.streams.open == 0

"""Server-Sent Events of `/e/{id}/events` (DESIGN §12): one `tally` event per published
change of the election (`data:` its /e/{id}.json document, `id:` its state's version), a
comment line every 15 s, at most `max_streams` streams open at once (503 with Retry-After
beyond), and a stream whose client stops reading is closed.

A stream never queues more than one event: each event is the election's whole state, so a
client that is behind gets the newest one. A client that does not read is found out when
its unsent bytes pass `buffer_bytes` or one write takes longer than `write_timeout_s`;
the kernel's send buffer of each stream is capped too, so 500 stalled readers cost little.
A client that went away is noticed within `liveness_s`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import defaultdict
from dataclasses import dataclass

from aiohttp import web

log = logging.getLogger(__name__)

EVENT = b"tally"


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """Limits of the event streams; the defaults are production's."""

    max_streams: int = 500
    heartbeat_s: float = 15.0
    write_timeout_s: float = 10.0
    buffer_bytes: int = 64 * 1024  # unsent bytes in the process before a reader is dropped
    send_buffer_bytes: int | None = 64 * 1024  # each stream socket's SO_SNDBUF
    liveness_s: float = 2.0  # how often an idle stream checks that its client is there
    retry_after_s: int = 30  # told to a client refused for the limit
    reconnect_ms: int = 5000  # the `retry:` field: how soon a dropped client reconnects


class _Stream:
    """One open stream: the newest event not yet written, and a wake-up."""

    __slots__ = ("pending", "wake")

    def __init__(self) -> None:
        self.pending: tuple[str, bytes] | None = None
        self.wake = asyncio.Event()

    def offer(self, event_id: str, data: bytes) -> None:
        self.pending = (event_id, data)
        self.wake.set()


class SlowReader(Exception):
    """The client stopped reading: its stream is closed."""


class EventStreams:
    """Every open event stream, by election."""

    def __init__(self, settings: StreamSettings) -> None:
        self._settings = settings
        self._by_election: defaultdict[str, set[_Stream]] = defaultdict(set)
        self._open = 0
        self._closing = asyncio.Event()
        self.refused = 0  # streams refused for the limit, since start
        self.dropped = 0  # streams closed because their client stopped reading

    @property
    def open(self) -> int:
        return self._open

    def publish(self, election_id: str, event_id: str, data: bytes) -> None:
        """A new state of one election, for every stream that follows it."""
        for stream in self._by_election.get(election_id, ()):
            stream.offer(event_id, data)

    def close_all(self) -> None:
        """End every stream (at shutdown) and refuse new ones."""
        self._closing.set()
        for streams in self._by_election.values():
            for stream in streams:
                stream.wake.set()

    def refusal(self) -> web.Response | None:
        """The 503 a new stream gets beyond the limit (or at shutdown), else None."""
        if self._closing.is_set() or self._open >= self._settings.max_streams:
            self.refused += 1
            return web.Response(
                status=503,
                text="Too many open event streams; try again later.\n",
                headers={"Retry-After": str(self._settings.retry_after_s)},
            )
        return None

    async def serve(
        self,
        request: web.Request,
        election_id: str,
        current: tuple[str, bytes],
        since: str | None,
        headers: dict[str, str],
    ) -> web.StreamResponse:
        """Stream one election's changes. `current` is its state now (version, data): sent
        at once when the client says it has another one (`since`, or Last-Event-ID)."""
        refused = self.refusal()
        if refused is not None:
            return refused
        stream = _Stream()
        self._open += 1
        self._by_election[election_id].add(stream)
        response = web.StreamResponse(
            headers={
                **headers,
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",  # a proxy in front must not hold events back
            }
        )
        try:
            await response.prepare(request)
            self._bound(request)
            await self._write(request, response, b"retry: %d\n\n" % self._settings.reconnect_ms)
            known = request.headers.get("Last-Event-ID") or since
            if known is not None and known != current[0]:
                stream.offer(*current)
            await self._loop(request, response, stream)
        except SlowReader:
            self.dropped += 1
            log.info("event stream of %s closed: its client stopped reading", election_id)
            if request.transport is not None:
                request.transport.abort()
        except ConnectionError:
            pass  # the client went away
        finally:
            streams = self._by_election.get(election_id)
            if streams is not None:
                streams.discard(stream)
                if not streams:
                    del self._by_election[election_id]
            self._open -= 1
        return response

    async def _loop(
        self, request: web.Request, response: web.StreamResponse, stream: _Stream
    ) -> None:
        settings = self._settings
        loop = asyncio.get_running_loop()
        next_beat = loop.time() + settings.heartbeat_s
        while not self._closing.is_set():
            if stream.pending is None:
                wait = min(settings.liveness_s, max(0.0, next_beat - loop.time()))
                stream.wake.clear()
                try:
                    async with asyncio.timeout(wait):
                        await stream.wake.wait()
                except TimeoutError:
                    pass
            if self._closing.is_set() or _gone(request):
                return
            if stream.pending is not None:
                event_id, data = stream.pending
                stream.pending = None
                frame = b"event: %s\nid: %s\ndata: %s\n\n" % (EVENT, event_id.encode(), data)
            elif loop.time() >= next_beat:
                frame = b": keep-alive\n\n"
            else:
                continue
            await self._write(request, response, frame)
            next_beat = loop.time() + settings.heartbeat_s

    async def _write(
        self, request: web.Request, response: web.StreamResponse, frame: bytes
    ) -> None:
        transport = request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("the client went away")
        if transport.get_write_buffer_size() > self._settings.buffer_bytes:
            raise SlowReader
        try:
            async with asyncio.timeout(self._settings.write_timeout_s):
                await response.write(frame)
        except TimeoutError:
            raise SlowReader from None

    def _bound(self, request: web.Request) -> None:
        """Cap what a stalled reader can hold: the process's and the kernel's buffers."""
        transport = request.transport
        if transport is None:
            return
        transport.set_write_buffer_limits(high=self._settings.buffer_bytes)
        size = self._settings.send_buffer_bytes
        sock = transport.get_extra_info("socket")
        if size is not None and sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
            except OSError:  # not every socket takes it; the process-side bound remains
                log.debug("SO_SNDBUF not set on an event stream", exc_info=True)


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()

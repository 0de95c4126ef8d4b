"""The double's gateway websocket: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME;
several sessions at once (bots in several processes), each on its shard [id, count], with
every guild's events sent to the sessions of its shard: (guild_id >> 22) % count."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .interactions import Changes

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0, 1, 2, 6, 7, 9, 10, 11,
)  # fmt: skip
HEARTBEAT_INTERVAL_MS = 41_250
AUTHENTICATION_FAILED = 4004
INVALID_SHARD = 4010

Json = dict[str, Any]
Shard = tuple[int, int]  # (shard id, shard count)
UNSHARDED: Shard = (0, 1)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that carries a guild's events (Discord's formula)."""
    return (guild_id >> 22) % shard_count


def covers(shard: Shard, guild_id: int | None) -> bool:
    """Whether a session on `shard` gets the events of `guild_id` (None: DMs, on shard 0)."""
    shard_id, count = shard
    return shard_id == 0 if guild_id is None else shard_of(guild_id, count) == shard_id


@dataclass
class Session:
    """A gateway session: its shard, sequence, what it was sent (for RESUME), its socket."""

    id: str
    shard: Shard = UNSHARDED
    seq: int = 0
    sent: list[Json] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed


class Gateway:
    """The bots' gateway. `ready(session_id, shard)` and `guilds(shard)` build READY and the
    GUILD_CREATEs of a shard's guilds.

    `sessions` lists every session not invalidated, in IDENTIFY order; `session` is the
    latest one (tests with one bot). `shards` records the shard of every IDENTIFY.
    """

    def __init__(
        self,
        token: str,
        ready: Callable[[str, Shard], Json],
        guilds: Callable[[Shard], list[Json]],
        changes: Changes,
        problem: Callable[[str, str], None],
    ) -> None:
        self.token = token
        self._ready = ready
        self._guilds = guilds
        self._changes = changes
        self._problem = problem
        self.sessions: list[Session] = []
        self.connections: list[str] = []  # the path and query of every websocket opened
        self.identifies = 0
        self.shards: list[Shard] = []  # as each IDENTIFY asked, in order
        self.intents: int | None = None  # as the last IDENTIFY asked
        self.resumes = 0
        self.heartbeats = 0
        self.received: list[Json] = []  # every frame from the clients, in order
        self._dropped: set[int] = set()  # sockets the double itself closes

    @property
    def session(self) -> Session | None:
        return self.sessions[-1] if self.sessions else None

    @property
    def connected(self) -> bool:
        return any(s.connected for s in self.sessions)

    def connected_shards(self) -> set[Shard]:
        return {s.shard for s in self.sessions if s.connected}

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.connections.append(str(request.rel_url))
        self._changes.notify()
        await ws.send_str(
            json.dumps({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        )
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(ws, json.loads(msg.data))
        finally:
            # A client that closes with 1000 or 1001 ends its session (Discord's rule); any
            # other way out leaves it resumable.
            ended = ws.close_code in (1000, 1001) and id(ws) not in self._dropped
            for session in list(self.sessions):
                if session.ws is ws:
                    session.ws = None
                    if ended:
                        self.sessions.remove(session)
            self._dropped.discard(id(ws))
            self._changes.notify()
        return ws

    async def dispatch(self, event: str, data: Json, *, shard: int | None = None) -> None:
        """Send a dispatch to every session of the shard that carries it: `shard` when given,
        else the shard of `data["guild_id"]` (shard 0 without one). Sessions that are
        disconnected keep it for RESUME."""
        if not self.sessions:
            raise RuntimeError("no gateway session: the bot has not identified yet")
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        targets = [
            s
            for s in self.sessions
            if (s.shard[0] == shard if shard is not None else covers(s.shard, _int(guild_id)))
        ]
        if not targets:
            raise RuntimeError(f"no gateway session carries {event} of guild {guild_id}")
        for session in targets:
            await self._send(session, event, data)

    async def drop(self, code: int = 4000, *, shard: int | None = None) -> None:
        """Close sockets as a network failure would (every session's, or one shard's); the
        sessions stay resumable."""
        for session in self._of(shard):
            if session.ws is not None:
                self._dropped.add(id(session.ws))
                await session.ws.close(code=code, message=b"dropped by the test")

    async def reconnect(self, *, shard: int | None = None) -> None:
        """Ask the clients to reconnect and resume (op 7)."""
        for session in self._of(shard):
            if session.connected:
                assert session.ws is not None
                await session.ws.send_str(json.dumps({"op": RECONNECT, "d": None}))

    async def invalidate(self, *, shard: int | None = None) -> None:
        """Invalidate sessions (op 9, not resumable): the clients identify again."""
        for session in self._of(shard):
            self.sessions.remove(session)
            if session.connected:
                assert session.ws is not None
                await session.ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False}))

    async def close_all(self) -> None:
        for session in self.sessions:
            if session.ws is not None:
                self._dropped.add(id(session.ws))
                await session.ws.close(code=1001, message=b"double shutting down")

    def _of(self, shard: int | None) -> list[Session]:
        return [s for s in self.sessions if shard is None or s.shard[0] == shard]

    async def _send(self, session: Session, event: str, data: Json) -> None:
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.sent.append(frame)
        if session.connected:
            assert session.ws is not None
            await session.ws.send_str(json.dumps(frame))

    async def _on_frame(self, ws: web.WebSocketResponse, frame: Json) -> None:
        self.received.append(frame)
        op = frame.get("op")
        if op == HEARTBEAT:
            self.heartbeats += 1
            await ws.send_str(json.dumps({"op": HEARTBEAT_ACK}))
        elif op == IDENTIFY:
            await self._identify(ws, frame.get("d") or {})
        elif op == RESUME:
            await self._resume(ws, frame.get("d") or {})
        elif op in (3, 4, 8):  # presence, voice state, member chunk requests: not needed
            log.debug("gateway op %s ignored", op)
        else:
            self._problem("unknown gateway op", json.dumps(frame)[:200])

    async def _identify(self, ws: web.WebSocketResponse, data: Json) -> None:
        if data.get("token") != self.token:
            await ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        shard = _shard(data.get("shard"))
        if shard is None:
            self._problem("invalid shard", json.dumps(data.get("shard")))
            await ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return
        self.intents = data.get("intents")
        session = Session(uuid.uuid4().hex, shard, ws=ws)
        self.sessions.append(session)
        self.shards.append(shard)
        await self._send(session, "READY", self._ready(session.id, shard))
        for guild in self._guilds(shard):
            await self._send(session, "GUILD_CREATE", guild)
        self.identifies += 1  # counted once READY and every GUILD_CREATE are on their way
        self._changes.notify()

    async def _resume(self, ws: web.WebSocketResponse, data: Json) -> None:
        session = next((s for s in self.sessions if s.id == data.get("session_id")), None)
        if session is None or data.get("token") != self.token:
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False}))
            return
        self.resumes += 1
        session.ws = ws
        seq = int(data.get("seq") or 0)
        for frame in session.sent:
            if frame["s"] > seq:
                await ws.send_str(json.dumps(frame))
        await self._send(session, "RESUMED", {})
        self._changes.notify()


def _shard(value: object) -> Shard | None:
    """IDENTIFY's `shard` as (id, count); none given is (0, 1); None when invalid."""
    if value is None:
        return UNSHARDED
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) for v in value)
        and 0 <= value[0] < value[1]
    ):
        return (value[0], value[1])
    return None


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))

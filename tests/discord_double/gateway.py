"""The double's gateway websocket: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME."""

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

Json = dict[str, Any]


@dataclass
class Session:
    """A gateway session: its sequence, what it was sent (for RESUME), its live socket."""

    id: str
    seq: int = 0
    sent: list[Json] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None


class Gateway:
    """One bot's gateway. `ready(session_id)` and `guilds()` build READY and GUILD_CREATEs."""

    def __init__(
        self,
        token: str,
        ready: Callable[[str], Json],
        guilds: Callable[[], list[Json]],
        changes: Changes,
        problem: Callable[[str, str], None],
    ) -> None:
        self.token = token
        self._ready = ready
        self._guilds = guilds
        self._changes = changes
        self._problem = problem
        self.session: Session | None = None
        self.connections: list[str] = []  # the path and query of every websocket opened
        self.identifies = 0
        self.intents: int | None = None  # as the last IDENTIFY asked
        self.resumes = 0
        self.heartbeats = 0
        self.received: list[Json] = []  # every frame from the client, in order

    @property
    def connected(self) -> bool:
        return self.session is not None and self.session.ws is not None

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
            if self.session is not None and self.session.ws is ws:
                self.session.ws = None
            self._changes.notify()
        return ws

    async def dispatch(self, event: str, data: Json) -> None:
        """Send a dispatch to the current session (kept for RESUME if it is disconnected)."""
        session = self.session
        if session is None:
            raise RuntimeError("no gateway session: the bot has not identified yet")
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.sent.append(frame)
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_str(json.dumps(frame))

    async def drop(self, code: int = 4000) -> None:
        """Close the socket as a network failure would; the session stays resumable."""
        if self.session is not None and self.session.ws is not None:
            await self.session.ws.close(code=code, message=b"dropped by the test")

    async def reconnect(self) -> None:
        """Ask the client to reconnect and resume (op 7)."""
        if self.session is not None and self.session.ws is not None:
            await self.session.ws.send_str(json.dumps({"op": RECONNECT, "d": None}))

    async def invalidate(self) -> None:
        """Invalidate the session (op 9, not resumable): the client identifies again."""
        session, self.session = self.session, None
        if session is not None and session.ws is not None:
            await session.ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False}))

    async def close_all(self) -> None:
        if self.session is not None and self.session.ws is not None:
            await self.session.ws.close(code=1001, message=b"double shutting down")

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
        self.intents = data.get("intents")
        self.session = Session(uuid.uuid4().hex, ws=ws)
        await self.dispatch("READY", self._ready(self.session.id))
        for guild in self._guilds():
            await self.dispatch("GUILD_CREATE", guild)
        self.identifies += 1  # counted once READY and every GUILD_CREATE are on their way
        self._changes.notify()

    async def _resume(self, ws: web.WebSocketResponse, data: Json) -> None:
        session = self.session
        if (
            session is None
            or data.get("session_id") != session.id
            or data.get("token") != self.token
        ):
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False}))
            return
        self.resumes += 1
        session.ws = ws
        seq = int(data.get("seq") or 0)
        for frame in session.sent:
            if frame["s"] > seq:
                await ws.send_str(json.dumps(frame))
        await self.dispatch("RESUMED", {})
        self._changes.notify()

"""The Discord double's server: REST pipeline (validate, fail, limit, answer) and the gateway."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import BodyPartReader, web

from . import payloads
from .gateway import Gateway, Shard, covers
from .limits import FailureRule, FixedWindows, Reply, RouteBuckets, error, rate_limited
from .openapi import OpenApiSpec, Operation, command_errors, limit_errors, load_spec, message_of
from .payloads import Json
from .rest_messages import MessageRoutes
from .rest_world import Route, WorldRoutes
from .state import Call, RequestRecord, State, Upload
from .world import World

log = logging.getLogger(__name__)


class DoubleServer:
    """An aiohttp server on 127.0.0.1 (random port) speaking enough of Discord for discord.py.

    `DiscordDouble` (in `double.py`) adds the test-facing API on top of this.
    """

    def __init__(
        self,
        spec_path: Path,
        *,
        token: str = "test-token",
        global_limit: int | None = None,
        global_window: float = 1.0,
        route_limit: int = 50,
        nonce_window: float = 300.0,
        callback_deadline: float = 3.0,
        validate: bool = True,
    ) -> None:
        self.spec: OpenApiSpec = load_spec(Path(spec_path))
        self.token = token
        self.validate = validate
        self.world = World()
        self.state = State(self.world)
        self.global_limit = global_limit
        self.global_window = global_window
        self.failures: list[FailureRule] = []
        self.port = 0
        self._origin = 0.0
        self._windows: FixedWindows | None = None
        self._buckets: RouteBuckets | None = None
        self._route_limit = route_limit
        self._runner: web.AppRunner | None = None
        self.gateway = Gateway(
            token, self._ready_payload, self._guild_payloads, self.state.changes, self._ws_problem
        )
        world_routes = WorldRoutes(self.state, lambda: self.gateway_url)
        message_routes = MessageRoutes(
            self.state, nonce_window=nonce_window, callback_deadline=callback_deadline
        )
        self.routes: dict[tuple[str, str], Route] = {}
        for route in [*world_routes.routes(), *message_routes.routes()]:
            if self.spec.operation(route.method, route.template) is None:
                raise ValueError(f"{route.method} {route.template} is not in Discord's spec")
            self.routes[(route.method, route.template)] = route

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/resume-gateway"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/resume-gateway", self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        self._origin = asyncio.get_running_loop().time()
        # Counted always (peaks for the tests); enforced only with a `global_limit`.
        self._windows = FixedWindows(self.global_limit, self.global_window, self._origin)
        self._buckets = RouteBuckets(self._route_limit, 1.0, self._origin)
        log.debug("Discord double listening on %s", self.base_url)

    async def close(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def peak_requests_per_window(self) -> int:
        """The most requests admitted in one fixed global window (interactions exempt)."""
        return self._windows.peak() if self._windows else 0

    def peak_in_any_window(self, seconds: float = 1.0) -> int:
        """The most requests that count towards the global limit (every one the bots sent,
        429s and unknown routes included, interactions exempt) that arrived within any
        `seconds`: a sliding window, so it is at least the fixed windows' peak."""
        stamps = [r.at for r in self.state.requests if r.global_]
        peak = start = 0
        for end, stamp in enumerate(stamps):  # records are in arrival order
            while stamp - stamps[start] >= seconds:
                start += 1
            peak = max(peak, end - start + 1)
        return peak

    async def _handle(self, request: web.Request) -> web.Response:
        now = asyncio.get_running_loop().time()
        method, path = request.method, request.path
        body: Any = None
        template = None
        exempt = False
        if not path.startswith("/api/v10/"):
            reply = self._unknown(method, path, "not under /api/v10")
        else:
            path = path.removeprefix("/api/v10")
            op, params, path_known = self.spec.match(method, path)
            route = self.routes.get((method, op.template)) if op else None
            if op is None or route is None:
                reply = self._unknown(method, path, _why_unknown(op, path_known))
            else:
                template = op.template
                exempt = self._exempt(template, params)
                body, reply = await self._answer(request, path, route, op, params, now)
        self.state.stats.requests += 1
        self.state.requests.append(
            RequestRecord(method, path, template, reply.status, body, now, not exempt)
        )
        return _to_response(reply)

    async def _answer(
        self,
        request: web.Request,
        path: str,
        route: Route,
        op: Operation,
        params: dict[str, str],
        now: float,
    ) -> tuple[Any, Reply]:
        if route.bot_auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return None, error(401, 0)
        body, uploads, errors = await _read_body(request)
        if not errors and self.validate:
            errors = self.spec.validate(op, body)
            message = message_of(op.template, op.method, body)
            errors += limit_errors(message) if message is not None else []
            errors += command_errors(op.template, op.method, body)
        if errors:
            for problem in errors:
                self.state.problem("invalid body", op.method, path, problem)
            details = [{"code": 50035, "message": e} for e in errors]
            return body, error(400, 50035, errors={"_errors": details})
        call = Call(op.method, path, op.template, params, request.query, body, uploads, now)
        gated = self._gate(call, route)
        if isinstance(gated, Reply):
            return body, gated
        reply = await route.handler(call)
        if 200 <= reply.status < 300:
            reply.headers.update(gated)
        return body, reply

    def _gate(self, call: Call, route: Route) -> Reply | dict[str, str]:
        """Injected failures, then the global limit, then the route's bucket."""
        for rule in self.failures:
            if not rule.spent() and rule.matches(call.method, call.path, call.params):
                self.state.stats.injected_failures += 1
                return rule.reply(call.template, call.params)
        exempt = self._exempt(call.template, call.params)
        if self._windows is not None and not exempt:
            wait = self._windows.admit(call.now)
            if wait is not None:
                assert self._windows.limit is not None
                self.state.stats.global_429s += 1
                return rate_limited(wait, global_=True, limit=self._windows.limit, bucket="global")
        if route.bucket is None or self._buckets is None or exempt:
            return {}
        taken = self._buckets.take(call.template, call.params[route.bucket], call.now)
        if isinstance(taken, Reply):
            self.state.stats.route_429s += 1
        return taken

    def _exempt(self, template: str, params: dict[str, str]) -> bool:
        """Interaction endpoints are exempt from the global limit (Discord's rule)."""
        return template.startswith("/interactions/") or (
            template.startswith("/webhooks/")
            and int(params["webhook_id"]) == self.world.application_id
        )

    def _unknown(self, method: str, path: str, why: str) -> Reply:
        self.state.problem("unknown route", method, path, why)
        return error(404, 0, f"404: route unknown to the Discord double: {method} {path} ({why})")

    def _ws_problem(self, kind: str, detail: str) -> None:
        self.state.problem(kind, "WS", "/gateway", detail)

    def _ready_payload(self, session_id: str, shard: Shard) -> Json:
        world = self.world
        return {
            "v": 10,
            "user": payloads.current_user(world.bot),
            "guilds": [
                {"id": str(g), "unavailable": True} for g in world.guilds if covers(shard, g)
            ],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "shard": list(shard),
            "application": {"id": str(world.application_id), "flags": 1 << 19},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["discord-double"],
        }

    def _guild_payloads(self, shard: Shard) -> list[Json]:
        return [
            payloads.guild_create(g, self.world)
            for g in self.world.guilds.values()
            if covers(shard, g.id)
        ]


def _why_unknown(op: Operation | None, path_known: bool) -> str:
    if op is not None:
        return "in Discord's API, but not implemented by the double"
    return "not in Discord's API" + (" for this method" if path_known else "")


async def _read_body(request: web.Request) -> tuple[Any, list[Upload], list[str]]:
    """The JSON body (or a multipart's `payload_json`), the uploads, and parse errors."""
    if request.content_type == "multipart/form-data":
        return await _read_multipart(request)
    raw = await request.read()
    if not raw:
        return None, [], []
    if request.headers.get("Content-Type") != "application/json":
        found = request.headers.get("Content-Type")
        return None, [], [f"a body with Content-Type {found!r}, not application/json"]
    try:
        return json.loads(raw), [], []
    except ValueError as exc:
        return None, [], [f"the body is not JSON: {exc}"]


async def _read_multipart(request: web.Request) -> tuple[Any, list[Upload], list[str]]:
    body: Any = None
    uploads: list[Upload] = []
    errors: list[str] = []
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            errors.append("nested multipart is not supported")
            continue
        data = await part.read()
        if part.name == "payload_json":
            try:
                body = json.loads(data)
            except ValueError as exc:
                errors.append(f"payload_json is not JSON: {exc}")
        elif part.name and part.name.startswith("files[") and part.filename:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            uploads.append(Upload(part.name, part.filename, content_type, bytes(data)))
        else:
            errors.append(f"unexpected multipart field {part.name!r}")
    if body is None and not errors:
        errors.append("a multipart body without payload_json")
    return body, uploads, errors


def _to_response(reply: Reply) -> web.Response:
    headers = dict(reply.headers)
    headers.setdefault("Via", "1.1 google")
    if reply.body is None:
        return web.Response(status=reply.status, headers=headers)
    # Exactly `application/json`: with aiohttp's `; charset=utf-8` discord.py reads text.
    headers["Content-Type"] = "application/json"
    return web.Response(status=reply.status, body=json.dumps(reply.body).encode(), headers=headers)

"""INTERACTION_CREATE payloads for slash commands and autocomplete, and their handles."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import payloads
from .payloads import Json
from .world import Channel, Guild, User, World

T = TypeVar("T")
POLL_INTERVAL = 0.02

APPLICATION_COMMAND = 2
AUTOCOMPLETE = 4
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3, 4, 5, 6, 7, 8, 9, 10, 11,
)  # fmt: skip


class Changes:
    """A pulse set on every change the double records, so tests can wait for one."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, probe: Callable[[], T | None], timeout: float, what: str) -> T:
        """Wait until `probe()` returns something truthy; return it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = probe()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"the Discord double timed out waiting for {what}")
            # Also poll: probes may look at the bot's side, which never notifies the double.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), min(remaining, POLL_INTERVAL))


@dataclass
class InteractionHandle:
    """One interaction sent to the bot, and everything the bot answered to it.

    `callbacks` holds the bodies POSTed to the callback route (normally one), `original` the
    original response message as it stands (after a type 4 answer, or a defer then an edit),
    `edits` the PATCHes of @original, `followups` the followup messages (message dicts),
    `files` the uploads by message id.
    """

    id: int
    token: str
    payload: Json
    created_at: float
    changes: Changes
    callbacks: list[Json] = field(default_factory=list)
    original: Json | None = None
    edits: list[Json] = field(default_factory=list)
    followups: list[Json] = field(default_factory=list)
    files: dict[int, list[tuple[str, bytes]]] = field(default_factory=dict)

    async def response(self, timeout: float = 5.0) -> Json:
        """The callback body the bot sent: `{"type": 4, "data": {...}}` and the like."""
        return await self.changes.wait_for(
            lambda: self.callbacks[0] if self.callbacks else None, timeout, "a callback"
        )

    async def original_message(self, timeout: float = 5.0) -> Json:
        """The original response with content: a type 4 answer, or the edit after a defer."""

        def probe() -> Json | None:
            loading = self.original is not None and self.original["flags"] & 128
            return None if loading else self.original

        return await self.changes.wait_for(probe, timeout, "the original response")

    async def followup(self, index: int = 0, timeout: float = 5.0) -> Json:
        return await self.changes.wait_for(
            lambda: self.followups[index] if len(self.followups) > index else None,
            timeout,
            f"followup #{index}",
        )

    @property
    def command_name(self) -> str:
        return str(self.payload["data"]["name"])


def find_command(commands: list[Json], name: str) -> Json | None:
    return next((c for c in commands if c.get("name") == name and c.get("type", 1) == 1), None)


def command_options(
    command: Json,
    path: list[str],
    values: dict[str, Any],
    focused: str | None,
    resolve: Callable[[int, int], None],
) -> list[Json]:
    """Typed interaction options for a (sub)command from plain values, per its definition."""
    definitions: list[Json] = command.get("options") or []
    if path:
        sub = next((o for o in definitions if o["name"] == path[0]), None)
        if sub is None or sub["type"] not in (SUB_COMMAND, SUB_COMMAND_GROUP):
            raise ValueError(f"/{command['name']} has no subcommand {path[0]!r}")
        inner = command_options(sub, path[1:], values, focused, resolve)
        return [{"type": sub["type"], "name": sub["name"], "options": inner}]
    by_name = {o["name"]: o for o in definitions}
    options = []
    for name, value in values.items():
        definition = by_name.get(name)
        if definition is None:
            raise ValueError(f"/{command['name']} has no option {name!r}: {sorted(by_name)}")
        kind = definition["type"]
        option: Json = {"type": kind, "name": name, "value": _typed(kind, value, name == focused)}
        if name == focused:
            option["focused"] = True
        elif kind in (USER, CHANNEL, ROLE, MENTIONABLE):
            resolve(kind, int(option["value"]))
        options.append(option)
    return options


def _typed(kind: int, value: Any, focused: bool) -> Any:
    if focused:  # autocomplete sends what was typed so far, as typed
        return value if isinstance(value, str) else str(value)
    if kind == STRING:
        return str(value)
    if kind == INTEGER:
        return int(value)
    if kind == NUMBER:
        return float(value)
    if kind == BOOLEAN:
        return bool(value)
    return str(getattr(value, "id", value))


@dataclass
class Invocation:
    """Who invokes what, where: the inputs of an INTERACTION_CREATE."""

    interaction_id: int
    token: str
    kind: int
    command: Json
    options: list[Json]
    guild: Guild | None
    channel: Channel
    user: User
    permissions: int
    app_permissions: int
    locale: str = "en-US"
    resolved: Json = field(default_factory=dict)


def interaction_create(world: World, inv: Invocation) -> Json:
    """The full INTERACTION_CREATE `d`, with every key discord.py 2.7 reads."""
    data: Json = {
        "id": inv.command["id"],
        "name": inv.command["name"],
        "type": inv.command.get("type", 1),
        "options": inv.options,
    }
    if inv.command.get("guild_id"):
        data["guild_id"] = inv.command["guild_id"]
    if inv.resolved:
        data["resolved"] = inv.resolved
    payload: Json = {
        "id": str(inv.interaction_id),
        "application_id": str(world.application_id),
        "type": inv.kind,
        "data": data,
        "channel": payloads.partial_channel(inv.channel, inv.permissions),
        "channel_id": str(inv.channel.id),
        "token": inv.token,
        "version": 1,
        "app_permissions": str(inv.app_permissions),
        "locale": inv.locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": payloads.ATTACHMENT_SIZE_LIMIT,
    }
    if inv.guild is not None:
        member = payloads.member(inv.guild.members[inv.user.id], world)
        payload.update(
            guild_id=str(inv.guild.id),
            guild={"id": str(inv.guild.id), "locale": inv.guild.preferred_locale, "features": []},
            guild_locale=inv.guild.preferred_locale,
            member={**member, "permissions": str(inv.permissions)},
            authorizing_integration_owners={"0": str(inv.guild.id)},
            context=0,
        )
    else:
        payload.update(
            user=payloads.user(inv.user),
            authorizing_integration_owners={"0": str(inv.user.id)},
            context=1,
        )
    return payload


def resolve_into(
    resolved: Json, world: World, guild: Guild | None, user: User
) -> Callable[[int, int], None]:
    """A callback adding a user, channel or role option's object to `resolved`."""

    def add(kind: int, object_id: int) -> None:
        if kind == CHANNEL:
            channel = world.channels[object_id]
            perms = world.permissions_in(channel, user.id)
            resolved.setdefault("channels", {})[str(object_id)] = payloads.partial_channel(
                channel, perms
            )
        elif kind == ROLE or (kind == MENTIONABLE and guild and object_id in guild.roles):
            if guild is None:
                raise ValueError("role options need a guild")
            resolved.setdefault("roles", {})[str(object_id)] = payloads.role(guild.roles[object_id])
        elif kind in (USER, MENTIONABLE):
            target = world.users[object_id]
            resolved.setdefault("users", {})[str(object_id)] = payloads.user(target)
            if guild is not None and object_id in guild.members:
                member = payloads.member(guild.members[object_id], world, with_user=False)
                perms = world.base_permissions(guild, object_id)
                resolved.setdefault("members", {})[str(object_id)] = {
                    **member,
                    "permissions": str(perms),
                }

    return add

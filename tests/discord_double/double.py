"""The test-facing Discord double: a default guild, interactions, failures, waits, checks."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from . import payloads
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    InteractionHandle,
    Invocation,
    command_options,
    find_command,
    interaction_create,
    resolve_into,
)
from .limits import FailureRule
from .payloads import Json
from .server import DoubleServer
from .state import Edit, Problem, RequestRecord, Stats, Upload
from .world import Channel, Guild, Perm, Role, User

T = TypeVar("T")


class DoubleProblems(AssertionError):
    """The bot used a route the double does not know, or sent an invalid body."""


class DiscordDouble(DoubleServer):
    """A local Discord for real discord.py: see the package docstring for a tour.

    It starts with one guild, "Union Hall" (`guild`), owned by the application's `owner`,
    with a text channel `channel` ("general"), a role `organizers` (Manage Channels) held by
    the user `organizer`, a plain `member`, and the bot (`bot_user`) with its managed role.
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
        super().__init__(
            spec_path,
            token=token,
            global_limit=global_limit,
            global_window=global_window,
            route_limit=route_limit,
            nonce_window=nonce_window,
            callback_deadline=callback_deadline,
            validate=validate,
        )
        world = self.world
        self.guild: Guild = world.add_guild("Union Hall")
        self.channel: Channel = world.add_channel(self.guild, "general")
        self.organizers: Role = world.add_role(self.guild, "Organizers", Perm.MANAGE_CHANNELS)
        self.organizer: User = world.add_user("organizer")
        world.add_member(self.guild, self.organizer, [self.organizers])
        self.member: User = world.add_user("member")
        world.add_member(self.guild, self.member)

    # -- who is who -------------------------------------------------------------------

    @property
    def bot_user(self) -> User:
        return self.world.bot

    @property
    def owner(self) -> User:
        return self.world.owner

    @property
    def application_id(self) -> int:
        return self.world.application_id

    # -- what was recorded ------------------------------------------------------------

    @property
    def messages(self) -> dict[int, list[Json]]:
        """Channel id -> messages posted there (bot, DM and webhook posts), in order."""
        return self.state.messages

    def channel_messages(self, channel: Channel | int) -> list[Json]:
        return list(self.state.messages.get(_id(channel), []))

    def dm_messages(self, user: User | int) -> list[Json]:
        channel = self.world.dm_channels.get(_id(user))
        return self.channel_messages(channel) if channel else []

    def message(self, message: Json | int) -> Json | None:
        """A message as it stands now, edits applied (None once deleted)."""
        return self.state.by_id.get(_message_id(message))

    def edits(self, message: Json | int) -> list[Edit]:
        """Every edit of a message, in order (`edit.body`, `edit.pings`), deleted ones too."""
        return list(self.state.edits.get(_message_id(message), []))

    def delete_message(self, message: Json | int) -> Json:
        """Delete a message, as a moderator would: the next edit of it is 404 Unknown
        Message (10008). Returns the message as it was."""
        found = self.state.by_id.get(_message_id(message))
        if found is None:
            raise KeyError(f"no message {_message_id(message)}")
        return self.state.delete_message(int(found["channel_id"]), int(found["id"]))

    def uploads(self, message: Json | int) -> list[Upload]:
        """The files uploaded with a message (by message dict or id)."""
        key = int(message["id"]) if isinstance(message, dict) else message
        return list(self.state.uploads.get(key, []))

    def commands(self, guild: Guild | int | None = None) -> list[Json]:
        """The application commands synced globally (None) or to a guild."""
        return list(self.state.commands.get(None if guild is None else _id(guild), []))

    @property
    def interactions(self) -> dict[int, InteractionHandle]:
        return self.state.interactions

    @property
    def requests(self) -> list[RequestRecord]:
        return self.state.requests

    @property
    def stats(self) -> Stats:
        return self.state.stats

    @property
    def problems(self) -> list[Problem]:
        return list(self.state.problems)

    def take_problems(self) -> list[Problem]:
        """The problems so far, forgotten (for tests that provoke them on purpose)."""
        problems, self.state.problems[:] = list(self.state.problems), []
        return problems

    def check(self) -> None:
        """Raise `DoubleProblems` listing every unknown route and invalid body seen."""
        if self.state.problems:
            lines = "\n".join(f"  {p}" for p in self.state.problems)
            raise DoubleProblems(
                f"the Discord double saw {len(self.state.problems)} problem(s):\n{lines}"
            )

    # -- failures ---------------------------------------------------------------------

    def fail_next(
        self,
        target: str | int | Channel,
        status: int,
        *,
        times: int | None = 1,
        retry_after: float = 1.0,
        global_: bool = False,
        code: int | None = None,
        method: str | None = None,
    ) -> FailureRule:
        """Answer the next `times` matching requests (None: all) with `status`.

        `target` is a channel/webhook/user/interaction id (matched against the path's
        parameters) or a glob over "METHOD /path" or "/path" (paths without /api/v10), e.g.
        "POST /channels/*/messages". 403 and 404 carry Discord's codes (50001, 10003, 10015,
        ...; override with `code`, e.g. 50013 or 50007); 429 carries `retry_after` and the
        rate-limit headers, `global_` making it a global one.
        """
        rule = FailureRule(
            target.id if isinstance(target, Channel) else target,
            status,
            times,
            retry_after,
            global_,
            code,
            method,
        )
        self.failures.append(rule)
        return rule

    def clear_failures(self) -> None:
        self.failures.clear()

    # -- waiting ----------------------------------------------------------------------

    async def wait_until(
        self, probe: Callable[[], T | None], timeout: float = 5.0, what: str = "a condition"
    ) -> T:
        """Wait until `probe()` gives something truthy (checked on changes and every 20 ms)."""
        return await self.state.changes.wait_for(probe, timeout, what)

    async def wait_for_messages(
        self, channel: Channel | int, count: int = 1, timeout: float = 5.0
    ) -> list[Json]:
        """The channel's messages once there are at least `count`."""
        key = _id(channel)

        def probe() -> list[Json] | None:
            found = self.state.messages.get(key, [])
            return list(found) if len(found) >= count else None

        return await self.wait_until(probe, timeout, f"{count} message(s) in channel {key}")

    async def wait_for_edits(
        self, message: Json | int, count: int = 1, timeout: float = 5.0
    ) -> list[Edit]:
        """The message's edits once there are at least `count`."""
        key = _message_id(message)

        def probe() -> list[Edit] | None:
            found = self.state.edits.get(key, [])
            return list(found) if len(found) >= count else None

        return await self.wait_until(probe, timeout, f"{count} edit(s) of message {key}")

    async def wait_until_ready(self, timeout: float = 5.0, identifies: int = 1) -> None:
        """Until the bots identified `identifies` times (one per shard connected) and were
        sent READY and their GUILD_CREATEs."""
        await self.wait_until(
            lambda: self.gateway.identifies >= identifies, timeout, f"{identifies} IDENTIFY"
        )

    # -- gateway ----------------------------------------------------------------------

    async def dispatch(self, event: str, data: Json, *, shard: int | None = None) -> None:
        """To the sessions of the shard carrying `data["guild_id"]` (or `shard`)."""
        await self.gateway.dispatch(event, data, shard=shard)

    async def drop_gateway(self, code: int = 4000, *, shard: int | None = None) -> None:
        """Close the bots' websockets (or one shard's) as a network failure would; they
        should RESUME."""
        await self.gateway.drop(code, shard=shard)

    async def push_channel_update(self, channel: Channel) -> None:
        """CHANNEL_UPDATE, after changing a channel's overwrites once the bot is connected."""
        await self.dispatch("CHANNEL_UPDATE", payloads.channel(channel, self.world))

    async def push_guild_update(self, guild: Guild) -> None:
        """GUILD_UPDATE, after changing a guild's settings (its preferred locale) once the
        bot is connected."""
        await self.dispatch("GUILD_UPDATE", payloads.guild(guild, self.world))

    async def push_role_update(self, role: Role) -> None:
        """GUILD_ROLE_UPDATE, after changing a role's permissions once the bot is connected."""
        data = {"guild_id": str(role.guild_id), "role": payloads.role(role)}
        await self.dispatch("GUILD_ROLE_UPDATE", data)

    # -- interactions -----------------------------------------------------------------

    async def send_interaction(
        self,
        command: str,
        options: dict[str, object] | None = None,
        *,
        channel: Channel | int | None = None,
        user: User | int | None = None,
        dm: bool = False,
        permissions: int | None = None,
        app_permissions: int | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Invoke a synced slash command ("status", or "group sub") as `user` in `channel`.

        Defaults: the `member` user in `channel` ("general"); member and app permissions are
        computed from roles and overwrites unless given. Options are plain values (ids or
        objects for users, channels and roles), typed per the synced definition.
        """
        who = _Who(channel, user, dm, permissions, app_permissions, locale)
        return await self._invoke(APPLICATION_COMMAND, command, options or {}, None, who)

    async def send_autocomplete(
        self,
        command: str,
        options: dict[str, object],
        focused: str,
        *,
        channel: Channel | int | None = None,
        user: User | int | None = None,
        dm: bool = False,
        permissions: int | None = None,
        app_permissions: int | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """An autocomplete request (type 4); `options[focused]` is what was typed so far."""
        who = _Who(channel, user, dm, permissions, app_permissions, locale)
        return await self._invoke(AUTOCOMPLETE, command, options, focused, who)

    async def _invoke(
        self, kind: int, command: str, values: dict[str, object], focused: str | None, who: _Who
    ) -> InteractionHandle:
        world = self.world
        invoker = world.users[_id(who.user) if who.user is not None else self.member.id]
        channel = who.channel if who.channel is not None else self.channel
        where = world.dm_channel(invoker.id) if who.dm else world.channels[_id(channel)]
        guild = world.guild_of(where)
        name, *path = command.split()
        synced = self.commands(guild) if guild else []
        definition = find_command(synced, name) or find_command(self.commands(), name)
        if definition is None:
            raise ValueError(f"/{name} is not synced here; synced: {[c['name'] for c in synced]}")
        resolved: Json = {}
        options = command_options(
            definition, path, values, focused, resolve_into(resolved, world, guild, invoker)
        )
        interaction_id = world.next_id()
        inv = Invocation(
            interaction_id,
            hashlib.sha256(f"interaction-{interaction_id}".encode()).hexdigest() * 2,
            kind,
            definition,
            options,
            guild,
            where,
            invoker,
            _default(who.permissions, lambda: world.permissions_in(where, invoker.id)),
            _default(who.app_permissions, lambda: world.permissions_in(where, world.bot.id)),
            who.locale,
            resolved,
        )
        payload = interaction_create(world, inv)
        handle = InteractionHandle(
            interaction_id,
            inv.token,
            payload,
            asyncio.get_running_loop().time(),
            self.state.changes,
        )
        self.state.interactions[interaction_id] = handle
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return handle


@dataclass(frozen=True)
class _Who:
    """Who invokes, where, with which permissions (None: computed from the world)."""

    channel: Channel | int | None
    user: User | int | None
    dm: bool
    permissions: int | None
    app_permissions: int | None
    locale: str


def _default(value: int | None, compute: Callable[[], int]) -> int:
    return compute() if value is None else value


def _message_id(message: Json | int) -> int:
    return int(message["id"]) if isinstance(message, dict) else message


def _id(thing: Channel | Guild | User | Role | int) -> int:
    return thing if isinstance(thing, int) else thing.id

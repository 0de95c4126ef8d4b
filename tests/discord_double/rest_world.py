"""REST routes that read the world: gateway, users, application, guilds, channels, DMs, commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from . import payloads
from .limits import Reply, error
from .payloads import Json
from .state import Call, State

Handler = Callable[[Call], Awaitable[Reply]]


@dataclass(frozen=True)
class Route:
    """A route the double implements; `template` is the spec's path template, exactly."""

    method: str
    template: str
    handler: Handler
    bot_auth: bool = True  # webhook tokens and interaction callbacks need no bot token
    bucket: str | None = None  # the major parameter of a per-route rate-limit bucket


def ok(body: Json | list[Json]) -> Reply:
    return Reply(200, body)


class WorldRoutes:
    """Read-mostly routes; `ws_url` is the double's own gateway."""

    def __init__(self, state: State, ws_url: Callable[[], str]) -> None:
        self.state = state
        self.world = state.world
        self.ws_url = ws_url

    def routes(self) -> list[Route]:
        app = "/applications/{application_id}"
        return [
            Route("GET", "/gateway", self.gateway, bot_auth=False),
            Route("GET", "/gateway/bot", self.gateway_bot),
            Route("GET", "/users/@me", self.me),
            Route("GET", "/users/{user_id}", self.user),
            Route("GET", "/oauth2/applications/@me", self.application),
            Route("GET", "/applications/@me", self.application),
            Route("POST", "/users/@me/channels", self.create_dm),
            Route("GET", "/channels/{channel_id}", self.channel),
            Route("GET", "/guilds/{guild_id}", self.guild),
            Route("GET", "/guilds/{guild_id}/channels", self.guild_channels),
            Route("GET", "/guilds/{guild_id}/roles", self.guild_roles),
            Route("GET", "/guilds/{guild_id}/members/{user_id}", self.guild_member),
            Route("GET", app + "/commands", self.get_commands),
            Route("PUT", app + "/commands", self.put_commands),
            Route("POST", app + "/commands", self.post_command),
            Route("GET", app + "/guilds/{guild_id}/commands", self.get_commands),
            Route("PUT", app + "/guilds/{guild_id}/commands", self.put_commands),
            Route("POST", app + "/guilds/{guild_id}/commands", self.post_command),
        ]

    async def gateway(self, call: Call) -> Reply:
        return ok({"url": self.ws_url()})

    async def gateway_bot(self, call: Call) -> Reply:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        shards = self.world.recommended_shards
        return ok({"url": self.ws_url(), "shards": shards, "session_start_limit": limit})

    async def me(self, call: Call) -> Reply:
        return ok(payloads.current_user(self.world.bot))

    async def user(self, call: Call) -> Reply:
        user = self.world.users.get(call.id("user_id"))
        return ok(payloads.user(user)) if user else error(404, 10013)

    async def application(self, call: Call) -> Reply:
        return ok(payloads.application(self.world.application_id, self.world.bot, self.world.owner))

    async def create_dm(self, call: Call) -> Reply:
        recipient = call.body.get("recipient_id")
        if recipient is None or int(recipient) not in self.world.users:
            return error(404, 10013)
        channel = self.world.dm_channel(int(recipient))
        return ok(payloads.channel(channel, self.world))

    async def channel(self, call: Call) -> Reply:
        channel = self.world.channels.get(call.id("channel_id"))
        return ok(payloads.channel(channel, self.world)) if channel else error(404, 10003)

    async def guild(self, call: Call) -> Reply:
        guild = self.world.guilds.get(call.id("guild_id"))
        if guild is None:
            return error(404, 10004)
        body = payloads.guild(guild, self.world)
        if call.flag("with_counts"):
            body.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return ok(body)

    async def guild_channels(self, call: Call) -> Reply:
        guild = self.world.guilds.get(call.id("guild_id"))
        if guild is None:
            return error(404, 10004)
        return ok([payloads.channel(c, self.world) for c in guild.channels.values()])

    async def guild_roles(self, call: Call) -> Reply:
        guild = self.world.guilds.get(call.id("guild_id"))
        return ok([payloads.role(r) for r in guild.roles.values()]) if guild else error(404, 10004)

    async def guild_member(self, call: Call) -> Reply:
        guild = self.world.guilds.get(call.id("guild_id"))
        if guild is None:
            return error(404, 10004)
        member = guild.members.get(call.id("user_id"))
        return ok(payloads.member(member, self.world)) if member else error(404, 10007)

    async def get_commands(self, call: Call) -> Reply:
        if (wrong := self._wrong_application(call)) is not None:
            return wrong
        return ok(self.state.commands.get(self._guild_id(call), []))

    async def put_commands(self, call: Call) -> Reply:
        """Bulk overwrite: the new list replaces the old; a command keeps its id by name."""
        if (wrong := self._wrong_application(call)) is not None:
            return wrong
        guild_id = self._guild_id(call)
        old = {c["name"]: c for c in self.state.commands.get(guild_id, [])}
        new = [self._command(body, guild_id, old.get(body["name"])) for body in call.body or []]
        self.state.commands[guild_id] = new
        self.state.changes.notify()
        return ok(new)

    async def post_command(self, call: Call) -> Reply:
        if (wrong := self._wrong_application(call)) is not None:
            return wrong
        guild_id = self._guild_id(call)
        current = self.state.commands.setdefault(guild_id, [])
        previous = next((c for c in current if c["name"] == call.body["name"]), None)
        command = self._command(call.body, guild_id, previous)
        self.state.commands[guild_id] = [c for c in current if c is not previous] + [command]
        self.state.changes.notify()
        return Reply(200 if previous else 201, command)

    def _wrong_application(self, call: Call) -> Reply | None:
        if call.id("application_id") != self.world.application_id:
            return error(403, 50001)
        if "guild_id" in call.params and call.id("guild_id") not in self.world.guilds:
            return error(403, 50001)  # Discord: the bot is not in that guild
        return None

    @staticmethod
    def _guild_id(call: Call) -> int | None:
        return call.id("guild_id") if "guild_id" in call.params else None

    def _command(self, body: Json, guild_id: int | None, previous: Json | None) -> Json:
        command_id = previous["id"] if previous else str(self.world.next_id())
        permissions = body.get("default_member_permissions")
        command: Json = {
            "id": command_id,
            "application_id": str(self.world.application_id),
            "version": str(self.world.next_id()),
            "type": body.get("type") or 1,
            "name": body["name"],
            "description": body.get("description") or "",
            "options": body.get("options") or [],
            "default_member_permissions": None if permissions is None else str(permissions),
            "dm_permission": body.get("dm_permission", True),
            "nsfw": bool(body.get("nsfw")),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "name_localizations": body.get("name_localizations"),
            "description_localizations": body.get("description_localizations"),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

"""The double's model of Discord: users, guilds, roles, channels, members, webhooks, DMs."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from enum import IntFlag

# Snowflakes of 2024-01-01 (ms since Discord's epoch, shifted by 22 bits), counted up from
# there: deterministic, 19 digits like real ids, and accepted by discord.py's webhook URL regex.
SNOWFLAKE_BASE = 283_996_800_000 << 22

ROLE_OVERWRITE = 0
MEMBER_OVERWRITE = 1


class Perm(IntFlag):
    """The permission bits the bot and its tests care about (Discord's values)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = (1 << 51) - 1
# What @everyone gets in a fresh guild, roughly: read, write, embed, attach, use commands.
EVERYONE_DEFAULT = (
    Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.ADD_REACTIONS
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.SEND_MESSAGES_IN_THREADS
    | Perm.CREATE_INSTANT_INVITE
)
BOT_ROLE_DEFAULT = EVERYONE_DEFAULT | Perm.MANAGE_WEBHOOKS


@dataclass
class User:
    """A Discord user (or the bot's own user)."""

    id: int
    username: str
    bot: bool = False


@dataclass
class Role:
    """A guild role; the @everyone role has the guild's id."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0


@dataclass
class Channel:
    """A guild text channel (type 0) or a DM channel (type 1, no guild)."""

    id: int
    name: str
    type: int = 0
    guild_id: int | None = None
    position: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient_id: int | None = None
    last_message_id: int | None = None


@dataclass
class Member:
    """A user's membership of a guild."""

    user_id: int
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None


@dataclass
class Guild:
    """A guild with its roles, channels and members, in creation order."""

    id: int
    name: str
    owner_id: int
    preferred_locale: str = (
        "en-US"  # a community guild's language; push_guild_update after a change
    )
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)


@dataclass
class Webhook:
    """An incoming webhook of a channel; `url` is what `discord.Webhook.from_url` accepts."""

    id: int
    token: str
    channel_id: int
    guild_id: int | None
    name: str = "tallybot-hook"

    @property
    def url(self) -> str:
        return f"https://discord.com/api/webhooks/{self.id}/{self.token}"


class World:
    """Everything the double knows, with the ids it hands out and Discord's permission maths.

    It starts with the bot's user, its application and the application's owner; every guild
    added gets the bot as a member with its own managed role.
    """

    def __init__(self, bot_name: str = "tallybot") -> None:
        self._ids = itertools.count(SNOWFLAKE_BASE + 1)
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.webhooks: dict[int, Webhook] = {}
        self.dm_channels: dict[int, Channel] = {}  # by recipient user id
        self.recommended_shards = 1  # what GET /gateway/bot advises (discord.py's auto shards)
        self.bot = self.add_user(bot_name, bot=True)
        self.application_id = self.next_id()
        self.owner = self.add_user("owner")

    def next_id(self) -> int:
        return next(self._ids)

    def _id_on_shard(self, shard_id: int, shard_count: int) -> int:
        """A fresh id whose guild lands on the shard: (id >> 22) % count == shard_id. Ids
        counted up share one millisecond, so the millisecond is moved forward by < count;
        the counted ids would need millions of steps to meet it."""
        fresh = self.next_id()
        millisecond = fresh >> 22
        millisecond += (shard_id - millisecond) % shard_count
        return (millisecond << 22) | (fresh & ((1 << 22) - 1))

    def add_user(self, username: str, *, bot: bool = False) -> User:
        user = User(self.next_id(), username, bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self, name: str, owner: User | None = None, *, shard: tuple[int, int] | None = None
    ) -> Guild:
        """A guild owned by `owner` (default: the application's owner), with the bot in it;
        with `shard` (id, count), its id puts it on that gateway shard."""
        owner = owner or self.owner
        guild_id = self.next_id() if shard is None else self._id_on_shard(*shard)
        guild = Guild(guild_id, name, owner.id)
        guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", int(EVERYONE_DEFAULT))
        self.guilds[guild.id] = guild
        bot_role = self.add_role(guild, self.bot.username, BOT_ROLE_DEFAULT, managed=True)
        self.add_member(guild, self.bot, [bot_role])
        self.add_member(guild, owner)
        return guild

    def bot_role(self, guild: Guild) -> Role:
        """The bot's managed role in a guild: deny it something with an overwrite."""
        return next(r for r in guild.roles.values() if r.managed)

    def add_role(self, guild: Guild, name: str, permissions: int, *, managed: bool = False) -> Role:
        role = Role(self.next_id(), guild.id, name, int(permissions), len(guild.roles), managed)
        guild.roles[role.id] = role
        return role

    def add_channel(
        self, guild: Guild, name: str, overwrites: list[Overwrite] | None = None
    ) -> Channel:
        channel = Channel(
            self.next_id(), name, 0, guild.id, len(guild.channels), list(overwrites or [])
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def set_overwrite(
        self, channel: Channel, target: Role | User, *, allow: int = 0, deny: int = 0
    ) -> Overwrite:
        """Replace the channel's overwrite for a role or a member (user)."""
        kind = ROLE_OVERWRITE if isinstance(target, Role) else MEMBER_OVERWRITE
        channel.overwrites = [
            o for o in channel.overwrites if not (o.type == kind and o.id == target.id)
        ]
        overwrite = Overwrite(target.id, kind, int(allow), int(deny))
        channel.overwrites.append(overwrite)
        return overwrite

    def add_member(self, guild: Guild, user: User, roles: list[Role] | None = None) -> Member:
        member = Member(user.id, guild.id, [role.id for role in roles or []])
        guild.members[user.id] = member
        return member

    def add_webhook(self, channel: Channel, name: str = "tallybot-hook") -> Webhook:
        webhook_id = self.next_id()
        # discord.py's Webhook.from_url wants 60+ characters of [A-Za-z0-9._-].
        token = hashlib.sha256(f"webhook-{webhook_id}".encode()).hexdigest()
        webhook = Webhook(webhook_id, token, channel.id, channel.guild_id, name)
        self.webhooks[webhook_id] = webhook
        return webhook

    def dm_channel(self, user_id: int) -> Channel:
        """The one DM channel with this user, created on first use (stable afterwards)."""
        channel = self.dm_channels.get(user_id)
        if channel is None:
            channel = Channel(self.next_id(), "", 1, None, recipient_id=user_id)
            self.dm_channels[user_id] = channel
            self.channels[channel.id] = channel
        return channel

    def guild_of(self, channel: Channel) -> Guild | None:
        return None if channel.guild_id is None else self.guilds.get(channel.guild_id)

    def base_permissions(self, guild: Guild, user_id: int) -> int:
        """A member's guild-wide permissions: owner and administrators get everything."""
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        perms = guild.roles[guild.id].permissions
        for role_id in member.roles if member else []:
            perms |= guild.roles[role_id].permissions
        return ALL_PERMISSIONS if perms & Perm.ADMINISTRATOR else perms

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        """A member's permissions in a channel after overwrites, as Discord computes them."""
        guild = self.guild_of(channel)
        if guild is None:  # DMs: the usual text permissions
            return int(EVERYONE_DEFAULT)
        perms = self.base_permissions(guild, user_id)
        if perms == ALL_PERMISSIONS:
            return perms
        by_id = {(o.type, o.id): o for o in channel.overwrites}
        everyone = by_id.get((ROLE_OVERWRITE, guild.id))
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        member = guild.members.get(user_id)
        allow = deny = 0
        for role_id in member.roles if member else []:
            overwrite = by_id.get((ROLE_OVERWRITE, role_id))
            if overwrite:
                allow |= overwrite.allow
                deny |= overwrite.deny
        perms = (perms & ~deny) | allow
        own = by_id.get((MEMBER_OVERWRITE, user_id))
        if own:
            perms = (perms & ~own.deny) | own.allow
        return perms

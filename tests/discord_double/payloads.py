"""Discord JSON objects built from the double's world, with every key discord.py 2.7 reads."""

from __future__ import annotations

import datetime
from typing import Any

from .world import Channel, Guild, Member, Overwrite, Role, User, Webhook, World

JOINED_AT = "2024-01-01T00:00:00.000000+00:00"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

Json = dict[str, Any]


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def user(u: User) -> Json:
    return {
        "id": str(u.id),
        "username": u.username,
        "global_name": None if u.bot else u.username.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": u.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
        "collectibles": None,
    }


def current_user(u: User) -> Json:
    return {**user(u), "verified": True, "mfa_enabled": False, "locale": "en-US", "email": None}


def role(r: Role) -> Json:
    return {
        "id": str(r.id),
        "name": r.name,
        "permissions": str(r.permissions),
        "position": r.position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "managed": r.managed,
        "mentionable": False,
        "flags": 0,
    }


def overwrite(o: Overwrite) -> Json:
    return {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}


def channel(c: Channel, world: World) -> Json:
    """A full channel object (GET /channels/{id}, GUILD_CREATE, DM creation)."""
    if c.guild_id is None:
        recipient = world.users.get(c.recipient_id or 0)
        return {
            "id": str(c.id),
            "type": 1,
            "last_message_id": _str_or_none(c.last_message_id),
            "flags": 0,
            "recipients": [user(recipient)] if recipient else [],
        }
    return {
        "id": str(c.id),
        "type": c.type,
        "guild_id": str(c.guild_id),
        "name": c.name,
        "position": c.position,
        "permission_overwrites": [overwrite(o) for o in c.overwrites],
        "parent_id": None,
        "topic": None,
        "nsfw": False,
        "last_message_id": _str_or_none(c.last_message_id),
        "rate_limit_per_user": 0,
        "last_pin_timestamp": None,
        "default_auto_archive_duration": 1440,
        "flags": 0,
    }


def partial_channel(c: Channel, permissions: int) -> Json:
    """The channel of an interaction or a resolved channel option: with the user's permissions."""
    data: Json = {"id": str(c.id), "type": c.type, "permissions": str(permissions), "flags": 0}
    if c.guild_id is not None:
        data.update(
            guild_id=str(c.guild_id),
            name=c.name,
            position=c.position,
            parent_id=None,
            topic=None,
            nsfw=False,
            last_message_id=_str_or_none(c.last_message_id),
            rate_limit_per_user=0,
        )
    return data


def member(m: Member, world: World, *, with_user: bool = True) -> Json:
    data: Json = {
        "roles": [str(r) for r in m.roles],
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "joined_at": JOINED_AT,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,  # discord.py 2.7 reads member["flags"] unconditionally
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
    }
    if with_user:
        data["user"] = user(world.users[m.user_id])
    return data


def guild(g: Guild, world: World) -> Json:
    """A guild as GET /guilds/{id} gives it (no channels or members)."""
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": g.preferred_locale,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "max_members": 500000,
        "max_video_channel_users": 25,
    }


def guild_create(g: Guild, world: World) -> Json:
    """The GUILD_CREATE dispatch: the guild with its channels, members and empty extras."""
    return {
        **guild(g, world),
        "unavailable": False,
        "large": False,
        "member_count": len(g.members),
        "joined_at": JOINED_AT,
        "channels": [channel(c, world) for c in g.channels.values()],
        "members": [member(m, world) for m in g.members.values()],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def application(app_id: int, bot: User, owner: User) -> Json:
    return {
        "id": str(app_id),
        "name": bot.username,
        "icon": None,
        "description": "A Discord bot that follows NLRB union election vote counts.",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "bot": user(bot),
        "owner": user(owner),
        "team": None,
        "verify_key": "0" * 64,
        "flags": 1 << 19,  # GATEWAY_MESSAGE_CONTENT_LIMITED: no message content intent
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "approximate_guild_count": 1,
        "integration_types_config": {"0": {}},
    }


def webhook(w: Webhook, app_id: int | None = None) -> Json:
    return {
        "id": str(w.id),
        "type": 1,
        "name": w.name,
        "avatar": None,
        "channel_id": str(w.channel_id),
        "guild_id": _str_or_none(w.guild_id),
        "application_id": _str_or_none(app_id),
        "token": w.token,
    }


def message(
    message_id: int,
    channel_id: int,
    body: Json,
    author: Json,
    *,
    attachments: list[Json],
    webhook_id: int | None = None,
    guild_id: int | None = None,
) -> Json:
    """A created message, echoing what the request set (and the nonce, as Discord does)."""
    data: Json = {
        "id": str(message_id),
        "type": 0,
        "channel_id": str(channel_id),
        "author": author,
        "content": body.get("content") or "",
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts")),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": [dict(e) for e in body.get("embeds") or []],
        "components": list(body.get("components") or []),
        "pinned": False,
        "flags": int(body.get("flags") or 0),
    }
    if body.get("nonce") is not None:
        data["nonce"] = body["nonce"]
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data


def webhook_author(webhook_id: int, username: str) -> Json:
    return {
        "id": str(webhook_id),
        "username": username,
        "discriminator": "0000",
        "avatar": None,
        "bot": True,
        "global_name": None,
        "public_flags": 0,
    }


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)

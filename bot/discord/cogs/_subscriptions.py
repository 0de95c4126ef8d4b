"""Subscriptions for the commands: who may subscribe where, whether the bot can post there,
storing channel and DM subscriptions idempotently, and the /subscriptions listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import discord
from discord import app_commands

from bot.core.models import Level, SubscriptionMode
from bot.discord.cogs._access import permission_names
from bot.discord.cogs._replies import command_name, option_name
from bot.discord.cogs.errors import UserError
from bot.render.admin import LiveMessage as LiveMessageLink
from bot.render.admin import SubscriptionRow
from bot.render.said import said
from bot.store import Subscription, SubscriptionKind, UnitOfWork

# What a post needs in its channel; without Embed Links an embed-only post arrives empty.
BOT_NEEDS = ("view_channel", "send_messages", "embed_links", "attach_files")
MEMBER_NEEDS = ("manage_channels",)


class Outcome(StrEnum):
    """What a /subscribe or /alerts did to the store."""

    CREATED = "created"
    UPDATED = "updated"  # level or role changed (and re-enabled)
    ENABLED = "enabled"  # the same settings, re-enabled after a 403/404
    UNCHANGED = "unchanged"  # already there as asked: idempotent


@dataclass(frozen=True, slots=True)
class Wanted:
    """A subscription as a command asks for it."""

    kind: SubscriptionKind
    target_id: int
    election_id: str
    level: Level
    mention_role_id: int | None = None
    guild_id: int | None = None
    created_by: int | None = None
    mode: SubscriptionMode = SubscriptionMode.POST
    language: str | None = None


def missing(perms: discord.Permissions, needs: Sequence[str]) -> list[str]:
    """The permission flags in `needs` that `perms` lacks."""
    return [flag for flag in needs if not getattr(perms, flag)]


def require_member_can_manage(perms: discord.Permissions, where: str) -> None:
    """Refuse unless the member has Manage Channels in the target channel."""
    lacking = missing(perms, MEMBER_NEEDS)
    if lacking:
        raise UserError(
            said(
                "You need {permissions} in {channel} to change its subscriptions.",
                permissions=permission_names(lacking),
                channel=where,
            )
        )


def require_bot_can_post(perms: discord.Permissions, where: str) -> None:
    """Refuse, naming what is missing, unless the bot has all four of BOT_NEEDS there."""
    lacking = missing(perms, BOT_NEEDS)
    if lacking:
        raise UserError(
            said(
                "I can't post in {channel}: I'm missing {permissions} there. Give me those "
                "permissions in that channel, then subscribe again.",
                channel=where,
                permissions=permission_names(lacking),
            )
        )


TEXT_CHANNELS = (discord.ChannelType.text, discord.ChannelType.news)


class TextChannelOption(app_commands.Transformer[discord.Client]):
    """A `channel` option offering text and announcement channels only, passed on as
    Discord resolved it: no cache needed, and `permissions` are the invoking member's
    there as Discord computed them."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return list(TEXT_CHANNELS)

    async def transform(
        self, interaction: discord.Interaction[discord.Client], value: Any, /
    ) -> app_commands.AppCommandChannel:
        if not isinstance(value, app_commands.AppCommandChannel) or value.type not in TEXT_CHANNELS:
            raise app_commands.TransformerError(value, self.type, self)
        return value


def where(
    interaction: discord.Interaction[Any], channel: app_commands.AppCommandChannel | None
) -> tuple[int, discord.Permissions]:
    """The target channel's id and the invoking member's permissions there: the channel
    given (which must be in the server the command is used in), else the one the command
    was used in (which must take posts)."""
    if channel is not None:
        if channel.guild_id != interaction.guild_id:
            raise UserError(
                said(
                    "{channel} is in another server. Manage its subscriptions with the "
                    "commands in that server, so that each server's {command} tells the truth.",
                    channel=channel.mention,
                    command=command_name("subscriptions"),
                )
            )
        if channel.id == interaction.channel_id:
            return channel.id, interaction.permissions
        return channel.id, channel.permissions
    here = interaction.channel
    if interaction.channel_id is None or getattr(here, "type", None) not in TEXT_CHANNELS:
        raise UserError(
            said(
                "I can post updates only in text channels: pick one with {option}.",
                option=option_name("channel"),
            )
        )
    return interaction.channel_id, interaction.permissions


async def bot_permissions(
    interaction: discord.Interaction[Any], channel: app_commands.AppCommandChannel | None
) -> discord.Permissions:
    """The bot's permissions in the target: `app_permissions` where the command was used,
    else computed from the channel's overwrites (fetched when not cached) and the bot's
    cached member (discord.py always caches it)."""
    if channel is None or channel.id == interaction.channel_id:
        return interaction.app_permissions
    full = channel.resolve()
    if full is None:
        try:
            full = await channel.fetch()
        except discord.Forbidden:
            return discord.Permissions.none()  # the bot cannot even see the channel
        except discord.NotFound:
            raise UserError(said("{channel} no longer exists.", channel=channel.mention)) from None
    return full.permissions_for(full.guild.me)


@dataclass(frozen=True, slots=True)
class Subscribed:
    """What /subscribe or /alerts did: the subscription now, the outcome, and the one it
    replaced (to say what a change of mode does)."""

    subscription: Subscription
    outcome: Outcome
    before: Subscription | None = None


def _same_settings(existing: Subscription, wanted: Wanted) -> bool:
    return (
        existing.level is wanted.level
        and existing.mention_role_id == wanted.mention_role_id
        and existing.mode is wanted.mode
        and existing.language == wanted.language
    )


async def subscribe(uow: UnitOfWork, wanted: Wanted) -> Subscribed:
    """Store `wanted`, or bring the existing one in line with it (re-enabling it: asking
    again is a retry). A subscription from the config file can be re-enabled, not changed."""
    repo = uow.subscriptions
    existing = await repo.find(wanted.kind, wanted.target_id, wanted.election_id)
    if existing is None:
        created, _ = await repo.add(
            wanted.kind,
            wanted.target_id,
            wanted.election_id,
            level=wanted.level,
            guild_id=wanted.guild_id,
            mention_role_id=wanted.mention_role_id,
            created_by=wanted.created_by,
            mode=wanted.mode,
            language=wanted.language,
        )
        return Subscribed(created, Outcome.CREATED)
    same = _same_settings(existing, wanted)
    if existing.static and not same:
        raise UserError(
            said(
                "That subscription is set in the bot's config file; ask the operator to change it."
            )
        )
    if same and not existing.disabled:
        return Subscribed(existing, Outcome.UNCHANGED, existing)
    updated = await repo.update(
        existing.id,
        level=wanted.level,
        mention_role_id=wanted.mention_role_id,
        mode=wanted.mode,
        language=wanted.language,
        guild_id=wanted.guild_id,
    )
    outcome = Outcome.ENABLED if same else Outcome.UPDATED
    return Subscribed(updated or existing, outcome, existing)


async def unsubscribe(
    uow: UnitOfWork, kind: SubscriptionKind, target_id: int, election_id: str
) -> bool:
    """Remove one subscription; False when there was none. Config ones are refused (the
    next start would bring them back)."""
    existing = await uow.subscriptions.find(kind, target_id, election_id)
    if existing is None:
        return False
    if existing.static:
        raise UserError(
            said(
                "That subscription is set in the bot's config file; ask the operator to remove it."
            )
        )
    return await uow.subscriptions.remove(kind, target_id, election_id)


def jump_url(guild_id: int | None, channel_id: int | None, message_id: int) -> str | None:
    """The address Discord opens a message at, when its server and channel are known."""
    if guild_id is None or channel_id is None:
        return None
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


async def listing_rows(uow: UnitOfWork, subs: Sequence[Subscription]) -> list[SubscriptionRow]:
    """/subscriptions rows, each live subscription with links to its live messages."""
    live = await uow.live.for_subscriptions(s.id for s in subs)
    rows = []
    for sub in subs:
        messages = []
        for message in (m for m in live if m.subscription_id == sub.id):
            channel = sub.target_id if sub.kind is SubscriptionKind.CHANNEL else message.channel_id
            url = jump_url(sub.guild_id, channel, message.message_id)
            if url is not None:
                messages.append(LiveMessageLink(round=message.round, url=url))
        rows.append(
            SubscriptionRow(
                kind=sub.kind.value,
                target_id=sub.target_id,
                election_id=sub.election_id,
                level=sub.level,
                mode=sub.mode,
                language=sub.language,
                mention_role_id=sub.mention_role_id,
                static=sub.static,
                disabled=sub.disabled,
                disabled_reason=sub.disabled_reason,
                disabled_at=sub.disabled_at,
                live_messages=tuple(messages),
            )
        )
    return rows

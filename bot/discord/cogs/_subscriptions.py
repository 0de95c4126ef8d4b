"""Subscriptions for the commands: who may subscribe where, whether the bot can post there,
storing channel and DM subscriptions idempotently, and the /subscriptions listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import discord
from discord import app_commands

from bot.core.models import Level
from bot.discord.cogs._replies import body_of
from bot.discord.cogs.errors import UserError
from bot.render.body import Embed, EmbedFooter, MessageBody
from bot.render.format import discord_timestamp, inert, number, sanitize
from bot.render.messages import COLOUR_COUNTING, COLOUR_PAUSED
from bot.store import ALL_ELECTIONS, Subscription, SubscriptionKind, UnitOfWork

# What a post needs in its channel; without Embed Links an embed-only post arrives empty.
BOT_NEEDS: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("attach_files", "Attach Files"),
)
MEMBER_NEEDS: tuple[tuple[str, str], ...] = (("manage_channels", "Manage Channels"),)
LEVEL_HELP = {
    Level.ALL: "every update",
    Level.MAJOR: "every post except plain count updates",
    Level.FINAL: "results, corrections, new rounds and closing decisions only",
}
MAX_LISTED = 40  # lines of /subscriptions; the rest is counted
_REASON_MAX = 200
_FOOTER = "A disabled subscription gets no posts: fix the cause, then /subscribe again."


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


def missing(perms: discord.Permissions, needs: Sequence[tuple[str, str]]) -> list[str]:
    """Readable names of the permissions in `needs` that `perms` lacks."""
    return [label for flag, label in needs if not getattr(perms, flag)]


def join_names(names: Sequence[str]) -> str:
    """Names joined as in a sentence: A; A and B; A, B and C."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def require_member_can_manage(perms: discord.Permissions, where: str) -> None:
    """Refuse unless the member has Manage Channels in the target channel."""
    lacking = missing(perms, MEMBER_NEEDS)
    if lacking:
        raise UserError(f"You need {join_names(lacking)} in {where} to change its subscriptions.")


def require_bot_can_post(perms: discord.Permissions, where: str) -> None:
    """Refuse, naming what is missing, unless the bot has all four of BOT_NEEDS there."""
    lacking = missing(perms, BOT_NEEDS)
    if lacking:
        raise UserError(
            f"I can't post in {where}: I'm missing {join_names(lacking)} there. "
            "Give me those permissions in that channel, then subscribe again."
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
                f"{channel.mention} is in another server. Manage its subscriptions with the "
                "commands in that server, so that each server's /subscriptions tells the truth."
            )
        if channel.id == interaction.channel_id:
            return channel.id, interaction.permissions
        return channel.id, channel.permissions
    here = interaction.channel
    if interaction.channel_id is None or getattr(here, "type", None) not in TEXT_CHANNELS:
        raise UserError("I can post updates only in text channels: pick one with `channel`.")
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
            raise UserError(f"{channel.mention} no longer exists.") from None
    return full.permissions_for(full.guild.me)


async def subscribe(uow: UnitOfWork, wanted: Wanted) -> tuple[Subscription, Outcome]:
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
        )
        return created, Outcome.CREATED
    same = existing.level is wanted.level and existing.mention_role_id == wanted.mention_role_id
    if existing.static and not same:
        raise UserError(
            "That subscription is set in the bot's config file; ask the operator to change it."
        )
    if same and not existing.disabled:
        return existing, Outcome.UNCHANGED
    updated = await repo.update(
        existing.id, level=wanted.level, mention_role_id=wanted.mention_role_id
    )
    return updated or existing, Outcome.ENABLED if same else Outcome.UPDATED


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
            "That subscription is set in the bot's config file; ask the operator to remove it."
        )
    return await uow.subscriptions.remove(kind, target_id, election_id)


def describe(sub: Subscription) -> str:
    """One subscription in a sentence part: "`jfk8` at level all, pinging @role"."""
    what = "every election" if sub.election_id == ALL_ELECTIONS else f"`{sub.election_id}`"
    text = f"{what} at level {sub.level.value} ({LEVEL_HELP[sub.level]})"
    if sub.mention_role_id is not None:
        text += f", pinging <@&{sub.mention_role_id}>"
    return text


def target_text(sub: Subscription) -> str:
    if sub.kind is SubscriptionKind.CHANNEL:
        return f"<#{sub.target_id}>"
    if sub.kind is SubscriptionKind.WEBHOOK:
        return f"webhook `{sub.target_id}`"
    return f"DMs to <@{sub.target_id}>"


def listing_line(sub: Subscription) -> str:
    """One /subscriptions line; a disabled one says when and why."""
    line = f"{target_text(sub)} → `{sub.election_id}` · {sub.level.value}"
    if sub.mention_role_id is not None:
        line += f" · pings <@&{sub.mention_role_id}>"
    if sub.static:
        line += " · config"
    if sub.disabled:
        reason = sanitize(sub.disabled_reason or "no reason recorded", _REASON_MAX)
        when = f" {discord_timestamp(sub.disabled_at)}" if sub.disabled_at else ""
        line += f"\n  ⚠️ **disabled**{when}: {reason}"
    return line


def listing_body(subs: Sequence[Subscription]) -> MessageBody:
    """The /subscriptions answer: every subscription of the server, disabled ones with why."""
    ordered = sorted(subs, key=lambda s: (not s.disabled, s.kind.value, s.target_id, s.election_id))
    disabled = sum(1 for s in subs if s.disabled)
    lines = [listing_line(s) for s in ordered[:MAX_LISTED]]
    if len(ordered) > MAX_LISTED:
        lines.append(f"… and {number(len(ordered) - MAX_LISTED)} more")
    title = f"Subscriptions in this server: {number(len(subs))}"
    if disabled:
        title += f", {number(disabled)} disabled"
    embed = Embed(
        title=title,
        description="\n".join(lines) or "None yet. `/subscribe` a channel to an election.",
        color=COLOUR_PAUSED if disabled else COLOUR_COUNTING,
        footer=EmbedFooter(
            text=inert(
                "A disabled subscription gets no posts: fix the cause, then /subscribe again."
            )
        ),
    )
    return body_of(embed)

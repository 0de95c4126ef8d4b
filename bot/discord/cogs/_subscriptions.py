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
from bot.discord.cogs.errors import UserError
from bot.render.admin import LiveMessage as LiveMessageLink
from bot.render.admin import SubscriptionRow
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
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
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
    mode: SubscriptionMode = SubscriptionMode.POST
    language: str | None = None


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
            "That subscription is set in the bot's config file; ask the operator to change it."
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


async def overlap_note(uow: UnitOfWork, sub: Subscription) -> str | None:
    """What a channel subscription changes when the channel follows `all` and single
    elections at once (DESIGN §8): one post per election goes out, the specific
    subscription's settings winning."""
    follows = await uow.subscriptions.list_by_target(sub.kind, sub.target_id)
    others = [s for s in follows if s.id != sub.id and not s.disabled]
    if sub.election_id == ALL_ELECTIONS:
        own = [f"`{s.election_id}`" for s in others]
        if not own:
            return None
        return (
            f"{join_names(own)} keep their own subscriptions here: their level, mode and "
            "role apply to them instead of these."
        )
    everything = next((s for s in others if s.election_id == ALL_ELECTIONS), None)
    if everything is None:
        return None
    if (everything.level, everything.mode, everything.mention_role_id, everything.language) == (
        sub.level,
        sub.mode,
        sub.mention_role_id,
        sub.language,
    ):
        return (
            f"This channel already gets every `{sub.election_id}` post through `all`, with "
            "the same settings: this subscription changes nothing until one of them does."
        )
    return (
        f"This channel also follows every election through `all`; for `{sub.election_id}` "
        "this subscription's settings apply instead (one post per change, never two)."
    )


def mode_note(result: Subscribed) -> str | None:
    """What a change of mode does to the live messages (DESIGN §5)."""
    before, now = result.before, result.subscription
    if before is None or before.mode is now.mode:
        return None
    if now.mode is SubscriptionMode.LIVE:
        return "The next change posts a live message here, and later changes edit it."
    return "Its live messages stay as they are; new changes come as new posts."


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
    if sub.mode is SubscriptionMode.LIVE:
        text += ", as one live message per round"
    if sub.language is not None:
        text += f", in {LANGUAGE_NAMES.get(sub.language, sub.language)}"
    if sub.mention_role_id is not None:
        text += f", pinging <@&{sub.mention_role_id}>"
    return text


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
